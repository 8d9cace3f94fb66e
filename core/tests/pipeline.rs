//! Pipeline semantics: flush and close, grouping by local root, sampling, before-send, privacy,
//! a full queue, and backends that fail, refuse or never answer.

mod support;

use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use llmtel_core::{
    Client, DropReason, ExportTally, Options, Segment, SpanData, SpanExporter, SpanFate, SpanStart,
    WaitError,
};
use support::*;

const SECOND: Duration = Duration::from_secs(1);

/// Segments as an exporter received them: (root name, child names).
type Received = Arc<Mutex<Vec<(Option<String>, Vec<String>)>>>;

struct Memory {
    received: Received,
    spans: Arc<Mutex<Vec<SpanData>>>,
}

impl SpanExporter for Memory {
    fn name(&self) -> &str {
        "memory"
    }
    fn export(&mut self, segments: &[Segment], _: Instant) -> ExportTally {
        let mut n = 0;
        for s in segments {
            self.received.lock().unwrap().push((
                s.root.as_ref().map(|r| r.name.to_string()),
                s.children.iter().map(|c| c.name.to_string()).collect(),
            ));
            self.spans.lock().unwrap().extend(s.spans().cloned());
            n += s.len() as u64;
        }
        ExportTally::exported(n)
    }
}

fn memory_client(
    tweak: impl FnOnce(&mut Options),
) -> (Client, Received, Arc<Mutex<Vec<SpanData>>>) {
    let received: Received = Arc::default();
    let spans: Arc<Mutex<Vec<SpanData>>> = Arc::default();
    let mut o = quiet_options();
    let (r, s) = (received.clone(), spans.clone());
    o.exporters.push(Arc::new(move || {
        Box::new(Memory {
            received: r.clone(),
            spans: s.clone(),
        })
    }));
    tweak(&mut o);
    (Client::init(o).unwrap(), received, spans)
}

#[test]
fn children_travel_with_their_root_and_orphans_go_out_on_flush() {
    let (client, received, _) = memory_client(|o| o.flush_interval = Duration::from_secs(60));
    let root = client.start_span(SpanStart::new("root"));
    for name in ["a", "b"] {
        client
            .start_span(SpanStart::new(name).parent(root.context()))
            .end();
    }
    let other = client.start_span(SpanStart::new("other root"));
    other.end();
    client.flush(5 * SECOND).unwrap();
    let mut got = received.lock().unwrap().clone();
    got.sort();
    assert_eq!(
        got,
        [
            (None, vec!["a".to_string(), "b".to_string()]),
            (Some("other root".to_string()), vec![]),
        ],
        "an open root's children are sent on flush, without it"
    );
    received.lock().unwrap().clear();
    let late = client.start_span(SpanStart::new("c").parent(root.context()));
    late.end();
    root.end();
    client.flush(5 * SECOND).unwrap();
    assert_eq!(
        received.lock().unwrap().clone(),
        [(Some("root".to_string()), vec!["c".to_string()])]
    );
}

#[test]
fn flush_returns_at_once_when_idle() {
    // A backend that never answers: an idle flush must not even ask it.
    let mut o = quiet_options();
    o.otlp_endpoint = Some(format!("http://{}", silent_server()));
    let client = Client::init(o).unwrap();
    let started = Instant::now();
    client.flush(5 * SECOND).unwrap();
    client.flush(5 * SECOND).unwrap();
    assert!(started.elapsed() < Duration::from_millis(500));
}

#[test]
fn flush_waits_for_requests_in_flight() {
    let sink = Sink::scripted(|_, _| Reply::ok().delay(Duration::from_millis(600)));
    let mut o = quiet_options();
    o.otlp_endpoint = Some(sink.url(""));
    o.flush_interval = Duration::from_millis(10);
    let client = Client::init(o).unwrap();
    client.start_span(SpanStart::new("one")).end();
    sink.wait_for(1); // the export is now in flight
    let started = Instant::now();
    client.flush(5 * SECOND).unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "flush waited for the answer"
    );
    assert_eq!(client.stats().exporter("otlp").unwrap().exported, 1);
}

#[test]
fn flush_times_out_while_busy_and_a_later_flush_completes() {
    let sink = Sink::scripted(|_, _| Reply::ok().delay(Duration::from_millis(1500)));
    let mut o = quiet_options();
    o.otlp_endpoint = Some(sink.url(""));
    let client = Client::init(o).unwrap();
    client.start_span(SpanStart::new("one")).end();
    let started = Instant::now();
    assert_eq!(
        client.flush(Duration::from_millis(200)),
        Err(WaitError::Timeout)
    );
    assert!(started.elapsed() < Duration::from_millis(1000));
    client.flush(5 * SECOND).unwrap();
    assert_eq!(client.stats().exporter("otlp").unwrap().exported, 1);
}

