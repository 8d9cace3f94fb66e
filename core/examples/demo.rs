//! `make demo`: a "Generate Report" task whose model calls go through the GenAI mapping, the
//! same code every binding uses, into the default spool (`.llmtel/spans.jsonl`): an OpenAI chat
//! completion, a streamed Anthropic message, an OpenAI embedding and a call the provider refuses
//! with 429. The requests and provider responses are the shared scenarios in `tests/scenarios/`,
//! replayed with a little latency; no network is used. `make demo` then runs `llmtel traces` and
//! `llmtel report` over the spool.

use std::path::Path;
use std::time::Duration;

use llmtel_core::genai::{Api, CallError, CallStart, Provider};
use llmtel_core::{Client, Options, SpanStart};
use serde_json::Value as Json;

const SCENARIOS: [&str; 4] = [
    "openai_chat_plain",
    "anthropic_stream_text",
    "openai_embeddings_single",
    "openai_chat_error_429",
];

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
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios");

    let task = client.start_span(
        SpanStart::new("Generate Report")
            .op("ai.task")
            .attribute("ai.use_case", "support"),
    );
    for name in SCENARIOS {
        let path = dir.join(format!("{name}.json"));
        let scenario: Json = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_else(|| {
                eprintln!("cannot read the scenario {}", path.display());
                std::process::exit(1);
            });
        if let Err(e) = replay(&client, &task, &scenario) {
            eprintln!("{name}: {e}");
        }
    }
    task.end();

    if let Err(e) = client.close(Duration::from_secs(2)) {
        eprintln!("llmtel: {e}");
        std::process::exit(1);
    }
    let stats = client.stats();
    println!(
        "recorded {} spans, exported {} to {}",
        stats.queued,
        stats.exporter("spool").map_or(0, |e| e.exported),
        spool.path.display()
    );
}

/// One model call: the scenario's request, then its response, stream events or error.
fn replay(
    client: &Client,
    task: &llmtel_core::Span,
    scenario: &Json,
) -> Result<(), llmtel_core::genai::MappingError> {
    let field = |key: &str| scenario[key].as_str().unwrap_or_default();
    let request = scenario["request"].to_string();
    let (Some(provider), Some(api)) =
        (Provider::parse(field("provider")), Api::parse(field("api")))
    else {
        eprintln!("{}: unknown provider or API", field("name"));
        return Ok(());
    };
    let mut start = CallStart::new(provider, api, &request);
    start.parent = Some(task.context());
    start.stream = scenario["stream"].as_bool().unwrap_or(false);
    let (mut call, begun) = client.begin_genai_call(start);
    begun?;

    let response = &scenario["response"];
    let status = response["status"].as_u64().unwrap_or(200) as u16;
    std::thread::sleep(Duration::from_millis(120)); // the provider thinks
    if let Some(events) = response["events"].as_array() {
        for event in events {
            let data = match &event["data"] {
                Json::String(text) => text.clone(),
                other => other.to_string(),
            };
            call.chunk(event["event"].as_str(), &data)?;
            std::thread::sleep(Duration::from_millis(15));
        }
        call.finish_stream();
        Ok(())
    } else if status >= 400 {
        let body = response["body"].to_string();
        call.fail(CallError {
            http_status: Some(status),
            body: Some(&body),
            ..Default::default()
        })
    } else {
        call.finish(&response["body"].to_string())
    }
}
