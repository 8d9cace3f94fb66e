//! OTLP/HTTP traces, protobuf or JSON, built from opentelemetry-proto's generated types.

#[cfg(feature = "runtime")]
use std::time::Instant;

use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{
    AnyValue, ArrayValue, InstrumentationScope, KeyValue, any_value,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{self as proto, ResourceSpans, ScopeSpans};
use prost::Message;
use serde_json::{Value as Json, json};

use super::Segment;
#[cfg(feature = "runtime")]
use super::SpanExporter;
#[cfg(feature = "runtime")]
use super::http::{HttpClient, HttpFailure, Request, shown};
#[cfg(feature = "runtime")]
use crate::options::OtlpConfig;
use crate::options::{Config, OtlpProtocol};
use crate::span::{SpanData, SpanKind, Status, Value, hex};
#[cfg(feature = "runtime")]
use crate::stats::{DropReason, ExportTally};

/// The semantic-conventions version our attributes follow.
pub const SCHEMA_URL: &str = "https://opentelemetry.io/schemas/1.41.0";

/// W3C sampled flag plus "parent is not remote" (OTLP's HAS_IS_REMOTE set, IS_REMOTE clear).
const SPAN_FLAGS: u32 = 0x01 | 0x100;

/// Encodes segments as OTLP/HTTP request bodies: no I/O, so the wasm build uses it too.
#[derive(Clone, Debug)]
pub struct OtlpEncoder {
    protocol: OtlpProtocol,
    resource: Resource,
}

impl OtlpEncoder {
    /// The resource (`service.name`, SDK, environment, release) from the config.
    pub fn new(protocol: OtlpProtocol, config: &Config) -> Self {
        let mut attributes = vec![
            kv("service.name", Value::from(config.service_name.clone())),
            kv("telemetry.sdk.name", Value::from("llmtel")),
            kv(
                "telemetry.sdk.language",
                Value::from(config.sdk_language.clone()),
            ),
            kv("telemetry.sdk.version", Value::from(crate::VERSION)),
            kv(
                "deployment.environment.name",
                Value::from(config.environment.clone()),
            ),
        ];
        if let Some(release) = &config.release {
            attributes.push(kv("service.version", Value::from(release.clone())));
        }
        // The user's resource attributes win, except over a service name set on purpose
        // (OTEL_SERVICE_NAME wins over OTEL_RESOURCE_ATTRIBUTES, as the specification says).
        for (key, value) in &config.resource_attributes {
            if key == "service.name" && config.service_name != "unknown_service" {
                continue;
            }
            attributes.retain(|a| a.key != *key);
            attributes.push(kv(key, Value::from(value.clone())));
        }
        OtlpEncoder {
            protocol,
            resource: Resource {
                attributes,
                ..Default::default()
            },
        }
    }

    /// The request body for these segments, as protobuf or JSON.
    pub fn encode(&self, segments: &[Segment]) -> Vec<u8> {
        let request = build_request(&self.resource, segments);
        match self.protocol {
            OtlpProtocol::Protobuf => request.encode_to_vec(),
            OtlpProtocol::Json => request_json(&request).to_string().into_bytes(),
        }
    }

    pub fn content_type(&self) -> &'static str {
        match self.protocol {
            OtlpProtocol::Protobuf => "application/x-protobuf",
            OtlpProtocol::Json => "application/json",
        }
    }

    /// Spans a partial success rejected, from the response body.
    pub fn rejected_spans(&self, body: &[u8]) -> u64 {
        let rejected =
            match self.protocol {
                OtlpProtocol::Protobuf => ExportTraceServiceResponse::decode(body)
                    .ok()
                    .and_then(|r| r.partial_success)
                    .map(|p| p.rejected_spans),
                // `{"partialSuccess": {"rejectedSpans": "2"}}`: a 64-bit integer, a string or not.
                OtlpProtocol::Json => serde_json::from_slice::<Json>(body).ok().and_then(|r| {
                    match &r["partialSuccess"]["rejectedSpans"] {
                        Json::String(n) => n.parse().ok(),
                        n => n.as_i64(),
                    }
                }),
            };
        rejected.map_or(0, |n| n.max(0) as u64)
    }
}

