//! How fast the secret scrubber reads ordinary text: `cargo run --release -p llmtel-core --example scrub_speed`.
use std::time::Instant;

fn main() {
    let corpus = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/scrub/ordinary.txt"
    ))
    .unwrap();
    let mut text = String::new();
    while text.len() < 50 << 20 {
        text.push_str(&corpus);
    }
    let json = serde_json::to_string(&text).unwrap();
    let scrubber = llmtel_core::scrub::Scrubber::builtin();
    for (name, input) in [("prose", &text), ("json", &json)] {
        let mut best = f64::MAX;
        for _ in 0..3 {
            let t = Instant::now();
            let out = scrubber.scrub(input);
            assert_eq!(out.len(), input.len());
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "{name}: {:.1} MB in {:.3} s = {:.0} MB/s",
            input.len() as f64 / 1e6,
            best,
            input.len() as f64 / 1e6 / best
        );
    }
}
