//! Times the facade's provider call (start + finish) against the same through `begin_genai_call`,
//! to see what the facade layer costs. `cargo run --release -p llmtel-core --example facade_timing`
use std::time::Instant;

use llmtel_core::genai::{Api, CallStart, Provider};
use llmtel_core::{CallSpec, Client, Options};

const REQUEST: &str = r#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello!"}]}"#;
const RESPONSE: &str = r#"{"id":"chatcmpl-1","model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":8,"total_tokens":20}}"#;

fn main() {
    let mut options = Options::default();
    options.set("spool", "false").unwrap();
    options.set("dsn", "").unwrap();
    options.set("queue_capacity", "1000000").unwrap();
    let client = Client::init(options).unwrap();
    let n = 50_000;
    for round in 0..3 {
        let t = Instant::now();
        for _ in 0..n {
            let (call, _) = client
                .call(CallSpec {
                    provider: "openai".into(),
                    api: "chat_completions".into(),
                    request: REQUEST.into(),
                    ..CallSpec::default()
                })
                .unwrap();
            call.finish(RESPONSE).unwrap();
        }
        let facade = t.elapsed().as_nanos() as f64 / n as f64;
        let t = Instant::now();
        for _ in 0..n {
            let (call, _) = client.begin_genai_call(CallStart::new(
                Provider::OpenAi,
                Api::ChatCompletions,
                REQUEST,
            ));
            call.finish(RESPONSE).unwrap();
        }
        let direct = t.elapsed().as_nanos() as f64 / n as f64;
        let t = Instant::now();
        for _ in 0..n {
            let span = client
                .span(llmtel_core::SpanSpec {
                    name: "h".into(),
                    ..Default::default()
                })
                .unwrap();
            span.end().unwrap();
        }
        let span = t.elapsed().as_nanos() as f64 / n as f64;
        println!(
            "round {round}: facade call {facade:.0} ns, begin_genai_call {direct:.0} ns, facade span {span:.0} ns"
        );
    }
}