/// Posts encoded segments to the OTLP endpoint (native runtime).
#[cfg(feature = "runtime")]
pub struct OtlpExporter {
    config: OtlpConfig,
    encoder: OtlpEncoder,
    http: HttpClient,
}

#[cfg(feature = "runtime")]
impl OtlpExporter {
    pub(crate) fn new(otlp: &OtlpConfig, config: &Config) -> Self {
        OtlpExporter {
            config: otlp.clone(),
            encoder: OtlpEncoder::new(otlp.protocol, config),
            http: HttpClient::new(config.debug, 1),
        }
    }

    /// The request body for these segments, as protobuf or JSON.
    pub fn encode(&self, segments: &[Segment]) -> Vec<u8> {
        self.encoder.encode(segments)
    }
}

pub fn build_request(resource: &Resource, segments: &[Segment]) -> ExportTraceServiceRequest {
    let spans = segments
        .iter()
        .flat_map(Segment::spans)
        .map(to_proto)
        .collect();
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(resource.clone()),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "llmtel".into(),
                    version: crate::VERSION.into(),
                    ..Default::default()
                }),
                spans,
                schema_url: SCHEMA_URL.into(),
            }],
            schema_url: SCHEMA_URL.into(),
        }],
    }
}

/// The request in OTLP/JSON: the protobuf JSON mapping with OTLP's exceptions (ids as hex,
/// enums as integers), 64-bit integers as strings, fields at their default left out. Written
/// from the protobuf types here rather than by opentelemetry-proto's serde impls, which cost the
/// wasm build 10 KB of its gzipped size; it covers the fields `build_request` sets, and
/// tests::json_decodes_to_the_protobuf_request holds it to those impls.
fn request_json(request: &ExportTraceServiceRequest) -> Json {
    let resource_spans = request.resource_spans.iter().map(|rs| {
        let mut out = json!({
            "scopeSpans": rs.scope_spans.iter().map(scope_spans_json).collect::<Vec<_>>(),
        });
        if let Some(resource) = &rs.resource {
            out["resource"] = json!({"attributes": attributes_json(&resource.attributes)});
        }
        set_text(&mut out, "schemaUrl", &rs.schema_url);
        out
    });
    json!({"resourceSpans": resource_spans.collect::<Vec<_>>()})
}

fn scope_spans_json(ss: &ScopeSpans) -> Json {
    let mut out = json!({"spans": ss.spans.iter().map(span_json).collect::<Vec<_>>()});
    if let Some(scope) = &ss.scope {
        let mut scope_json = json!({});
        set_text(&mut scope_json, "name", &scope.name);
        set_text(&mut scope_json, "version", &scope.version);
        out["scope"] = scope_json;
    }
    set_text(&mut out, "schemaUrl", &ss.schema_url);
    out
}

fn span_json(span: &proto::Span) -> Json {
    let mut out = json!({
        "traceId": hex(&span.trace_id),
        "spanId": hex(&span.span_id),
        "flags": span.flags,
        "name": span.name,
        "kind": span.kind,
        "startTimeUnixNano": span.start_time_unix_nano.to_string(),
        "endTimeUnixNano": span.end_time_unix_nano.to_string(),
        "attributes": attributes_json(&span.attributes),
    });
    if !span.parent_span_id.is_empty() {
        out["parentSpanId"] = hex(&span.parent_span_id).into();
    }
    if let Some(status) = &span.status {
        let mut status_json = json!({"code": status.code});
        set_text(&mut status_json, "message", &status.message);
        out["status"] = status_json;
    }
    out
}

fn attributes_json(attributes: &[KeyValue]) -> Vec<Json> {
    attributes
        .iter()
        .map(|kv| json!({"key": kv.key, "value": kv.value.as_ref().map_or(json!({}), any_value_json)}))
        .collect()
}

fn any_value_json(value: &AnyValue) -> Json {
    use any_value::Value as V;
    match &value.value {
        Some(V::StringValue(s)) => json!({"stringValue": s}),
        Some(V::BoolValue(b)) => json!({"boolValue": b}),
        Some(V::IntValue(i)) => json!({"intValue": i.to_string()}),
        Some(V::DoubleValue(d)) => json!({"doubleValue": d}),
        Some(V::ArrayValue(a)) => {
            json!({"arrayValue": {"values": a.values.iter().map(any_value_json).collect::<Vec<_>>()}})
        }
        // None, and lists, bytes and string-table indexes, which to_proto does not make.
        _ => json!({}),
    }
}

