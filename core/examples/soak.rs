//! Soak benchmark (issue 16): 4 processes × 50,000 spans through one rotating spool and a Sentry
//! backend that cycles healthy → 429 (rate limited) → 503 → hung, two seconds each. Every span
//! must be delivered or counted as dropped by reason, the two adding up exactly:
//!
//! - per process and exporter: exported + dropped (by reason) + dropped before the queue = created;
//! - spool lines on disk (all rotated files kept) = what the spool exporters say they wrote;
//! - spans in envelopes the backend accepted = what the Sentry exporters say they delivered.
//!
//!     make bench-soak     (or: cargo run --release -p llmtel-core --example soak)
//!
//! `SOAK_SLOW=1` instead answers every request, after 2 s (a struggling backend), and
//! `SOAK_processes()`, `SOAK_TRACES`, `SOAK_SPANS_PER_TRACE` change the load.
//!
//! Not a test: it takes about 100 s and prints figures.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use llmtel_core::export::spool::rotated_path;
use llmtel_core::options::Spool;
use llmtel_core::{Client, DropReason, Options, SpanStart};

fn processes() -> usize {
    setting("SOAK_PROCESSES", 4)
}
fn traces() -> usize {
    setting("SOAK_TRACES", 10_000)
}
fn spans_per_trace() -> usize {
    setting("SOAK_SPANS_PER_TRACE", 5) // 50,000 spans per process
}

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
const SPOOL_MAX_BYTES: u64 = 1 << 20;
const SPOOL_MAX_FILES: u32 = 10_000; // keep every file: a missing line is a lost line
const PHASE: Duration = Duration::from_secs(2);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("child") {
        child(&args[2], Path::new(&args[3]));
        return;
    }
    parent();
}

/// One writer: 10,000 traces of 5 spans, then a close that waits for everything to settle.
fn child(dsn: &str, spool: &Path) {
    let client = Client::init(Options {
        dsn: Some(dsn.to_owned()),
        spool: Some(Spool::Path(spool.to_owned())),
        spool_max_bytes: SPOOL_MAX_BYTES,
        spool_max_files: SPOOL_MAX_FILES,
        export_timeout: Duration::from_secs(3),
        flush_interval: Duration::from_millis(100),
        ..Options::default()
    })
    .expect("valid options");
    for t in 0..traces() {
        let root = client.start_span(SpanStart::new(format!("trace {t}")).op("ai.task"));
        for c in 1..spans_per_trace() {
            let mut span =
                client.start_span(SpanStart::new(format!("step {c}")).parent(root.context()));
            span.set_attribute("padding", "x".repeat(100));
            span.end();
        }
        root.end();
        if t % 100 == 99 {
            // 10,000 traces over about 24 s: three turns of the backend's four phases.
            std::thread::sleep(Duration::from_millis(240));
        }
    }
    // Long enough that every export attempt ends: the figures below are then final
    // (`SOAK_CLOSE` seconds; a shorter close leaves them as they were at that moment).
    let close = Duration::from_secs(setting("SOAK_CLOSE", 300) as u64);
    if client.close(close).is_err() {
        eprintln!("close did not finish within {close:?}: the figures are not final");
    }
    let stats = client.stats();
    let exporters: Vec<_> = stats
        .exporters
        .iter()
        .map(|e| {
            serde_json::json!({
                "name": e.name,
                "exported": e.exported,
                "dropped": reasons(&e.dropped),
            })
        })
        .collect();
    println!(
        "{}",
        serde_json::json!({
            "created": traces() * spans_per_trace(),
            "queued": stats.queued,
            "dropped_before_queue": reasons(&stats.dropped),
            "exporters": exporters,
        })
    );
}

