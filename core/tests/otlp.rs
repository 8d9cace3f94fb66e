//! The OTLP/HTTP exporter against a real loopback server, decoded with opentelemetry-proto.

mod support;

use std::time::Duration;

use llmtel_core::{Client, DropReason, Options, SpanKind, SpanStart, Status};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value as V};
use opentelemetry_proto::tonic::trace::v1::{Span, span::SpanKind as K, status::StatusCode};
use prost::Message;
use serde_json::Value as Json;
use support::*;

const SECOND: Duration = Duration::from_secs(1);

fn otlp_client(sink: &Sink, tweak: impl FnOnce(&mut Options)) -> Client {
    let mut o = quiet_options();
    o.otlp_endpoint = Some(sink.url(""));
    o.service_name = Some("checkout".into());
    o.release = Some("1.2.3".into());
    o.environment = Some("test".into());
    tweak(&mut o);
    Client::init(o).unwrap()
}

fn attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a V> {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v| v.value.as_ref())
}

/// Records a root, an AI child with every value type, and a failed child.
fn record(client: &Client) -> (Vec<u8>, [Vec<u8>; 3]) {
    let root = client.start_span(SpanStart::new("Generate Report").op("ai.task"));
    let mut chat = client.start_span(
        SpanStart::new("chat gpt-4o")
            .kind(SpanKind::Client)
            .op("gen_ai.chat")
            .parent(root.context())
            .attribute("gen_ai.request.model", "gpt-4o"),
    );
    chat.set_attribute("gen_ai.usage.input_tokens", 150);
    chat.set_attribute("gen_ai.request.temperature", 0.25);
    chat.set_attribute("gen_ai.request.stream", true);
    chat.set_attribute("gen_ai.response.finish_reasons", vec!["stop", "length"]);
    chat.set_attribute("ints", vec![1i64, 2]);
    chat.set_status(Status::Ok);
    let mut failed = client.start_span(SpanStart::new("tool").parent(root.context()));
    failed.set_status(Status::error("rate_limit_error"));
    let ids = [
        root.context().span_id.0.to_vec(),
        chat.context().span_id.0.to_vec(),
        failed.context().span_id.0.to_vec(),
    ];
    let trace = root.context().trace_id.0.to_vec();
    chat.end();
    failed.end();
    root.end();
    (trace, ids)
}

fn check_spans(spans: &[Span], trace: &[u8], ids: &[Vec<u8>; 3]) {
    assert_eq!(spans.len(), 3);
    let by_id = |id: &[u8]| spans.iter().find(|s| s.span_id == id).unwrap();
    let (root, chat, failed) = (by_id(&ids[0]), by_id(&ids[1]), by_id(&ids[2]));
    for s in spans {
        assert_eq!(s.trace_id, trace);
        assert!(s.start_time_unix_nano > 1_700_000_000_000_000_000);
        assert!(s.end_time_unix_nano >= s.start_time_unix_nano);
        assert_eq!(s.flags & 0x1, 1, "sampled");
    }
    assert!(root.parent_span_id.is_empty());
    assert_eq!(chat.parent_span_id, ids[0]);
    assert_eq!(root.name, "Generate Report");
    assert_eq!(root.kind, K::Internal as i32);
    assert_eq!(chat.kind, K::Client as i32);
    assert!(root.status.is_none(), "unset stays unset");
    assert_eq!(chat.status.as_ref().unwrap().code, StatusCode::Ok as i32);
    let status = failed.status.as_ref().unwrap();
    assert_eq!(status.code, StatusCode::Error as i32);
    assert_eq!(status.message, "rate_limit_error");
    let a = &chat.attributes;
    assert_eq!(
        attr(a, "gen_ai.request.model"),
        Some(&V::StringValue("gpt-4o".into()))
    );
    assert_eq!(
        attr(a, "gen_ai.usage.input_tokens"),
        Some(&V::IntValue(150))
    );
    assert_eq!(
        attr(a, "gen_ai.request.temperature"),
        Some(&V::DoubleValue(0.25))
    );
    assert_eq!(attr(a, "gen_ai.request.stream"), Some(&V::BoolValue(true)));
    let Some(V::ArrayValue(reasons)) = attr(a, "gen_ai.response.finish_reasons") else {
        panic!("finish reasons are an array")
    };
    assert_eq!(
        reasons.values,
        [
            AnyValue {
                value: Some(V::StringValue("stop".into()))
            },
            AnyValue {
                value: Some(V::StringValue("length".into()))
            },
        ]
    );
    assert!(
        attr(a, "gen_ai.system").is_none(),
        "no Sentry aliases in OTLP"
    );
    // OTLP has no field for the op and the origin: they travel as the attributes Sentry's own
    // OTLP ingestion reads.
    assert_eq!(
        attr(a, "sentry.op"),
        Some(&V::StringValue("gen_ai.chat".into()))
    );
    assert_eq!(
        attr(&root.attributes, "sentry.op"),
        Some(&V::StringValue("ai.task".into()))
    );
    assert!(
        attr(&failed.attributes, "sentry.op").is_none(),
        "no op, none sent"
    );
    assert_eq!(
        attr(&root.attributes, "sentry.origin"),
        Some(&V::StringValue("manual".into()))
    );
}