#[test]
fn concurrent_and_repeated_flushes_all_complete() {
    let sink = Sink::scripted(|_, _| Reply::ok().delay(Duration::from_millis(100)));
    let mut o = quiet_options();
    o.otlp_endpoint = Some(sink.url(""));
    let client = Client::init(o).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let client = client.clone();
            thread::spawn(move || {
                for j in 0..25 {
                    client.start_span(SpanStart::new(format!("{i}/{j}"))).end();
                }
                client.flush(10 * SECOND)
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap().unwrap();
    }
    client.flush(5 * SECOND).unwrap();
    let stats = client.stats();
    assert_eq!(stats.queued, 100);
    assert_eq!(stats.exporter("otlp").unwrap().exported, 100);
}

#[test]
fn close_drains_then_refuses_spans_and_a_second_close_returns_at_once() {
    let sink = Sink::ok();
    let client = sentry_client(&sink, |o| o.flush_interval = Duration::from_secs(60));
    record_ai_task(&client);
    client.close(5 * SECOND).unwrap();
    assert_eq!(sink.requests().len(), 1, "close exported what was queued");
    assert!(client.is_closed());
    client.start_span(SpanStart::new("late")).end();
    let started = Instant::now();
    client.close(5 * SECOND).unwrap();
    client.flush(5 * SECOND).unwrap();
    assert!(started.elapsed() < Duration::from_millis(100));
    let stats = client.stats();
    assert_eq!(stats.dropped.get(DropReason::AfterClose), 1);
    assert_eq!(stats.exporter("sentry").unwrap().exported, 3);
}

#[test]
fn dropping_the_last_handle_delivers_what_was_queued() {
    let sink = Sink::ok();
    let client = sentry_client(&sink, |o| o.flush_interval = Duration::from_secs(60));
    record_ai_task(&client);
    drop(client);
    assert_eq!(sink.requests().len(), 1);
}

#[test]
fn close_gives_up_at_its_timeout_when_the_backend_hangs() {
    let mut o = quiet_options();
    o.otlp_endpoint = Some(format!("http://{}", silent_server()));
    o.flush_interval = Duration::from_secs(60);
    let client = Client::init(o).unwrap();
    client.start_span(SpanStart::new("stuck")).end();
    let started = Instant::now();
    let outcome = client.close(Duration::from_millis(300));
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "close took {took:?}");
    // Either the exporter's deadline (the close timeout) or the wait itself ends it.
    assert!(outcome.is_ok() || outcome == Err(WaitError::Timeout));
}

#[test]
fn a_full_queue_drops_and_counts_without_blocking_the_caller() {
    let mut o = quiet_options();
    o.otlp_endpoint = Some(format!("http://{}", silent_server()));
    o.queue_capacity = 10;
    o.max_export_batch_size = 5;
    o.export_timeout = Duration::from_secs(30);
    let client = Client::init(o).unwrap();
    let started = Instant::now();
    for i in 0..1000 {
        client.start_span(SpanStart::new(format!("span {i}"))).end();
    }
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(2),
        "the caller was blocked for {took:?}"
    );
    let stats = client.stats();
    let overflow = stats.dropped.get(DropReason::QueueOverflow);
    assert_eq!(stats.queued + overflow, 1000);
    // The hung exporter's own queue overflows too (a batch exporting, four waiting; the span
    // queue keeps moving, so other exporters would go on receiving).
    let otlp = stats
        .exporter("otlp")
        .unwrap()
        .dropped
        .get(DropReason::QueueOverflow);
    assert!(
        overflow + otlp >= 1000 - 10 - 5 * 5,
        "dropped {overflow} before the queue, {otlp} by the exporter"
    );
}

#[test]
fn a_hung_exporter_does_not_starve_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spans.jsonl");
    let mut o = quiet_options();
    o.otlp_endpoint = Some(format!("http://{}", silent_server()));
    o.spool = Some(llmtel_core::options::Spool::Path(spool.clone()));
    o.queue_capacity = 50;
    o.max_export_batch_size = 10;
    o.flush_interval = Duration::from_millis(10);
    o.export_timeout = Duration::from_secs(30);
    let client = Client::init(o).unwrap();
    for i in 0..500 {
        client.start_span(SpanStart::new(format!("span {i}"))).end();
        if i % 10 == 9 {
            std::thread::sleep(Duration::from_millis(5)); // a steady trickle
        }
    }
    let deadline = Instant::now() + 10 * SECOND;
    while client.stats().exporter("spool").unwrap().exported < 500 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let stats = client.stats();
    assert_eq!(stats.dropped.get(DropReason::QueueOverflow), 0, "{stats:?}");
    assert_eq!(stats.exporter("spool").unwrap().exported, 500, "{stats:?}");
    assert_eq!(
        std::fs::read_to_string(&spool).unwrap().lines().count(),
        500
    );
}