fn set_text(object: &mut Json, key: &str, text: &str) {
    if !text.is_empty() {
        object[key] = text.into();
    }
}

fn to_proto(span: &SpanData) -> proto::Span {
    let status = match &span.status {
        Status::Unset => None,
        Status::Ok => Some(proto::Status {
            code: proto::status::StatusCode::Ok as i32,
            message: String::new(),
        }),
        Status::Error { code, message } => Some(proto::Status {
            code: proto::status::StatusCode::Error as i32,
            message: message.clone().unwrap_or_else(|| code.as_str().to_owned()),
        }),
    };
    proto::Span {
        trace_id: span.trace_id.0.to_vec(),
        span_id: span.span_id.0.to_vec(),
        parent_span_id: span
            .parent_span_id
            .map(|p| p.0.to_vec())
            .unwrap_or_default(),
        flags: SPAN_FLAGS,
        name: span.name.to_string(),
        kind: match span.kind {
            SpanKind::Internal => proto::span::SpanKind::Internal,
            SpanKind::Client => proto::span::SpanKind::Client,
            SpanKind::Server => proto::span::SpanKind::Server,
            SpanKind::Producer => proto::span::SpanKind::Producer,
            SpanKind::Consumer => proto::span::SpanKind::Consumer,
        } as i32,
        start_time_unix_nano: span.start_time_unix_nano,
        end_time_unix_nano: span.end_time_unix_nano,
        attributes: span
            .attributes
            .iter()
            .map(|(k, v)| kv(k, v.clone()))
            .chain(
                span.op
                    .as_deref()
                    .map(|op| kv("sentry.op", Value::from(op.to_owned()))),
            )
            .chain(std::iter::once(kv(
                "sentry.origin",
                Value::from(span.origin.to_string()),
            )))
            .collect(),
        status,
        ..Default::default()
    }
}

fn kv(key: &str, value: Value) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(any_value(value)),
        ..Default::default()
    }
}

fn any_value(value: Value) -> AnyValue {
    use any_value::Value as V;
    fn array(values: Vec<V>) -> V {
        V::ArrayValue(ArrayValue {
            values: values
                .into_iter()
                .map(|v| AnyValue { value: Some(v) })
                .collect(),
        })
    }
    let value = match value {
        Value::String(s) => V::StringValue(s.into_owned()),
        Value::Int(i) => V::IntValue(i),
        Value::Double(d) => V::DoubleValue(d),
        Value::Bool(b) => V::BoolValue(b),
        Value::StringArray(a) => array(
            a.into_iter()
                .map(|s| V::StringValue(s.into_owned()))
                .collect(),
        ),
        Value::IntArray(a) => array(a.into_iter().map(V::IntValue).collect()),
        Value::DoubleArray(a) => array(a.into_iter().map(V::DoubleValue).collect()),
        Value::BoolArray(a) => array(a.into_iter().map(V::BoolValue).collect()),
    };
    AnyValue { value: Some(value) }
}

#[cfg(feature = "runtime")]
impl SpanExporter for OtlpExporter {
    fn name(&self) -> &str {
        "otlp"
    }

