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

use super::Segment;
#[cfg(feature = "runtime")]
use super::SpanExporter;
#[cfg(feature = "runtime")]
use super::http::{HttpClient, HttpFailure, Request, shown};
#[cfg(feature = "runtime")]
use crate::options::OtlpConfig;
use crate::options::{Config, OtlpProtocol};
use crate::span::{SpanData, SpanKind, Status, Value};
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
            OtlpProtocol::Json => serde_json::to_vec(&request).expect("OTLP JSON serializes"),
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
        let response = match self.protocol {
            OtlpProtocol::Protobuf => ExportTraceServiceResponse::decode(body).ok(),
            OtlpProtocol::Json => serde_json::from_slice(body).ok(),
        };
        response
            .and_then(|r| r.partial_success)
            .map_or(0, |p| p.rejected_spans.max(0) as u64)
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
