use llmtel_core::{Client, Options, SpanKind, SpanStart, keys};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::init(Options {
        dsn: std::env::var("SENTRY_DSN").ok(), // or otlp_endpoint; none of them: .llmtel/spans.jsonl
        traces_sample_rate: Some(1.0),
        ..Options::default()
    })?;

    let task = client.start_span(SpanStart::new("Generate Report").op("ai.task"));
    let mut call = client.start_span(
        SpanStart::new("chat gpt-4o")
            .op("gen_ai.chat")
            .kind(SpanKind::Client)
            .parent(task.context())
            .attribute(keys::GEN_AI_REQUEST_MODEL, "gpt-4o"),
    );
    call.set_attribute(keys::GEN_AI_USAGE_INPUT_TOKENS, 150);
    call.end();
    task.end();
    client.flush(std::time::Duration::from_secs(2))?;
    Ok(())
}