fn reasons(counts: &llmtel_core::DropCounts) -> serde_json::Value {
    DropReason::ALL
        .iter()
        .filter(|r| counts.get(**r) > 0)
        .map(|r| (r.as_str().to_owned(), counts.get(*r).into()))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// The backend: which phase answers a request that arrives `since` the start.
fn phase(since: Duration) -> &'static str {
    if std::env::var_os("SOAK_SLOW").is_some() {
        return "slow";
    }
    ["healthy", "rate limited", "unavailable", "hung"]
        [(since.as_secs_f64() / PHASE.as_secs_f64()) as usize % 4]
}

fn parent() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let spool = dir.path().join("spans.jsonl");
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind loopback"));
    let addr = server.server_addr().to_ip().expect("an IP listener");
    let accepted_spans = Arc::new(AtomicU64::new(0));
    let requests: Arc<[AtomicU64; 4]> = Arc::new(Default::default());
    let started = Instant::now();
    {
        let (server, accepted, requests) =
            (server.clone(), accepted_spans.clone(), requests.clone());
        std::thread::spawn(move || {
            for mut request in server.incoming_requests() {
                let (accepted, requests) = (accepted.clone(), requests.clone());
                std::thread::spawn(move || {
                    let mut body = Vec::new();
                    let _ = request.as_reader().read_to_end(&mut body);
                    let now = phase(started.elapsed());
                    let index = ["healthy", "rate limited", "unavailable", "hung"]
                        .iter()
                        .position(|p| *p == now)
                        .unwrap_or(0);
                    requests[index].fetch_add(1, Ordering::Relaxed);
                    let response = match now {
                        "healthy" | "slow" => {
                            if now == "slow" {
                                std::thread::sleep(Duration::from_secs(2));
                            }
                            accepted.fetch_add(envelope_spans(&body), Ordering::Relaxed);
                            tiny_http::Response::from_data(Vec::new()).with_status_code(200)
                        }
                        "rate limited" => tiny_http::Response::from_data(Vec::new())
                            .with_status_code(429)
                            .with_header(
                                tiny_http::Header::from_bytes(
                                    &b"X-Sentry-Rate-Limits"[..],
                                    &b"1:transaction;span:organization"[..],
                                )
                                .unwrap(),
                            ),
                        "unavailable" => {
                            tiny_http::Response::from_data(Vec::new()).with_status_code(503)
                        }
                        _ => {
                            // Hung: answer nothing for longer than the export budget, then drop.
                            std::thread::sleep(Duration::from_secs(4));
                            return;
                        }
                    };
                    let _ = request.respond(response);
                });
            }
        });
    }
    let dsn = format!("http://public@{addr}/1");
    println!(
        "{} processes x {} spans, spool capped at {} KiB per file, backend phases of {:?}",
        processes(),
        traces() * spans_per_trace(),
        SPOOL_MAX_BYTES / 1024,
        PHASE
    );
    let exe = std::env::current_exe().expect("this program's path");
    let children: Vec<_> = (0..processes())
        .map(|_| {
            Command::new(&exe)
                .args(["child", &dsn, spool.to_str().unwrap()])
                .output()
        })
        .collect();
    let wall = started.elapsed();
    let mut ok = true;
    let (mut spool_exported, mut sentry_exported) = (0u64, 0u64);
    let mut totals: std::collections::BTreeMap<String, u64> = Default::default();
    for (i, child) in children.into_iter().enumerate() {
        let out = child.expect("the child ran");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "child {i} printed no report ({e}): {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        let created = report["created"].as_u64().unwrap();
        let before: u64 = sum(&report["dropped_before_queue"]);
        for exporter in report["exporters"].as_array().unwrap() {
            let name = exporter["name"].as_str().unwrap();
            let exported = exporter["exported"].as_u64().unwrap();
            let dropped = sum(&exporter["dropped"]);
            let adds_up = exported + dropped + before == created;
            ok &= adds_up;
            println!(
                "  process {i} {name:6}: created {created}, exported {exported}, dropped {dropped} {} + {before} before the queue {}  {}",
                exporter["dropped"],
                report["dropped_before_queue"],
                if adds_up { "= created" } else { "!= created" }
            );
            match name {
                "spool" => spool_exported += exported,
                "sentry" => sentry_exported += exported,
                _ => {}
            }
            for (reason, n) in exporter["dropped"].as_object().unwrap() {
                *totals.entry(format!("{name} {reason}")).or_default() += n.as_u64().unwrap();
            }
        }
        for (reason, n) in report["dropped_before_queue"].as_object().unwrap() {
            *totals.entry(format!("queue {reason}")).or_default() += n.as_u64().unwrap();
        }
    }
    let lines = spool_lines(&spool);
    let accepted = accepted_spans.load(Ordering::Relaxed);
    println!("  dropped, all processes: {totals:?}");
    println!(
        "  backend requests: healthy {}, rate limited {}, unavailable {}, hung {}",
        requests[0].load(Ordering::Relaxed),
        requests[1].load(Ordering::Relaxed),
        requests[2].load(Ordering::Relaxed),
        requests[3].load(Ordering::Relaxed)
    );
    println!(
        "  spool: {lines} lines on disk, exporters wrote {spool_exported}  {}",
        if lines == spool_exported {
            "(equal)"
        } else {
            "(DIFFER)"
        }
    );
    println!(
        "  sentry: backend accepted {accepted} spans, exporters delivered {sentry_exported}  {}",
        if accepted == sentry_exported {
            "(equal)"
        } else {
            "(DIFFER)"
        }
    );
    ok &= lines == spool_exported && accepted == sentry_exported;
    println!(
        "  wall time {:.1} s; {}",
        wall.as_secs_f64(),
        if ok {
            "every span is accounted for"
        } else {
            "SPANS UNACCOUNTED FOR"
        }
    );
    if !ok {
        std::process::exit(1);
    }
}