#[test]
fn refused_connections_are_retried_within_the_budget_then_counted() {
    let mut o = quiet_options();
    o.otlp_endpoint = Some(format!("http://127.0.0.1:{}", refused_port()));
    o.export_timeout = Duration::from_millis(800);
    let client = Client::init(o).unwrap();
    let started = Instant::now();
    record_ai_task(&client);
    let caller = started.elapsed();
    client.flush(10 * SECOND).unwrap();
    let total = started.elapsed();
    assert!(
        caller < Duration::from_millis(50),
        "recording took {caller:?}"
    );
    // Two waits before the third attempt: 100 ms then 200 ms, each with ±50 % jitter, so at
    // least 150 ms (the old bound of 300 ms failed whenever the jitter drew low).
    assert!(
        total >= Duration::from_millis(150),
        "retried with backoff ({total:?})"
    );
    assert!(
        total < Duration::from_secs(3),
        "bounded by the budget ({total:?})"
    );
    let otlp = client.stats().exporter("otlp").unwrap().clone();
    assert_eq!(otlp.dropped.get(DropReason::NetworkError), 3);
    assert_eq!(otlp.exported, 0);
}

#[test]
fn a_backend_that_never_answers_costs_the_export_budget_not_the_caller() {
    let mut o = quiet_options();
    o.dsn = Some(format!("http://k@{}/1", silent_server()));
    o.export_timeout = Duration::from_millis(700);
    let client = Client::init(o).unwrap();
    let started = Instant::now();
    for _ in 0..10 {
        record_ai_task(&client);
    }
    assert!(started.elapsed() < Duration::from_millis(100));
    client.flush(10 * SECOND).unwrap();
    let sentry = client.stats().exporter("sentry").unwrap().clone();
    assert_eq!(sentry.dropped.get(DropReason::NetworkError), 30);
}

#[test]
fn a_server_error_is_not_retried() {
    let sink = Sink::scripted(|_, _| Reply::status(500));
    let mut o = quiet_options();
    o.otlp_endpoint = Some(sink.url(""));
    let client = Client::init(o).unwrap();
    record_ai_task(&client);
    client.flush(5 * SECOND).unwrap();
    assert_eq!(sink.requests().len(), 1);
}

#[test]
fn sampling_decides_at_the_root_and_children_inherit() {
    let (client, _, spans) = memory_client(|o| o.traces_sample_rate = Some(0.0));
    let root = client.start_span(SpanStart::new("root"));
    assert!(!root.context().sampled && !root.is_recording());
    let child = client.start_span(SpanStart::new("child").parent(root.context()));
    assert!(!child.context().sampled);
    assert_eq!(child.context().trace_id, root.context().trace_id);
    child.end();
    root.end();
    client.flush(5 * SECOND).unwrap();
    assert!(spans.lock().unwrap().is_empty());
    let stats = client.stats();
    assert_eq!(stats.queued, 0);
    assert_eq!(
        stats.dropped.get(DropReason::SampleRate),
        1,
        "counted once per root"
    );

    let (client, _, spans) = memory_client(|o| {
        o.traces_sample_rate = Some(0.5);
        o.queue_capacity = 10_000;
    });
    let mut sampled_roots = 0;
    for _ in 0..2000 {
        let root = client.start_span(SpanStart::new("root"));
        let child = client.start_span(SpanStart::new("child").parent(root.context()));
        assert_eq!(child.context().sampled, root.context().sampled);
        sampled_roots += usize::from(root.context().sampled);
        child.end();
        root.end();
    }
    client.flush(5 * SECOND).unwrap();
    assert!(
        (800..1200).contains(&sampled_roots),
        "{sampled_roots} of 2000 at rate 0.5"
    );
    assert_eq!(spans.lock().unwrap().len(), sampled_roots * 2);
}

