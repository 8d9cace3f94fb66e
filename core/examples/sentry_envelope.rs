//! Sends one AI task trace to the DSN given as the first argument and exits; with
//! `in-transaction` as the second argument the GenAI spans stay inside the transaction.
//! The Relay check in `tests/relay/` runs this against its own loopback server.

use std::time::Duration;

use llmtel_core::{Client, ErrorCode, Options, SpanKind, SpanStart, Status};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dsn) = args.next() else {
        eprintln!("usage: sentry_envelope DSN [in-transaction]");
        std::process::exit(2);
    };
    let options = Options {
        dsn: Some(dsn),
        release: Some("demo@1.0.0".into()),
        environment: Some("relay-check".into()),
        sentry_ai_spans_in_transaction: args.next().as_deref() == Some("in-transaction"),
        ..Options::default()
    };
    let client = Client::init(options).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2);
    });

    let mut task = client.start_span(SpanStart::new("Generate Report").op("ai.task"));
    task.set_attribute("customer.tier", "premium");
    let mut chat = client.start_span(
        SpanStart::new("chat gpt-4o")
            .op("gen_ai.chat")
            .origin("auto.ai.openai")
            .kind(SpanKind::Client)
            .parent(task.context())
            .attribute("gen_ai.operation.name", "chat")
            .attribute("gen_ai.provider.name", "openai")
            .attribute("gen_ai.request.model", "gpt-4o"),
    );
    chat.set_attribute("gen_ai.usage.input_tokens", 150);
    chat.set_attribute("gen_ai.usage.output_tokens", 300);
    chat.set_attribute("gen_ai.response.finish_reasons", vec!["stop"]);
    chat.set_attribute("gen_ai.response.time_to_first_chunk", 0.21);
    chat.end();
    let mut failed = client.start_span(
        SpanStart::new("chat claude-sonnet-4-5")
            .op("gen_ai.chat")
            .origin("auto.ai.anthropic")
            .kind(SpanKind::Client)
            .parent(task.context())
            .attribute("gen_ai.operation.name", "chat")
            .attribute("gen_ai.provider.name", "anthropic"),
    );
    failed.set_attribute("error.type", "rate_limit_error");
    failed.set_status(Status::Error {
        code: ErrorCode::ResourceExhausted,
        message: Some("rate_limit_error".into()),
    });
    failed.end();
    let mut db = client.start_span(
        SpanStart::new("SELECT reports")
            .op("db.query")
            .parent(task.context()),
    );
    db.set_attribute("db.system", "postgresql");
    db.end();
    task.end();
    if let Err(e) = client.close(Duration::from_secs(5)) {
        eprintln!("close: {e}");
        std::process::exit(1);
    }
}
