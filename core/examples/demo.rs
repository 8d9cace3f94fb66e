//! `make demo`: records a user span with a GenAI child span through the public API into the
//! default spool (`.llmtel/spans.jsonl`), then prints the lines it wrote.

use std::time::Duration;

use llmtel_core::{Client, Options, SpanKind, SpanStart, Status, keys};

fn main() {
    let client = Client::init(Options::default()).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2);
    });
    let Some(spool) = client.config().spool.clone() else {
        eprintln!(
            "the demo writes to the spool; unset LLMTEL_SPOOL, SENTRY_DSN and OTEL_EXPORTER_OTLP_ENDPOINT"
        );
        std::process::exit(2);
    };

    let task = client.start_span(
        SpanStart::new("Generate Report")
            .op("ai.task")
            .attribute("ai.use_case", "support"),
    );
    let trace_id = task.context().trace_id.to_hex();
    let mut chat = client.start_span(
        SpanStart::new("chat gpt-4o")
            .op("gen_ai.chat")
            .origin("manual")
            .kind(SpanKind::Client)
            .parent(task.context())
            .attribute(keys::GEN_AI_OPERATION_NAME, "chat")
            .attribute(keys::GEN_AI_PROVIDER_NAME, "openai")
            .attribute(keys::GEN_AI_REQUEST_MODEL, "gpt-4o"),
    );
    std::thread::sleep(Duration::from_millis(30)); // the "model call"
    chat.set_attribute(keys::GEN_AI_RESPONSE_MODEL, "gpt-4o-2024-08-06");
    chat.set_attribute(keys::GEN_AI_USAGE_INPUT_TOKENS, 150);
    chat.set_attribute(keys::GEN_AI_USAGE_OUTPUT_TOKENS, 300);
    chat.set_attribute(keys::GEN_AI_RESPONSE_FINISH_REASONS, vec!["stop"]);
    chat.set_status(Status::Ok);
    chat.end();
    task.end();

    if let Err(e) = client.close(Duration::from_secs(2)) {
        eprintln!("llmtel: {e}");
        std::process::exit(1);
    }
    let stats = client.stats();
    println!(
        "recorded {} spans, exported {} to {}:",
        stats.queued,
        stats.exporter("spool").map_or(0, |e| e.exported),
        spool.path.display()
    );
    let text = std::fs::read_to_string(&spool.path).unwrap_or_default();
    for line in text.lines().filter(|l| l.contains(&trace_id)) {
        let span: serde_json::Value = serde_json::from_str(line).expect("spool lines are JSON");
        println!(
            "{}",
            serde_json::to_string_pretty(&span).expect("JSON prints")
        );
    }
}