#[test]
fn a_remote_parent_makes_a_local_root_in_the_callers_trace_with_the_callers_decision() {
    use llmtel_core::propagation::RemoteParent;
    let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let caller = "00f067aa0ba902b7";
    // The caller's decision wins over our sample rate, both ways.
    let (client, received, spans) = memory_client(|o| o.traces_sample_rate = Some(0.0));
    let sampled = RemoteParent::from_traceparent(&format!("00-{trace}-{caller}-01"), None).unwrap();
    let root = client.start_span(SpanStart::new("POST /api/chat").remote_parent(&sampled));
    assert!(root.is_recording());
    let ctx = root.context();
    assert_eq!(ctx.trace_id.to_hex(), trace);
    assert_eq!(ctx.segment_id, ctx.span_id, "the local root of its segment");
    assert!(!ctx.remote);
    let child = client.start_span(SpanStart::new("chat").parent(ctx));
    assert_eq!(child.context().segment_id, ctx.span_id);
    child.end();
    root.end();
    client.flush(5 * SECOND).unwrap();
    assert_eq!(
        *received.lock().unwrap(),
        vec![(Some("POST /api/chat".into()), vec!["chat".into()])]
    );
    let root_data = spans.lock().unwrap()[0].clone();
    assert_eq!(root_data.parent_span_id.unwrap().to_hex(), caller);
    assert!(root_data.is_segment());

    let (client, _, spans) = memory_client(|_| {});
    let unsampled = RemoteParent::from_sentry_trace(&format!("{trace}-{caller}-0"), None).unwrap();
    let root = client.start_span(SpanStart::new("declined").remote_parent(&unsampled));
    assert!(!root.is_recording());
    root.end();
    client.flush(5 * SECOND).unwrap();
    assert!(spans.lock().unwrap().is_empty());
    assert_eq!(client.stats().dropped.get(DropReason::SampleRate), 1);

    // A caller that deferred leaves the decision to our sample rate.
    let (client, _, _) = memory_client(|o| o.traces_sample_rate = Some(0.0));
    let deferred = RemoteParent::from_sentry_trace(&format!("{trace}-{caller}"), None).unwrap();
    let root = client.start_span(SpanStart::new("deferred").remote_parent(&deferred));
    assert!(!root.context().sampled);
}

#[test]
fn before_send_can_edit_or_drop_and_a_panicking_hook_only_costs_the_span() {
    let (client, _, spans) = memory_client(|o| {
        o.before_send_span = Some(Arc::new(|span| match &*span.name {
            "drop me" => SpanFate::Drop,
            "panic" => panic!("a broken hook"),
            _ => {
                span.attributes.set("prompt", "[Filtered]");
                SpanFate::Keep
            }
        }));
    });
    for name in ["keep", "drop me", "panic"] {
        let mut span = client.start_span(SpanStart::new(name));
        span.set_attribute("prompt", "secret");
        span.end();
    }
    client.flush(5 * SECOND).unwrap();
    let spans = spans.lock().unwrap();
    assert_eq!(spans.len(), 1);
    assert_eq!(
        spans[0].attributes.get("prompt").unwrap().as_str(),
        Some("[Filtered]")
    );
    let stats = client.stats();
    assert_eq!(stats.dropped.get(DropReason::BeforeSend), 1);
    assert_eq!(stats.dropped.get(DropReason::InternalSdkError), 1);
}

#[test]
fn credentials_never_leave_the_process() {
    let (client, _, spans) = memory_client(|_| {});
    let mut span = client.start_span(SpanStart::new("call"));
    span.set_attribute("http.request.header.authorization", "Bearer sk-live");
    span.set_attribute("http.request.header.x-api-key", "sk-ant-123");
    span.set_attribute("gen_ai.usage.input_tokens", 3);
    span.end();
    client.flush(5 * SECOND).unwrap();
    let spans = spans.lock().unwrap();
    let keys: Vec<&str> = spans[0].attributes.iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["gen_ai.usage.input_tokens"]);
}

#[test]
fn an_exporter_that_panics_costs_its_batch_and_nothing_else() {
    struct Broken;
    impl SpanExporter for Broken {
        fn name(&self) -> &str {
            "broken"
        }
        fn export(&mut self, _: &[Segment], _: Instant) -> ExportTally {
            panic!("exporter bug")
        }
    }
    let (client, _, spans) = memory_client(|o| o.exporters.push(Arc::new(|| Box::new(Broken))));
    record_ai_task(&client);
    client.flush(5 * SECOND).unwrap();
    record_ai_task(&client);
    client.flush(5 * SECOND).unwrap();
    assert_eq!(
        spans.lock().unwrap().len(),
        6,
        "the other exporter still got everything"
    );
    let stats = client.stats();
    assert_eq!(
        stats
            .exporter("broken")
            .unwrap()
            .dropped
            .get(DropReason::InternalSdkError),
        6
    );
}

#[test]
fn ending_twice_or_dropping_unended_spans_records_each_span_once() {
    let (client, _, spans) = memory_client(|_| {});
    {
        let root = client.start_span(SpanStart::new("dropped without end"));
        let _child = client.start_span(SpanStart::new("child").parent(root.context()));
    }
    client.flush(5 * SECOND).unwrap();
    let spans = spans.lock().unwrap();
    assert_eq!(spans.len(), 2);
    assert!(
        spans
            .iter()
            .all(|s| s.end_time_unix_nano >= s.start_time_unix_nano)
    );
}