fn sum(counts: &serde_json::Value) -> u64 {
    counts.as_object().map_or(0, |m| {
        m.values().filter_map(serde_json::Value::as_u64).sum()
    })
}

fn spool_lines(path: &Path) -> u64 {
    let files: Vec<PathBuf> = std::iter::once(path.to_owned())
        .chain((1..=SPOOL_MAX_FILES).map(|n| rotated_path(path, n)))
        .take_while(|p| p == path || p.exists())
        .collect();
    files
        .iter()
        .map(|p| {
            std::fs::read_to_string(p)
                .unwrap_or_default()
                .lines()
                .inspect(|l| {
                    serde_json::from_str::<serde_json::Value>(l)
                        .unwrap_or_else(|e| panic!("a torn line in {}: {e}", p.display()));
                })
                .count() as u64
        })
        .sum()
}

/// Spans in an envelope: a transaction is its root and its `spans`; a span item says how many
/// it carries.
fn envelope_spans(body: &[u8]) -> u64 {
    let mut raw = Vec::new();
    let body = if body.starts_with(&[0x1f, 0x8b]) {
        flate2::read::GzDecoder::new(body)
            .read_to_end(&mut raw)
            .expect("a gzip body");
        &raw[..]
    } else {
        body
    };
    let mut rest = match body.iter().position(|b| *b == b'\n') {
        Some(end) => &body[end + 1..],
        None => return 0,
    };
    let mut spans = 0;
    while let Some(end) = rest.iter().position(|b| *b == b'\n') {
        let header: serde_json::Value = serde_json::from_slice(&rest[..end]).unwrap_or_default();
        let length = header["length"].as_u64().unwrap_or(0) as usize;
        let payload = &rest[end + 1..(end + 1 + length).min(rest.len())];
        match header["type"].as_str() {
            Some("transaction") => {
                let tx: serde_json::Value = serde_json::from_slice(payload).unwrap_or_default();
                spans += 1 + tx["spans"].as_array().map_or(0, Vec::len) as u64;
            }
            Some("span") => spans += header["item_count"].as_u64().unwrap_or(0),
            _ => {}
        }
        rest = rest.get(end + 1 + length + 1..).unwrap_or(&[]);
    }
    spans
}
