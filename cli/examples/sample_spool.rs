//! Writes a spool of realistic-looking model calls through the real pipeline, spread over the
//! six hours before now: several models and providers, streamed calls with time to first chunk,
//! a burst of rate-limit errors, and one model name full of markup. The HTML report's browser
//! test and anyone wanting to look at the report without recording calls use it.
//!
//! `cargo run -p llmtel-cli --example sample_spool -- PATH [CALLS]` (default 480 calls).

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use llmtel_core::options::Spool;
use llmtel_core::{Client, Options, SpanKind, SpanStart, Status, keys};

/// Model, provider, price per input and output token, typical latency in ms.
const MODELS: [(&str, &str, f64, f64, u64); 5] = [
    ("gpt-4o", "openai", 2.5e-6, 10e-6, 2300),
    ("gpt-4o-mini", "openai", 0.15e-6, 0.6e-6, 900),
    ("claude-sonnet-4-5", "anthropic", 3e-6, 15e-6, 3100),
    ("gemini-2.5-flash", "gcp.gemini", 0.3e-6, 2.5e-6, 700),
    (
        "<b>fine-tune</b> & \"friends\"",
        "openai",
        3e-6,
        12e-6,
        1500,
    ),
];

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next().map(PathBuf::from) else {
        eprintln!("usage: sample_spool PATH [CALLS]");
        std::process::exit(2);
    };
    let calls: u64 = match args.next().map(|n| n.parse()) {
        None => 480,
        Some(Ok(n)) => n,
        Some(Err(e)) => {
            eprintln!("sample_spool: CALLS must be a whole number: {e}");
            std::process::exit(2);
        }
    };
    let client = Client::init(Options {
        spool: Some(Spool::Path(path.clone())),
        dsn: Some(String::new()),
        ..Options::default()
    })
    .unwrap_or_else(|e| {
        eprintln!("sample_spool: {e}");
        std::process::exit(1);
    });
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos() as u64;
    let window = 6 * 3600 * 1_000_000_000u64;
    let mut rng = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        // xorshift64*: deterministic, so every run draws the same picture.
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        rng.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11
    };
    for i in 0..calls {
        let (model, provider, price_in, price_out, typical_ms) =
            MODELS[(next() % MODELS.len() as u64) as usize];
        let start = now - window + window / calls.max(1) * i;
        let streamed = next() % 3 != 0;
        // A burst of rate limits (a twentieth of the window), and now and then one elsewhere.
        let failed = (i * 20 / calls.max(1) == 13 && next() % 2 == 0) || next() % 40 == 0;
        let input = 50 + next() % 2000;
        let output = if failed { 0 } else { 20 + next() % 800 };
        let ms = typical_ms / 3 + next() % (typical_ms * 2) + output;

        let task = client.start_span(
            SpanStart::new("Generate Report")
                .op("ai.task")
                .start_time_unix_nano(start),
        );
        let mut call = client.start_span(
            SpanStart::new(format!("chat {model}"))
                .op("gen_ai.chat")
                .origin("auto.ai.sample")
                .kind(SpanKind::Client)
                .parent(task.context())
                .start_time_unix_nano(start + 1_000_000)
                .attribute(keys::GEN_AI_OPERATION_NAME, "chat")
                .attribute(keys::GEN_AI_PROVIDER_NAME, provider)
                .attribute(keys::GEN_AI_REQUEST_MODEL, model),
        );
        call.set_attribute(keys::GEN_AI_USAGE_INPUT_TOKENS, input as i64);
        if failed {
            call.set_status(Status::error("rate_limit_exceeded"));
        } else {
            call.set_attribute(keys::GEN_AI_USAGE_OUTPUT_TOKENS, output as i64);
            if next() % 3 == 0 {
                call.set_attribute(
                    keys::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
                    (input / 2) as i64,
                );
            }
            let cost = input as f64 * price_in + output as f64 * price_out;
            call.set_attribute(keys::GEN_AI_COST_TOTAL_TOKENS, cost);
            if streamed {
                let first = (ms / 5) as f64 / 1000.0;
                call.set_attribute(keys::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, first);
                call.set_attribute(
                    keys::GEN_AI_RESPONSE_TOKENS_PER_SECOND,
                    output as f64 / (ms as f64 / 1000.0 - first),
                );
            }
            call.set_status(Status::Ok);
        }
        call.end_at(start + 1_000_000 + ms * 1_000_000);
        task.end_at(start + 2_000_000 + ms * 1_000_000);
    }
    if let Err(e) = client.close(Duration::from_secs(10)) {
        eprintln!("sample_spool: {e}");
        std::process::exit(1);
    }
    println!("{calls} calls written to {}", path.display());
}
