//! The Sentry exporter against a real loopback server: what goes on the wire, rate limits,
//! client reports, retries and the Spotlight copy.

mod support;

use std::sync::Arc;
use std::time::Duration;

use llmtel_core::{DropReason, ErrorCode, SpanFate, SpanStart, Status};
use serde_json::{Value as Json, json};
use support::*;

const SECOND: Duration = Duration::from_secs(1);

fn is_hex(v: &Json, len: usize) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == len
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

#[test]
fn envelope_framing_headers_and_every_required_field() {
    let sink = Sink::ok();
    let client = sentry_client(&sink, |_| {});
    let (trace, [root_id, db_id, chat_id]) = record_ai_task(&client);
    client.flush(5 * SECOND).unwrap();
    let req = &sink.wait_for(1)[0];

    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/api/42/envelope/");
    assert_eq!(
        req.header("X-Sentry-Auth").unwrap(),
        format!(
            "Sentry sentry_key=public, sentry_version=7, sentry_client=llmtel/{}",
            llmtel_core::VERSION
        )
    );
    assert_eq!(
        req.header("Content-Type"),
        Some("application/x-sentry-envelope")
    );
    assert_eq!(req.header("Content-Encoding"), Some("gzip"));
    assert!(req.header("User-Agent").unwrap().starts_with("llmtel/"));
    assert_ne!(req.raw_body, req.body, "the body on the wire is compressed");

    let env = Envelope::parse(&req.body);
    let h = &env.header;
    assert!(is_hex(&h["event_id"], 32));
    assert!(h["sent_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(h["sdk"]["name"], "llmtel.rust");
    assert_eq!(
        h["trace"],
        json!({
            "trace_id": trace, "public_key": "public", "sample_rate": "1", "sampled": "true",
            "environment": "test", "release": "app@1.0.0", "transaction": "Generate Report",
        })
    );
    assert_eq!(env.item_types(), ["transaction", "span"]);

    let tx = &env.items_of("transaction")[0];
    assert_eq!(tx["type"], "transaction");
    assert_eq!(tx["event_id"], h["event_id"]);
    assert_eq!(tx["transaction"], "Generate Report");
    assert_eq!(tx["release"], "app@1.0.0");
    assert_eq!(tx["environment"], "test");
    assert_eq!(tx["platform"], "native");
    let start = tx["start_timestamp"].as_f64().unwrap();
    let end = tx["timestamp"].as_f64().unwrap();
    assert!(start > 1.7e9 && start <= end);
    let ctx = &tx["contexts"]["trace"];
    assert_eq!(ctx["trace_id"], trace);
    assert_eq!(ctx["span_id"], root_id);
    assert!(ctx.get("parent_span_id").is_none());
    assert_eq!(ctx["op"], "ai.task");
    assert_eq!(ctx["status"], "ok");
    assert_eq!(ctx["origin"], "manual");
    assert_eq!(ctx["data"]["customer.tier"], "premium");
    assert_eq!(ctx["data"]["ai.use_case"], "support");
    let spans = tx["spans"].as_array().unwrap();
    assert_eq!(
        spans.len(),
        1,
        "only the non-AI child stays in the transaction"
    );
    let db = &spans[0];
    assert_eq!(db["span_id"], db_id);
    assert_eq!(db["parent_span_id"], root_id);
    assert_eq!(db["trace_id"], trace);
    assert_eq!(db["description"], "SELECT reports");
    assert_eq!(db["op"], "db.query");
    assert_eq!(db["status"], "ok");
    assert_eq!(db["data"]["db.system"], "postgresql");
    assert!(db["timestamp"].as_f64().unwrap() >= db["start_timestamp"].as_f64().unwrap());

    let (span_header, _) = &env.items[1];
    assert_eq!(span_header["item_count"], 1);
    assert_eq!(
        span_header["content_type"],
        "application/vnd.sentry.items.span.v2+json"
    );
    let container = &env.items_of("span")[0];
    assert_eq!(container["version"], 2);
    let chat = &container["items"][0];
    assert_eq!(chat["span_id"], chat_id);
    assert_eq!(chat["parent_span_id"], root_id);
    assert_eq!(chat["trace_id"], trace);
    assert_eq!(chat["name"], "chat gpt-4o");
    assert_eq!(chat["status"], "ok");
    assert_eq!(chat["is_segment"], false);
    assert!(chat["end_timestamp"].as_f64().unwrap() >= chat["start_timestamp"].as_f64().unwrap());
    let a = &chat["attributes"];
    assert_eq!(
        a["gen_ai.usage.input_tokens"],
        json!({"type": "integer", "value": 150})
    );
    assert_eq!(
        a["gen_ai.request.temperature"],
        json!({"type": "double", "value": 0.5})
    );
    assert_eq!(
        a["gen_ai.response.finish_reasons"],
        json!({"type": "array", "value": ["stop"]})
    );
    assert_eq!(
        a["gen_ai.request.stream"],
        json!({"type": "boolean", "value": true})
    );
    // Sentry's aliases, added by this exporter only.
    assert_eq!(
        a["gen_ai.system"],
        json!({"type": "string", "value": "openai"})
    );
    assert_eq!(
        a["gen_ai.usage.input_tokens.cached"],
        json!({"type": "integer", "value": 100})
    );
    assert_eq!(
        a["gen_ai.response.streaming"],
        json!({"type": "boolean", "value": true})
    );
    for (key, value) in [
        ("sentry.op", "gen_ai.chat"),
        ("sentry.origin", "auto.ai.openai"),
        ("sentry.environment", "test"),
        ("sentry.release", "app@1.0.0"),
        ("sentry.sdk.name", "llmtel.rust"),
        ("sentry.segment.id", root_id.as_str()),
        ("sentry.segment.name", "Generate Report"),
    ] {
        assert_eq!(a[key], json!({"type": "string", "value": value}), "{key}");
    }
    assert_eq!(a["sentry.sdk.version"]["value"], llmtel_core::VERSION);

    let stats = client.stats();
    assert_eq!(stats.queued, 3);
    assert_eq!(stats.exporter("sentry").unwrap().exported, 3);
}

#[test]
fn an_option_keeps_ai_spans_inside_the_transaction() {
    let sink = Sink::ok();
    let client = sentry_client(&sink, |o| o.sentry_ai_spans_in_transaction = true);
    record_ai_task(&client);
    client.flush(5 * SECOND).unwrap();
    let env = Envelope::parse(&sink.wait_for(1)[0].body);
    assert_eq!(env.item_types(), ["transaction"]);
    let tx = &env.items_of("transaction")[0];
    let spans = tx["spans"].as_array().unwrap();
    assert_eq!(spans.len(), 2);
    let chat = spans.iter().find(|s| s["op"] == "gen_ai.chat").unwrap();
    assert_eq!(chat["data"]["gen_ai.system"], "openai");
    assert_eq!(chat["data"]["gen_ai.usage.output_tokens"], 300);
}

#[test]
fn error_statuses_use_sentrys_vocabularies() {
    let sink = Sink::ok();
    let client = sentry_client(&sink, |o| o.sentry_compression_off());
    let root = client.start_span(SpanStart::new("task"));
    let mut failed = client.start_span(SpanStart::new("db").op("db").parent(root.context()));
    failed.set_status(Status::Error {
        code: ErrorCode::ResourceExhausted,
        message: Some("rate_limit_error".into()),
    });
    let mut ai = client.start_span(
        SpanStart::new("chat m")
            .op("gen_ai.chat")
            .parent(root.context()),
    );
    ai.set_status(Status::error("boom"));
    failed.end();
    ai.end();
    root.end();
    client.flush(5 * SECOND).unwrap();
    let reqs = sink.wait_for(2);
    assert!(reqs.iter().all(|r| r.header("Content-Encoding").is_none()));
    let env = reqs
        .iter()
        .map(|r| Envelope::parse(&r.body))
        .find(|e| e.item_types()[0] == "transaction")
        .unwrap();
    let tx = &env.items_of("transaction")[0];
    assert_eq!(tx["spans"][0]["status"], "resource_exhausted");
    assert_eq!(env.items_of("span")[0]["items"][0]["status"], "error");
}

trait OptionsExt {
    fn sentry_compression_off(&mut self);
}
impl OptionsExt for llmtel_core::Options {
    fn sentry_compression_off(&mut self) {
        self.set("sentry_compression", "none").unwrap();
    }
}

#[test]
fn an_oversized_transaction_sends_its_children_as_span_items_under_one_mib() {
    let sink = Sink::ok();
    let client = sentry_client(&sink, |_| {});
    let root = client.start_span(SpanStart::new("big"));
    let blob = "x".repeat(50 * 1024);
    for i in 0..30 {
        let mut child =
            client.start_span(SpanStart::new(format!("step {i}")).parent(root.context()));
        child.set_attribute("payload", blob.clone());
        child.end();
    }
    root.end();
    client.flush(5 * SECOND).unwrap();
    let env = Envelope::parse(&sink.wait_for(1)[0].body);
    let tx = &env.items_of("transaction")[0];
    assert_eq!(tx["spans"].as_array().unwrap().len(), 0);
    let mut total = 0;
    for (header, payload) in env.items.iter().filter(|(h, _)| h["type"] == "span") {
        assert!(
            payload.len() <= 1024 * 1024,
            "item of {} bytes",
            payload.len()
        );
        let container: Json = serde_json::from_slice(payload).unwrap();
        let n = container["items"].as_array().unwrap().len();
        assert_eq!(header["item_count"], n);
        total += n;
    }
    assert_eq!(total, 30);
    assert!(
        env.items.len() >= 3,
        "30 × 50 KiB needs at least two span items"
    );
}

#[test]
fn more_than_a_thousand_spans_are_split_into_items_of_at_most_a_thousand() {
    let sink = Sink::ok();
    let client = sentry_client(&sink, |o| {
        o.queue_capacity = 10_000;
        o.max_export_batch_size = 10_000;
    });
    let root = client.start_span(SpanStart::new("agent run"));
    for _ in 0..2500 {
        client
            .start_span(
                SpanStart::new("chat m")
                    .op("gen_ai.chat")
                    .parent(root.context()),
            )
            .end();
    }
    root.end();
    client.flush(10 * SECOND).unwrap();
    let env = Envelope::parse(&sink.wait_for(1)[0].body);
    let counts: Vec<u64> = env
        .items
        .iter()
        .filter(|(h, _)| h["type"] == "span")
        .map(|(h, _)| h["item_count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, [1000, 1000, 500]);
}

#[test]
fn a_rate_limited_category_is_dropped_locally_and_reported_in_the_next_envelope() {
    let sink = Sink::scripted(|n, _| match n {
        0 => Reply::ok().header("X-Sentry-Rate-Limits", "60:span:organization:quota"),
        _ => Reply::ok(),
    });
    let client = sentry_client(&sink, |_| {});
    record_ai_task(&client);
    client.flush(5 * SECOND).unwrap();
    record_ai_task(&client);
    client.flush(5 * SECOND).unwrap();
    let reqs = sink.wait_for(2);
    let second = Envelope::parse(&reqs[1].body);
    assert_eq!(second.item_types(), ["transaction", "client_report"]);
    assert_eq!(
        discarded(&[second]),
        [(("ratelimit_backoff".into(), "span".into()), 1)].into()
    );
    let stats = client.stats();
    let sentry = stats.exporter("sentry").unwrap();
    assert_eq!(sentry.exported, 5);
    assert_eq!(sentry.dropped.get(DropReason::RatelimitBackoff), 1);
}

#[test]
fn the_longest_limit_wins_and_limits_on_unknown_categories_are_ignored() {
    let sink = Sink::scripted(|n, _| match n {
        0 => Reply::ok().header(
            "X-Sentry-Rate-Limits",
            "1:transaction:organization, 60:transaction:project, 60:made_up:organization",
        ),
        _ => Reply::ok(),
    });
    let client = sentry_client(&sink, |_| {});
    record_ai_task(&client);
    client.flush(5 * SECOND).unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    record_ai_task(&client);
    client.flush(5 * SECOND).unwrap();
    let reqs = sink.wait_for(2);
    let second = Envelope::parse(&reqs[1].body);
    assert_eq!(second.item_types(), ["span", "client_report"]);
    assert!(
        second.header.get("event_id").is_none(),
        "no event, no event_id"
    );
    assert_eq!(
        discarded(&[second]),
        [
            (("ratelimit_backoff".into(), "span".into()), 2),
            (("ratelimit_backoff".into(), "transaction".into()), 1),
        ]
        .into()
    );
}

#[test]
fn a_429_with_retry_after_stops_everything_for_that_long_and_is_not_reported() {
    let sink = Sink::scripted(|n, _| match n {
        0 => Reply::status(429).header("Retry-After", "1"),
        _ => Reply::ok(),
    });
    let client = sentry_client(&sink, |_| {});
    record_ai_task(&client);
    client.flush(5 * SECOND).unwrap();
    record_ai_task(&client); // dropped locally: no request
    client.flush(5 * SECOND).unwrap();
    assert_eq!(sink.requests().len(), 1, "nothing is sent while limited");
    std::thread::sleep(Duration::from_millis(1100));
    record_ai_task(&client);
    client.flush(5 * SECOND).unwrap();
    let reqs = sink.wait_for(2);
    assert_eq!(reqs.len(), 2, "the 429 was not retried");
    let third = Envelope::parse(&reqs[1].body);
    // Only the trace dropped locally is reported, not the one the server refused.
    assert_eq!(
        discarded(&[third]),
        [
            (("ratelimit_backoff".into(), "span".into()), 3),
            (("ratelimit_backoff".into(), "transaction".into()), 1),
        ]
        .into()
    );
    let sentry = client.stats().exporter("sentry").unwrap().clone();
    assert_eq!(sentry.exported, 3);
    assert_eq!(sentry.dropped.get(DropReason::RatelimitBackoff), 6);
}

#[test]
fn a_bare_429_stops_everything_for_sixty_seconds() {
    let sink = Sink::scripted(|_, _| Reply::status(429));
    let client = sentry_client(&sink, |_| {});
    for _ in 0..3 {
        record_ai_task(&client);
        client.flush(5 * SECOND).unwrap();
    }
    assert_eq!(sink.requests().len(), 1);
    let sentry = client.stats().exporter("sentry").unwrap().clone();
    assert_eq!(sentry.dropped.get(DropReason::RatelimitBackoff), 9);
}

#[test]
fn a_429_with_the_rate_limit_header_follows_the_header() {
    let sink = Sink::scripted(|n, _| match n {
        0 => Reply::status(429)
            .header("Retry-After", "120")
            .header("X-Sentry-Rate-Limits", "60:span:organization"),
        _ => Reply::ok(),
    });
    let client = sentry_client(&sink, |_| {});
    record_ai_task(&client);
    client.flush(5 * SECOND).unwrap();
    record_ai_task(&client);
    client.flush(5 * SECOND).unwrap();
    let reqs = sink.wait_for(2);
    assert_eq!(
        Envelope::parse(&reqs[1].body).item_types()[0],
        "transaction"
    );
}

#[test]
fn sampling_and_before_send_drops_are_reported_on_flush_on_their_own() {
    let sink = Sink::ok();
    let client = sentry_client(&sink, |o| {
        o.traces_sample_rate = Some(0.0);
    });
    for _ in 0..3 {
        record_ai_task(&client);
    }
    client.flush(5 * SECOND).unwrap();
    let env = Envelope::parse(&sink.wait_for(1)[0].body);
    assert_eq!(env.item_types(), ["client_report"]);
    assert!(env.header.get("trace").is_none() && env.header.get("event_id").is_none());
    assert_eq!(
        discarded(&[env]),
        [
            (("sample_rate".into(), "span".into()), 3),
            (("sample_rate".into(), "transaction".into()), 3),
        ]
        .into()
    );
    assert_eq!(client.stats().queued, 0);

    let sink = Sink::ok();
    let client = sentry_client(&sink, |o| {
        o.before_send_span = Some(Arc::new(|span| {
            if span.name == "SELECT reports" {
                SpanFate::Drop
            } else {
                span.attributes.set("edited", true);
                SpanFate::Keep
            }
        }));
    });
    record_ai_task(&client);
    client.flush(5 * SECOND).unwrap();
    let reqs = sink.wait_for(1);
    let envs: Vec<Envelope> = reqs.iter().map(|r| Envelope::parse(&r.body)).collect();
    let tx = &envs[0].items_of("transaction")[0];
    assert_eq!(tx["spans"].as_array().unwrap().len(), 0);
    assert_eq!(tx["contexts"]["trace"]["data"]["edited"], true);
    assert_eq!(
        discarded(&envs),
        [(("before_send".into(), "span".into()), 1)].into()
    );
}

#[test]
fn a_failed_send_is_not_retried_and_is_reported_on_flush() {
    let sink = Sink::scripted(|n, _| match n {
        0 => Reply::status(400).body(b"{\"detail\":\"bad envelope\"}"),
        _ => Reply::ok(),
    });
    let client = sentry_client(&sink, |_| {});
    record_ai_task(&client);
    client.flush(5 * SECOND).unwrap();
    let reqs = sink.wait_for(2);
    assert_eq!(reqs.len(), 2, "a 400 is not retried");
    let report = Envelope::parse(&reqs[1].body);
    assert_eq!(report.item_types(), ["client_report"]);
    assert_eq!(
        discarded(&[report]),
        [
            (("send_error".into(), "span".into()), 3),
            (("send_error".into(), "transaction".into()), 1),
        ]
        .into()
    );
    let sentry = client.stats().exporter("sentry").unwrap().clone();
    assert_eq!(
        (sentry.exported, sentry.dropped.get(DropReason::SendError)),
        (0, 3)
    );
}

#[test]
fn transient_5xx_answers_are_retried_with_backoff_until_delivered() {
    let sink = Sink::scripted(|n, _| match n {
        0 => Reply::status(503),
        1 => Reply::status(502),
        _ => Reply::ok(),
    });
    let client = sentry_client(&sink, |_| {});
    record_ai_task(&client);
    client.flush(10 * SECOND).unwrap();
    let reqs = sink.wait_for(3);
    assert_eq!(reqs.len(), 3);
    assert!(
        reqs[1].at - reqs[0].at >= Duration::from_millis(50),
        "backoff between tries"
    );
    assert_eq!(reqs[0].body, reqs[2].body, "the same envelope is retried");
    assert_eq!(client.stats().exporter("sentry").unwrap().exported, 3);
}

#[test]
fn spotlight_gets_a_copy_without_a_dsn_and_while_sentry_is_rate_limited() {
    let spotlight = Sink::ok();
    let mut o = quiet_options();
    o.spotlight = Some(Some(spotlight.url("/stream")));
    let client = llmtel_core::Client::init(o).unwrap();
    record_ai_task(&client);
    client.close(5 * SECOND).unwrap();
    let req = &spotlight.wait_for(1)[0];
    assert_eq!(req.path, "/stream");
    assert_eq!(
        req.header("Content-Type"),
        Some("application/x-sentry-envelope")
    );
    // Spotlight shows a trace's spans from its transaction (no span v2 item), so its copy
    // carries the GenAI span there.
    let envelope = Envelope::parse(&req.body);
    assert_eq!(envelope.item_types(), ["transaction"]);
    let children: Vec<String> = envelope.items_of("transaction")[0]["spans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["description"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(children, ["SELECT reports", "chat gpt-4o"]);
    assert_eq!(client.stats().exporter("spotlight").unwrap().exported, 3);

    let spotlight = Sink::ok();
    let sentry = Sink::scripted(|_, _| Reply::status(429));
    let client = sentry_client(&sentry, |o| {
        o.spotlight = Some(Some(spotlight.url("/stream")))
    });
    for _ in 0..3 {
        record_ai_task(&client);
        client.flush(5 * SECOND).unwrap();
    }
    client.close(5 * SECOND).unwrap();
    assert_eq!(sentry.requests().len(), 1);
    assert_eq!(
        Envelope::parse(&sentry.requests()[0].body).item_types(),
        ["transaction", "span"],
        "Sentry's own copy keeps the GenAI span in a span item"
    );
    assert_eq!(spotlight.wait_for(3).len(), 3);
}

#[test]
fn a_slow_spotlight_never_delays_delivery_to_sentry() {
    let spotlight = Sink::scripted(|_, _| Reply::ok().delay(Duration::from_secs(3)));
    let sentry = Sink::ok();
    let client = sentry_client(&sentry, |o| {
        o.spotlight = Some(Some(spotlight.url("/stream")))
    });
    let started = std::time::Instant::now();
    for _ in 0..3 {
        record_ai_task(&client);
    }
    client.flush(5 * SECOND).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "flush waited on Spotlight"
    );
    assert_eq!(sentry.wait_for(3).len(), 3);
}

#[test]
fn envelopes_of_one_batch_travel_concurrently_and_are_settled_in_order() {
    let elapsed = |concurrency: usize| {
        let sink = Sink::scripted(|_, _| Reply::ok().delay(Duration::from_millis(300)));
        let client = sentry_client(&sink, |o| {
            o.max_concurrent_requests = concurrency;
            o.flush_interval = Duration::from_secs(60);
        });
        for _ in 0..4 {
            record_ai_task(&client);
        }
        let started = std::time::Instant::now();
        client.flush(10 * SECOND).unwrap();
        let took = started.elapsed();
        assert_eq!(sink.requests().len(), 4);
        assert_eq!(client.stats().exporter("sentry").unwrap().exported, 12);
        took
    };
    let sequential = elapsed(1);
    let concurrent = elapsed(4);
    assert!(sequential >= Duration::from_millis(1200), "{sequential:?}");
    assert!(
        concurrent < sequential / 2,
        "4 in flight took {concurrent:?}, one at a time {sequential:?}"
    );
}

/// A root with one GenAI call that failed; returns (trace id, failed span id).
fn record_failed_call(client: &llmtel_core::Client) -> (String, String) {
    let root = client.start_span(SpanStart::new("Generate Report").op("ai.task"));
    let mut call = client.start_span(
        SpanStart::new("chat claude-sonnet-4-5")
            .op("gen_ai.chat")
            .origin("auto.ai.anthropic")
            .parent(root.context())
            .attribute("gen_ai.operation.name", "chat")
            .attribute("gen_ai.provider.name", "anthropic")
            .attribute("gen_ai.request.model", "claude-sonnet-4-5"),
    );
    call.set_attribute("error.type", "rate_limit_error");
    call.set_status(Status::Error {
        code: ErrorCode::ResourceExhausted,
        message: Some("Number of request tokens has exceeded your per-minute rate limit".into()),
    });
    let ids = (
        root.context().trace_id.to_hex(),
        call.context().span_id.to_hex(),
    );
    call.end();
    root.end();
    ids
}

#[test]
fn a_failed_genai_call_sends_an_error_event_linked_to_its_span() {
    let sink = Sink::ok();
    let client = sentry_client(&sink, |_| {});
    let (trace, span_id) = record_failed_call(&client);
    client.flush(5 * SECOND).unwrap();
    let envelopes = sink.wait_for_envelopes(2);
    assert_eq!(envelopes.len(), 2);
    let event_env = envelopes
        .iter()
        .find(|e| e.item_types() == ["event"])
        .expect("an event envelope");
    let event = &event_env.items_of("event")[0];
    assert_eq!(event_env.header["event_id"], event["event_id"]);
    assert_eq!(event_env.header["trace"]["trace_id"], trace);
    assert_eq!(event["level"], "error");
    assert_eq!(event["contexts"]["trace"]["trace_id"], trace);
    assert_eq!(event["contexts"]["trace"]["span_id"], span_id);
    assert_eq!(event["contexts"]["trace"]["op"], "gen_ai.chat");
    assert_eq!(event["contexts"]["trace"]["status"], "resource_exhausted");
    let exception = &event["exception"]["values"][0];
    assert_eq!(exception["type"], "rate_limit_error");
    assert_eq!(
        exception["value"],
        "Number of request tokens has exceeded your per-minute rate limit"
    );
    assert_eq!(
        exception["mechanism"],
        json!({"type": "auto.ai.anthropic", "handled": false})
    );
    assert_eq!(event["tags"]["gen_ai.request.model"], "claude-sonnet-4-5");
    assert_eq!(event["transaction"], "Generate Report");
    assert_eq!(event["release"], "app@1.0.0");
    // The span itself still travels with its trace.
    let trace_env = envelopes
        .iter()
        .find(|e| e.item_types()[0] == "transaction")
        .unwrap();
    assert_eq!(
        trace_env.items_of("span")[0]["items"][0]["span_id"],
        span_id
    );
}

#[test]
fn error_events_follow_the_error_rate_limit_category() {
    let sink = Sink::scripted(|n, _| match n {
        0 => Reply::ok().header("X-Sentry-Rate-Limits", "60:error:organization"),
        _ => Reply::ok(),
    });
    let client = sentry_client(&sink, |o| o.max_concurrent_requests = 1);
    record_ai_task(&client);
    client.flush(5 * SECOND).unwrap();
    record_failed_call(&client);
    client.flush(5 * SECOND).unwrap();
    let envelopes = sink.wait_for_envelopes(3);
    assert_eq!(envelopes.len(), 3);
    assert!(
        envelopes
            .iter()
            .all(|e| !e.item_types().contains(&"event".to_string())),
        "the limited event was not sent"
    );
    assert_eq!(envelopes[1].item_types(), ["transaction", "span"]);
    // Dropped after the trace envelope was built, so reported on flush, on its own.
    assert_eq!(envelopes[2].item_types(), ["client_report"]);
    assert_eq!(
        discarded(&envelopes),
        [(("ratelimit_backoff".into(), "error".into()), 1)].into()
    );
}

/// Records `n` separate traces (one envelope each) without flushing.
fn record_traces(client: &llmtel_core::Client, n: usize) {
    for _ in 0..n {
        client
            .start_span(SpanStart::new("one trace").op("ai.task"))
            .end();
    }
}

#[test]
fn a_rate_limit_stops_the_very_next_request_of_a_batch() {
    // The first answer, which comes back first, limits everything; 100 envelopes were ready.
    let sink = Sink::scripted(|n, _| match n {
        0 => Reply::status(429).header("X-Sentry-Rate-Limits", "60::organization:quota"),
        _ => Reply::ok().delay(Duration::from_millis(300)),
    });
    let client = sentry_client(&sink, |o| o.max_concurrent_requests = 4);
    record_traces(&client, 100);
    client.flush(10 * SECOND).unwrap();
    let sent = sink.requests().len();
    // Only the requests already in flight when the 429 came back may have left (a window of
    // four); before the fix, all 100 did.
    assert!(sent <= 4, "{sent} requests went out after the limit");
    let sentry = client.stats().exporter("sentry").unwrap().clone();
    assert_eq!(
        sentry.exported + sentry.dropped.get(DropReason::RatelimitBackoff),
        100,
        "every span is delivered or counted"
    );
}

#[test]
fn a_slow_backend_still_gets_every_envelope_of_a_large_batch() {
    // Each envelope gets its own export budget: a batch that needs longer than one budget in
    // total is not cut off at the budget.
    let sink = Sink::scripted(|_, _| Reply::ok().delay(Duration::from_millis(100)));
    let client = sentry_client(&sink, |o| {
        o.max_concurrent_requests = 2;
        o.export_timeout = SECOND;
    });
    record_traces(&client, 60);
    client.flush(20 * SECOND).unwrap();
    let sentry = client.stats().exporter("sentry").unwrap().clone();
    assert_eq!(sentry.exported, 60, "{sentry:?}");
    assert_eq!(sink.requests().len(), 60);
}

#[test]
fn a_continued_trace_carries_the_heads_dsc_and_passes_its_baggage_on() {
    use llmtel_core::propagation::RemoteParent;
    let sink = Sink::ok();
    let client = sentry_client(&sink, |_| {});
    let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let baggage = format!(
        "other=1,sentry-trace_id={trace},sentry-public_key=head,sentry-sample_rate=0.25,sentry-sampled=true,sentry-environment=prod,sentry-transaction=GET%20/"
    );
    let remote =
        RemoteParent::from_sentry_trace(&format!("{trace}-00f067aa0ba902b7-1"), Some(&baggage))
            .unwrap();
    let parent = client.continue_trace(&remote);
    let root = client.start_span(SpanStart::new("POST /api/chat").parent(parent));
    let ctx = root.context();
    let data = client.trace_data(&ctx);
    assert_eq!(data.traceparent, format!("00-{trace}-{}-01", ctx.span_id));
    assert_eq!(data.sentry_trace, format!("{trace}-{}-1", ctx.span_id));
    assert_eq!(
        data.baggage, baggage,
        "passed on as it came, the DSC frozen"
    );
    let back = RemoteParent::from_headers(|h| match h {
        "sentry-trace" => Some(data.sentry_trace.as_str()),
        "baggage" => Some(data.baggage.as_str()),
        _ => None,
    })
    .unwrap()
    .unwrap();
    assert_eq!((back.trace_id, back.span_id), (ctx.trace_id, ctx.span_id));
    root.end();
    client.flush(5 * SECOND).unwrap();
    let env = Envelope::parse(&sink.wait_for(1)[0].body);
    assert_eq!(
        env.header["trace"],
        json!({"trace_id": trace, "public_key": "head", "environment": "prod",
               "transaction": "GET /", "sample_rate": "0.25", "sampled": "true"})
    );
    let tx = &env.items_of("transaction")[0];
    assert_eq!(
        tx["contexts"]["trace"]["parent_span_id"],
        "00f067aa0ba902b7"
    );

    // A trace this process heads: its own DSC, in the envelope and in outgoing baggage.
    let own = client.start_span(SpanStart::new("mine"));
    let data = client.trace_data(&own.context());
    let trace_id = own.context().trace_id.to_hex();
    assert_eq!(
        data.baggage,
        format!(
            "sentry-trace_id={trace_id},sentry-public_key=public,sentry-release=app@1.0.0,sentry-environment=test,sentry-sample_rate=1,sentry-sampled=true"
        )
    );
    own.end();
    client.flush(5 * SECOND).unwrap();
    let env = Envelope::parse(&sink.wait_for(2)[1].body);
    assert_eq!(env.header["trace"]["public_key"], "public");
}

#[test]
fn traces_sampler_decides_per_root_and_sees_the_parents_decision() {
    use llmtel_core::propagation::RemoteParent;
    use std::sync::Mutex;
    let sink = Sink::ok();
    type Asked = Vec<(String, Option<bool>)>;
    let seen: Arc<Mutex<Asked>> = Arc::default();
    let log = seen.clone();
    let client = sentry_client(&sink, move |o| {
        o.traces_sampler = Some(Arc::new(move |ctx: &llmtel_core::SamplingContext<'_>| {
            log.lock()
                .unwrap()
                .push((ctx.name.to_owned(), ctx.parent_sampled));
            match ctx.name {
                "health" => Some(0.0),
                "panics" => panic!("a sampler bug"),
                _ => None,
            }
        }))
    });
    let health = client.start_span(SpanStart::new("health"));
    assert!(!health.context().sampled);
    let child = client.start_span(SpanStart::new("child").parent(health.context()));
    assert!(!child.context().sampled, "children inherit, unasked");
    assert!(
        client
            .start_span(SpanStart::new("panics"))
            .context()
            .sampled
    );
    let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let declined =
        RemoteParent::from_traceparent(&format!("00-{trace}-00f067aa0ba902b7-00"), None).unwrap();
    let span = client.start_span(SpanStart::new("continued").remote_parent(&declined));
    assert!(!span.context().sampled, "no answer: the parent's decision");
    assert_eq!(
        *seen.lock().unwrap(),
        [
            ("health".to_owned(), None),
            ("panics".to_owned(), None),
            ("continued".to_owned(), Some(false)),
        ]
    );
}

#[test]
fn imported_spans_share_the_transaction_of_their_segment() {
    let sink = Sink::ok();
    let client = sentry_client(&sink, |_| {});
    let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let (http, db) = ("00f067aa0ba902b7", "00f067aa0ba902b8");
    let chat = client.start_span(SpanStart::new("chat gpt-4o").op("gen_ai.chat").parent(
        llmtel_core::SpanContext {
            trace_id: llmtel_core::TraceId::from_hex(trace).unwrap(),
            span_id: llmtel_core::SpanId::from_hex(http).unwrap(),
            segment_id: llmtel_core::SpanId::from_hex(http).unwrap(),
            sampled: true,
            remote: false,
            agent: None,
        },
    ));
    chat.end();
    client
        .import_span(&format!(
            r#"{{"name":"SELECT","kind":2,"trace_id":"{trace}","span_id":"{db}","parent_span_id":"{http}","segment_id":"{http}","start":[1700000000,0],"end":[1700000000,5000000],"attributes":{{"db.system.name":"sqlite","db.query.text":"SELECT 1"}}}}"#
        ))
        .unwrap();
    client
        .import_span(&format!(
            r#"{{"name":"POST","kind":1,"trace_id":"{trace}","span_id":"{http}","start":[1700000000,0],"end":[1700000001,0],"status":0,"attributes":{{"http.request.method":"POST","http.route":"/api/chat"}}}}"#
        ))
        .unwrap();
    let e = client.import_span(r#"{"name":"x"}"#).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("span"), "{e}");
    client.flush(5 * SECOND).unwrap();
    let env = Envelope::parse(&sink.wait_for(1)[0].body);
    let tx = &env.items_of("transaction")[0];
    assert_eq!(tx["transaction"], "POST /api/chat");
    assert_eq!(tx["contexts"]["trace"]["op"], "http.server");
    assert_eq!(tx["contexts"]["trace"]["span_id"], http);
    let children: Vec<&str> = tx["spans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["description"].as_str().unwrap())
        .collect();
    assert_eq!(children, ["SELECT 1"]);
    let ai = &env.items_of("span")[0]["items"][0];
    assert_eq!(ai["name"], "chat gpt-4o");
    assert_eq!(ai["parent_span_id"], http);
}

#[test]
fn a_captured_exception_is_an_error_event_in_its_spans_trace_with_the_scope() {
    let sink = Sink::ok();
    let client = sentry_client(&sink, |_| {});
    let span = client.start_span(SpanStart::new("handle"));
    let id = client
        .capture(
            r#"{"exception": {"type": "KeyError", "value": "no key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD",
                "stacktrace": [{"function": "main", "filename": "app.py", "lineno": 3, "in_app": true}]},
                "tags": {"tenant": "acme"}, "user": {"id": "42"}, "contexts": {"order": {"id": 7}}}"#,
            Some(span.context()),
        )
        .unwrap();
    client
        .capture(r#"{"message": "cache cold", "level": "warn"}"#, None)
        .unwrap();
    for (bad, field) in [
        (r#"{"tags": {}}"#, "event"),
        (r#"{"message": "x", "level": "loud"}"#, "level"),
        (r#"{"mesage": "x"}"#, "event"),
    ] {
        assert_eq!(
            client.capture(bad, None).unwrap_err().field.as_deref(),
            Some(field),
            "{bad}"
        );
    }
    let ctx = span.context();
    span.end();
    client.flush(5 * SECOND).unwrap();
    let envelopes = sink.wait_for_envelopes(3);
    let events: Vec<Json> = envelopes.iter().flat_map(|e| e.items_of("event")).collect();
    assert_eq!(
        events.len(),
        2,
        "one per capture, the span's transaction besides"
    );
    let error = events
        .iter()
        .find(|e| e["event_id"] == id.as_str())
        .unwrap();
    assert_eq!(error["level"], "error");
    let exception = &error["exception"]["values"][0];
    assert_eq!(exception["type"], "KeyError");
    assert_eq!(
        exception["value"], "no key [Filtered]",
        "secrets never leave"
    );
    assert_eq!(exception["stacktrace"]["frames"][0]["function"], "main");
    assert_eq!(
        error["contexts"]["trace"]["trace_id"],
        ctx.trace_id.to_hex()
    );
    assert_eq!(error["contexts"]["trace"]["span_id"], ctx.span_id.to_hex());
    assert_eq!(error["contexts"]["order"]["id"], 7);
    assert_eq!(error["tags"]["tenant"], "acme");
    assert_eq!(error["user"]["id"], "42");
    let message = events
        .iter()
        .find(|e| e["event_id"] != id.as_str())
        .unwrap();
    assert_eq!(message["message"]["formatted"], "cache cold");
    assert_eq!(message["level"], "warning");
    assert!(is_hex(&message["contexts"]["trace"]["trace_id"], 32));
    assert!(
        is_hex(&message["contexts"]["trace"]["span_id"], 16),
        "Relay requires a span id, active span or not"
    );
    assert_eq!(client.stats().exported_total(), 1, "events are not spans");
}
