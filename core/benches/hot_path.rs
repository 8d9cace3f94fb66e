//! The caller's cost of one span: start, 10 attributes, end (privacy filter, before-send, queue).
//! llmtel side by side with opentelemetry_sdk's BatchSpanProcessor; both export to an in-memory
//! exporter that counts the spans it is given, both with a 2048-span queue. Prints the ratio.
//!
//! `cargo bench -p llmtel-core --bench hot_path`

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::Criterion;
use llmtel_core::{Client, ExportTally, Options, Segment, SpanExporter, SpanKind, SpanStart};
use opentelemetry::KeyValue;
use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};

/// Counts what it is given and lets it go: no I/O on either side.
struct Memory {
    seen: Arc<AtomicU64>,
}

impl SpanExporter for Memory {
    fn name(&self) -> &str {
        "memory"
    }
    fn export(&mut self, segments: &[Segment], _: Instant) -> ExportTally {
        let n: u64 = segments.iter().map(|s| s.len() as u64).sum();
        self.seen.fetch_add(n, Ordering::Relaxed);
        ExportTally::exported(n)
    }
}

#[derive(Debug)]
struct OtelMemory {
    seen: Arc<AtomicU64>,
}

impl opentelemetry_sdk::trace::SpanExporter for OtelMemory {
    async fn export(
        &self,
        batch: Vec<opentelemetry_sdk::trace::SpanData>,
    ) -> opentelemetry_sdk::error::OTelSdkResult {
        self.seen.fetch_add(batch.len() as u64, Ordering::Relaxed);
        drop(batch);
        Ok(())
    }
}

fn llmtel_client(seen: Arc<AtomicU64>, sample_rate: f64) -> Client {
    Client::init(Options {
        spool: Some(llmtel_core::options::Spool::Off),
        dsn: Some(String::new()),
        traces_sample_rate: Some(sample_rate),
        exporters: vec![Arc::new(move || Box::new(Memory { seen: seen.clone() }))],
        ..Options::default()
    })
    .expect("valid options")
}

fn record_llmtel(client: &Client) {
    let mut span = client.start_span(
        SpanStart::new("chat gpt-4o")
            .op("gen_ai.chat")
            .kind(SpanKind::Client),
    );
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
    span.end();
}

fn record_otel(tracer: &opentelemetry_sdk::trace::SdkTracer) {
    let mut span = tracer.start("chat gpt-4o");
    span.set_attribute(KeyValue::new("gen_ai.operation.name", "chat"));
    span.set_attribute(KeyValue::new("gen_ai.provider.name", "openai"));
    span.set_attribute(KeyValue::new("gen_ai.request.model", "gpt-4o"));
    span.set_attribute(KeyValue::new("gen_ai.request.temperature", 0.7));
    span.set_attribute(KeyValue::new("gen_ai.request.max_tokens", 1024));
    span.set_attribute(KeyValue::new("gen_ai.response.model", "gpt-4o-2024-08-06"));
    span.set_attribute(KeyValue::new("gen_ai.usage.input_tokens", 150));
    span.set_attribute(KeyValue::new("gen_ai.usage.output_tokens", 300));
    span.set_attribute(KeyValue::new("gen_ai.response.id", "chatcmpl-123"));
    span.set_attribute(KeyValue::new("server.port", 443));
    span.end();
}

/// Criterion's median estimate for a benchmark id, read from its report folder
/// (`target/criterion/…`, found from the working directory up, as criterion finds it).
fn median_ns(id: &str) -> Option<f64> {
    let cwd = std::env::current_dir().ok()?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .into_iter()
        .chain(cwd.ancestors().map(|a| a.join("target")))
        .find(|t| t.join("criterion").is_dir())?;
    let path = target.join("criterion").join(id).join("new/estimates.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();

    let llmtel_seen = Arc::new(AtomicU64::new(0));
    let client = llmtel_client(llmtel_seen.clone(), 1.0);
    let unsampled = llmtel_client(Arc::new(AtomicU64::new(0)), 0.0);
    let otel_seen = Arc::new(AtomicU64::new(0));
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_batch_exporter(OtelMemory {
            seen: otel_seen.clone(),
        })
        .build();
    let tracer = provider.tracer("bench");

    let mut group = c.benchmark_group("span_start_10_attrs_end");
    group.bench_function("llmtel", |b| b.iter(|| record_llmtel(black_box(&client))));
    group.bench_function("otel_sdk_batch", |b| {
        b.iter(|| record_otel(black_box(&tracer)))
    });
    group.bench_function("llmtel_unsampled", |b| {
        b.iter(|| record_llmtel(black_box(&unsampled)))
    });
    group.finish();

    client.flush(Duration::from_secs(5)).ok();
    let _ = provider.force_flush();
    let stats = client.stats();
    println!(
        "\nllmtel: {} spans queued, {} exported, {} dropped on a full queue",
        stats.queued,
        llmtel_seen.load(Ordering::Relaxed),
        stats.dropped.get(llmtel_core::DropReason::QueueOverflow)
    );
    println!(
        "otel_sdk: {} spans exported (its drops are not exposed)",
        otel_seen.load(Ordering::Relaxed)
    );
    c.final_summary();
    let ours = median_ns("span_start_10_attrs_end/llmtel");
    let theirs = median_ns("span_start_10_attrs_end/otel_sdk_batch");
    let unsampled = median_ns("span_start_10_attrs_end/llmtel_unsampled");
    match (ours, theirs) {
        (Some(ours), Some(theirs)) => {
            println!("median llmtel            {ours:8.1} ns   (goal <= 1000 ns)");
            println!("median otel_sdk batch    {theirs:8.1} ns");
            if let Some(u) = unsampled {
                println!("median llmtel unsampled  {u:8.1} ns");
            }
            println!(
                "ratio llmtel / otel      {:8.2}      (goal <= 1.00)",
                ours / theirs
            );
        }
        _ => println!("(criterion estimates not found; run without --test to get the ratio)"),
    }
}
