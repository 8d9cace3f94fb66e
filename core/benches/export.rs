//! Export throughput and behaviour under a dead backend. Prints figures and ratios; asserts
//! nothing about time.
//!
//! 1. Sustained export to a loopback HTTP sink (Sentry envelopes, OTLP protobuf, OTLP JSON):
//!    spans per second from the first span recorded to the flush that delivered the last.
//! 2. Caller-thread cost of a span (start, 10 attributes, end) with a healthy sink, with the
//!    backend refusing connections, and with a backend that never answers; and the process's
//!    resident memory across the run, which the queue capacity bounds.
//!
//! `cargo bench -p llmtel-core --bench export`

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use llmtel_core::options::Spool;
use llmtel_core::{Client, DropReason, Options, SpanKind, SpanStart};

/// A keep-alive HTTP/1.1 sink that answers 200 to everything, as fast as it can read.
struct Sink {
    addr: SocketAddr,
    requests: Arc<AtomicU64>,
}

fn sink() -> Sink {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicU64::new(0));
    let counter = requests.clone();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let counter = counter.clone();
            thread::spawn(move || serve(stream, &counter));
        }
    });
    Sink { addr, requests }
}

fn serve(stream: TcpStream, requests: &AtomicU64) {
    let _ = stream.set_nodelay(true);
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    let mut body = Vec::new();
    loop {
        let mut length = 0usize;
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        body.resize(length, 0);
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        requests.fetch_add(1, Ordering::Relaxed);
        let reply =
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
        if writer.write_all(reply).is_err() {
            return;
        }
    }
}

fn base_options() -> Options {
    Options {
        spool: Some(Spool::Off),
        dsn: Some(String::new()),
        ..Options::default()
    }
}

/// One agent-like trace: a root and nine children, five of them GenAI calls.
fn record_trace(client: &Client) {
    let root = client.start_span(SpanStart::new("Generate Report").op("ai.task"));
    for i in 0..9 {
        let ai = i % 2 == 0;
        let mut child = client.start_span(
            SpanStart::new(if ai { "chat gpt-4o" } else { "SELECT reports" })
                .op(if ai { "gen_ai.chat" } else { "db.query" })
                .kind(SpanKind::Client)
                .parent(root.context()),
        );
        set_ten_attributes(&mut child);
        child.end();
    }
    root.end();
}

fn set_ten_attributes(span: &mut llmtel_core::Span) {
    span.set_attribute("gen_ai.operation.name", "chat");
    span.set_attribute("gen_ai.provider.name", "openai");
    span.set_attribute("gen_ai.request.model", "gpt-4o");
    span.set_attribute("gen_ai.request.temperature", 0.7);
    span.set_attribute("gen_ai.request.max_tokens", 1024);
    span.set_attribute("gen_ai.response.model", "gpt-4o-2024-08-06");
    span.set_attribute("gen_ai.usage.input_tokens", 150);
    span.set_attribute("gen_ai.usage.output_tokens", 300);
    span.set_attribute("gen_ai.response.id", "chatcmpl-123");
    span.set_attribute("server.port", 443);
}

fn throughput(label: &str, configure: impl FnOnce(&mut Options, &Sink)) {
    const TRACES: usize = 20_000;
    const SPANS: usize = TRACES * 10;
    let sink = sink();
    let mut o = base_options();
    o.queue_capacity = SPANS;
    configure(&mut o, &sink);
    let client = Client::init(o).unwrap();
    let started = Instant::now();
    for _ in 0..TRACES {
        record_trace(&client);
    }
    let recorded = started.elapsed();
    client.flush(Duration::from_secs(120)).unwrap();
    let total = started.elapsed();
    let stats = client.stats();
    let exported: u64 = stats.exporters.iter().map(|e| e.exported).sum();
    let dropped = stats.dropped.total()
        + stats
            .exporters
            .iter()
            .map(|e| e.dropped.total())
            .sum::<u64>();
    println!(
        "{label:<26} {:>9.0} spans/s   ({exported} spans in {:.2} s, {} requests, recording took {:.2} s, {dropped} dropped)   goal >= 100000",
        exported as f64 / total.as_secs_f64(),
        total.as_secs_f64(),
        sink.requests.load(Ordering::Relaxed),
        recorded.as_secs_f64(),
    );
}

fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Median per-span caller cost over batches of 1000 spans, with the process RSS growth.
fn caller_cost(label: &str, endpoint: String) -> f64 {
    const BATCHES: usize = 2_000;
    const PER_BATCH: usize = 1_000;
    let mut o = base_options();
    o.otlp_endpoint = Some(endpoint);
    o.export_timeout = Duration::from_secs(2);
    let client = Client::init(o).unwrap();
    let rss_before = resident_kib();
    let mut per_span = Vec::with_capacity(BATCHES);
    let mut rss_peak = rss_before;
    for b in 0..BATCHES {
        let started = Instant::now();
        for _ in 0..PER_BATCH {
            let mut span = client.start_span(
                SpanStart::new("chat gpt-4o")
                    .op("gen_ai.chat")
                    .kind(SpanKind::Client),
            );
            set_ten_attributes(&mut span);
            span.end();
        }
        per_span.push(started.elapsed().as_nanos() as f64 / PER_BATCH as f64);
        if b % 100 == 0 {
            rss_peak = rss_peak.max(resident_kib());
        }
    }
    per_span.sort_by(f64::total_cmp);
    let median = per_span[per_span.len() / 2];
    let p99 = per_span[per_span.len() * 99 / 100];
    let stats = client.stats();
    println!(
        "{label:<26} median {median:6.0} ns/span, p99 batch {p99:6.0} ns/span; RSS {} -> peak {} KiB over {} spans; {} dropped on a full queue",
        rss_before,
        rss_peak,
        BATCHES * PER_BATCH,
        stats.dropped.get(DropReason::QueueOverflow),
    );
    let _ = client.close(Duration::from_millis(100));
    median
}

fn main() {
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return; // `cargo test --benches` only checks that this builds
    }
    println!("== sustained export to a loopback sink (20 000 traces of 10 spans)");
    throughput("sentry (gzip envelopes)", |o, s| {
        o.dsn = Some(format!("http://public@{}/1", s.addr));
    });
    throughput("sentry (no compression)", |o, s| {
        o.dsn = Some(format!("http://public@{}/1", s.addr));
        o.sentry_gzip = false;
    });
    throughput("otlp protobuf", |o, s| {
        o.otlp_endpoint = Some(format!("http://{}", s.addr));
    });
    throughput("otlp json", |o, s| {
        o.otlp_endpoint = Some(format!("http://{}", s.addr));
        o.otlp_protocol = Some(llmtel_core::options::OtlpProtocol::Json);
    });

    println!("\n== caller-thread cost per span (start + 10 attributes + end), queue capacity 2048");
    let healthy_sink = sink();
    let healthy = caller_cost(
        "healthy loopback sink",
        format!("http://{}", healthy_sink.addr),
    );
    let refused_port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = caller_cost(
        "backend refusing",
        format!("http://127.0.0.1:{refused_port}"),
    );
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_addr = silent.local_addr().unwrap();
    thread::spawn(move || {
        let mut held = Vec::new();
        for s in silent.incoming().flatten() {
            held.push(s);
        }
    });
    let hanging = caller_cost("backend never answering", format!("http://{silent_addr}"));
    println!(
        "ratio refusing / healthy {:.2}, never-answering / healthy {:.2}   (goal <= 2.00)",
        refused / healthy,
        hanging / healthy
    );
}