    fn export(&mut self, segments: &[Segment], deadline: Instant) -> ExportTally {
        let count: u64 = segments.iter().map(|s| s.len() as u64).sum();
        if count == 0 {
            return ExportTally::default();
        }
        let content_type = self.encoder.content_type();
        let mut headers = vec![("Content-Type".to_owned(), content_type.to_owned())];
        headers.extend(self.config.headers.iter().cloned());
        let outcome = self.http.send(Request {
            url: self.config.url.clone(),
            headers,
            body: self.encode(segments),
            gzip: self.config.gzip,
            deadline,
            retryable: |r| matches!(r.status, 429 | 502..=504),
        });
        match outcome {
            Ok(response) if response.is_success() => {
                // A partial success is final: the rejected spans are counted, not retried.
                let rejected = self.encoder.rejected_spans(&response.body).min(count);
                let mut tally = ExportTally::exported(count - rejected);
                tally.dropped.add(DropReason::SendError, rejected);
                tally
            }
            Ok(response) => {
                if self.http.debug() {
                    eprintln!(
                        "llmtel: OTLP endpoint answered {}: {}",
                        response.status,
                        String::from_utf8_lossy(&response.body)
                    );
                }
                ExportTally::dropped(DropReason::SendError, count)
            }
            Err(HttpFailure::Network(e)) => {
                if self.http.debug() {
                    eprintln!("llmtel: OTLP endpoint unreachable: {}", shown(&e));
                }
                ExportTally::dropped(DropReason::NetworkError, count)
            }
            Err(HttpFailure::Request(e)) => {
                if self.http.debug() {
                    eprintln!("llmtel: cannot send to the OTLP endpoint: {}", shown(&e));
                }
                ExportTally::dropped(DropReason::SendError, count)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::Options;
    use crate::span::{ErrorCode, SpanId};

    /// Spans with every kind of attribute value, status and kind, a parent and an op.
    fn segment() -> Segment {
        let mut root = SpanData::for_tests("invoke_agent weather");
        root.span_id = root.segment_id;
        root.op = Some("gen_ai.invoke_agent".into());
        root.kind = SpanKind::Server;
        root.status = Status::Ok;
        root.start_time_unix_nano = 1_764_000_000_123_456_789;
        root.end_time_unix_nano = u64::MAX;
        let mut child = SpanData::for_tests("chat gpt-4o");
        child.trace_id = root.trace_id;
        child.parent_span_id = Some(root.span_id);
        child.segment_id = root.span_id;
        child.span_id = SpanId([0xab; 8]);
        child.kind = SpanKind::Client;
        child.status = Status::Error {
            code: ErrorCode::ResourceExhausted,
            message: None,
        };
        let mut failed = child.clone();
        failed.status = Status::Error {
            code: ErrorCode::Unknown,
            message: Some("boom \"quoted\" é".into()),
        };
        let a = &mut child.attributes;
        a.set("text", "a \"quoted\"\nline é");
        a.set("int", i64::MIN);
        a.set("double", 0.1);
        a.set("whole_double", 2.0);
        a.set("bool", true);
        a.set("texts", vec!["x", ""]);
        a.set("ints", vec![1_i64, -2, i64::MAX]);
        a.set("doubles", vec![1.5, -0.0]);
        a.set("bools", vec![false, true]);
        a.set("empty", Vec::<i64>::new());
        Segment {
            root: Some(root),
            children: vec![child, failed],
            events: Vec::new(),
        }
    }

    #[test]
    fn json_decodes_to_the_protobuf_request() {
        let mut options = Options::default();
        options.set("release", "web@1.2").unwrap();
        options
            .set("resource_attributes", "team=ai,region=eu%2Dwest")
            .unwrap();
        let config = options.resolve_with_env(|_: &str| None).unwrap();
        let encoder = OtlpEncoder::new(OtlpProtocol::Json, &config);
        let request = build_request(&encoder.resource, &[segment()]);
        let body = encoder.encode(&[segment()]);
        // The same request the protobuf body carries, as opentelemetry-proto's serde reads it;
        // ids vary between the two segment() calls, so compare the first encoding's request.
        let decoded: ExportTraceServiceRequest =
            serde_json::from_value(request_json(&request)).unwrap();
        assert_eq!(decoded, request);
        // And the body is that JSON.
        let again: ExportTraceServiceRequest = serde_json::from_slice(&body).unwrap();
        assert_eq!(again.resource_spans[0].scope_spans[0].spans.len(), 3);
    }

    #[test]
    fn a_partial_success_in_json_counts_its_rejected_spans() {
        let config = Options::default().resolve_with_env(|_: &str| None).unwrap();
        let encoder = OtlpEncoder::new(OtlpProtocol::Json, &config);
        for (body, rejected) in [
            (
                r#"{"partialSuccess":{"rejectedSpans":"2","errorMessage":"old"}}"#,
                2,
            ),
            (r#"{"partialSuccess":{"rejectedSpans":3}}"#, 3),
            (r#"{"partialSuccess":{}}"#, 0),
            (r#"{}"#, 0),
            ("", 0),
            ("not json", 0),
        ] {
            assert_eq!(encoder.rejected_spans(body.as_bytes()), rejected, "{body}");
        }
    }
}