fn check_resource(req: &ExportTraceServiceRequest) {
    assert_eq!(req.resource_spans.len(), 1);
    let rs = &req.resource_spans[0];
    let res = &rs.resource.as_ref().unwrap().attributes;
    assert_eq!(
        attr(res, "service.name"),
        Some(&V::StringValue("checkout".into()))
    );
    assert_eq!(
        attr(res, "service.version"),
        Some(&V::StringValue("1.2.3".into()))
    );
    assert_eq!(
        attr(res, "deployment.environment.name"),
        Some(&V::StringValue("test".into()))
    );
    assert_eq!(
        attr(res, "telemetry.sdk.name"),
        Some(&V::StringValue("llmtel".into()))
    );
    assert_eq!(
        attr(res, "telemetry.sdk.language"),
        Some(&V::StringValue("rust".into()))
    );
    let scope = rs.scope_spans[0].scope.as_ref().unwrap();
    assert_eq!(scope.name, "llmtel");
    assert_eq!(scope.version, llmtel_core::VERSION);
    assert!(
        rs.scope_spans[0]
            .schema_url
            .starts_with("https://opentelemetry.io/schemas/")
    );
}

#[test]
fn protobuf_bodies_decode_with_the_right_ids_times_kinds_statuses_and_attributes() {
    let sink = Sink::ok();
    let client = otlp_client(&sink, |o| {
        o.otlp_headers = Some(vec![("x-team".into(), "ai".into())]);
    });
    let (trace, ids) = record(&client);
    client.flush(5 * SECOND).unwrap();
    let req = &sink.wait_for(1)[0];
    assert_eq!(req.path, "/v1/traces");
    assert_eq!(req.header("Content-Type"), Some("application/x-protobuf"));
    assert_eq!(req.header("x-team"), Some("ai"));
    assert_eq!(req.header("Content-Encoding"), None);
    let decoded = ExportTraceServiceRequest::decode(&req.body[..]).expect("valid protobuf");
    check_resource(&decoded);
    check_spans(
        &decoded.resource_spans[0].scope_spans[0].spans,
        &trace,
        &ids,
    );
    assert_eq!(client.stats().exporter("otlp").unwrap().exported, 3);
}

