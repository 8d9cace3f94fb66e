//! What a huge response costs the caller with outputs recorded: `cargo run --release -p
//! llmtel-core --example huge_response` prints the time `finish` takes for a 50 MB answer.
use std::time::{Duration, Instant};

use llmtel_core::genai::{Api, CallStart, ContentPolicy, Provider};
use llmtel_core::{Client, Options};

fn main() {
    let text = "All work and no play makes Jack a dull boy. ".repeat((50 << 20) / 44);
    let body = serde_json::json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    })
    .to_string();
    let request = serde_json::json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}).to_string();
    let client = Client::init(Options {
        spool: Some(llmtel_core::options::Spool::Off),
        dsn: Some(String::new()),
        ..Options::default()
    })
    .unwrap();
    for round in 0..3 {
        let mut start = CallStart::new(Provider::OpenAi, Api::ChatCompletions, &request);
        start.content = ContentPolicy {
            record_inputs: true,
            record_outputs: true,
        };
        let t = Instant::now();
        let (call, _) = client.begin_genai_call(start);
        let begun = t.elapsed();
        let t = Instant::now();
        call.finish(&body).unwrap();
        println!(
            "round {round}: request {:.1} MB begin {:.0} ms, response {:.1} MB finish {:.0} ms",
            request.len() as f64 / 1e6,
            begun.as_secs_f64() * 1e3,
            body.len() as f64 / 1e6,
            t.elapsed().as_secs_f64() * 1e3
        );
    }
    client.close(Duration::from_secs(5)).unwrap();
}