#[test]
fn json_bodies_follow_the_otlp_json_mapping_and_decode() {
    let sink = Sink::ok();
    let client = otlp_client(&sink, |o| {
        o.set("otlp_protocol", "http/json").unwrap();
        o.set("otlp_compression", "gzip").unwrap();
    });
    let (trace, ids) = record(&client);
    client.flush(5 * SECOND).unwrap();
    let req = &sink.wait_for(1)[0];
    assert_eq!(req.header("Content-Type"), Some("application/json"));
    assert_eq!(req.header("Content-Encoding"), Some("gzip"));

    let raw: Json = serde_json::from_slice(&req.body).unwrap();
    let span = raw["resourceSpans"][0]["scopeSpans"][0]["spans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "chat gpt-4o")
        .unwrap();
    assert_eq!(
        span["traceId"].as_str().unwrap().len(),
        32,
        "hex, not base64"
    );
    assert_eq!(span["spanId"].as_str().unwrap().len(), 16);
    assert_eq!(span["kind"], 3, "enums as integers");
    assert!(
        span["startTimeUnixNano"].is_string(),
        "64-bit integers as strings"
    );
    let tokens = span["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|kv| kv["key"] == "gen_ai.usage.input_tokens")
        .unwrap();
    assert_eq!(tokens["value"]["intValue"], "150");

    let decoded: ExportTraceServiceRequest = serde_json::from_slice(&req.body).unwrap();
    check_resource(&decoded);
    check_spans(
        &decoded.resource_spans[0].scope_spans[0].spans,
        &trace,
        &ids,
    );
}

#[test]
fn retryable_answers_are_retried_honouring_retry_after() {
    let sink = Sink::scripted(|n, _| match n {
        0 => Reply::status(503),
        1 => Reply::status(429).header("Retry-After", "1"),
        2 => Reply::status(504),
        _ => Reply::ok(),
    });
    let client = otlp_client(&sink, |_| {});
    record(&client);
    client.flush(10 * SECOND).unwrap();
    let reqs = sink.wait_for(4);
    assert_eq!(reqs.len(), 4);
    let waited = reqs[2].at - reqs[1].at;
    assert!(
        waited >= Duration::from_millis(950),
        "Retry-After: 1 honoured, waited {waited:?}"
    );
    assert_eq!(client.stats().exporter("otlp").unwrap().exported, 3);
}

#[test]
fn a_partial_success_is_counted_and_not_retried() {
    let body = ExportTraceServiceResponse {
        partial_success: Some(ExportTracePartialSuccess {
            rejected_spans: 2,
            error_message: "too old".into(),
        }),
    }
    .encode_to_vec();
    let sink = Sink::scripted(move |_, _| Reply::ok().body(&body));
    let client = otlp_client(&sink, |_| {});
    record(&client);
    client.flush(5 * SECOND).unwrap();
    assert_eq!(sink.requests().len(), 1);
    let otlp = client.stats().exporter("otlp").unwrap().clone();
    assert_eq!(otlp.exported, 1);
    assert_eq!(otlp.dropped.get(DropReason::SendError), 2);
}

#[test]
fn client_errors_are_not_retried() {
    let sink = Sink::scripted(|_, _| Reply::status(400));
    let client = otlp_client(&sink, |_| {});
    record(&client);
    client.flush(5 * SECOND).unwrap();
    assert_eq!(sink.requests().len(), 1);
    let otlp = client.stats().exporter("otlp").unwrap().clone();
    assert_eq!(otlp.dropped.get(DropReason::SendError), 3);
}

#[test]
fn the_traces_endpoint_is_used_as_is() {
    let sink = Sink::ok();
    let client = otlp_client(&sink, |o| {
        o.otlp_traces_endpoint = Some(sink.url("/custom/path"));
    });
    record(&client);
    client.flush(5 * SECOND).unwrap();
    assert_eq!(sink.wait_for(1)[0].path, "/custom/path");
}

#[test]
fn resource_attributes_join_the_resource_and_an_explicit_service_name_wins() {
    let sink = Sink::ok();
    let client = otlp_client(&sink, |o| {
        o.otlp_protocol = Some(llmtel_core::options::OtlpProtocol::Protobuf);
        o.set(
            "resource_attributes",
            "team=search,service.name=other,deployment.environment.name=prod%2Deu",
        )
        .unwrap();
    });
    record(&client);
    client.flush(5 * SECOND).unwrap();
    let req = &sink.wait_for(1)[0];
    let decoded = ExportTraceServiceRequest::decode(req.body.as_slice()).unwrap();
    let res = &decoded.resource_spans[0]
        .resource
        .as_ref()
        .unwrap()
        .attributes;
    assert_eq!(attr(res, "team"), Some(&V::StringValue("search".into())));
    assert_eq!(
        attr(res, "service.name"),
        Some(&V::StringValue("checkout".into())),
        "service_name was set: it wins"
    );
    assert_eq!(
        attr(res, "deployment.environment.name"),
        Some(&V::StringValue("prod-eu".into())),
        "the user's attribute wins over the default"
    );
    assert_eq!(
        res.iter().filter(|kv| kv.key == "service.name").count(),
        1,
        "one value per key"
    );
    let e = Options::default()
        .set("resource_attributes", "novalue")
        .unwrap_err();
    assert_eq!(e.option, "resource_attributes");
}
