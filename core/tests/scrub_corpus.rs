//! The scrubber against a corpus: every secret format in `tests/scrub/secrets.tsv` is filtered,
//! as plain text and inside JSON (how recorded content arrives), and no line of ordinary prose,
//! code and JSON in `tests/scrub/ordinary.txt` is touched. The figures print with `--nocapture`.

use llmtel_core::scrub::Scrubber;

fn corpus(name: &str) -> String {
    let path = format!("{}/../tests/scrub/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn data_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter(|l| !l.starts_with('#'))
}

/// The secret in its JSON-escaped form, as it sits inside a recorded message list.
fn json_escaped(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap();
    quoted[1..quoted.len() - 1].to_owned()
}

#[test]
fn every_secret_format_is_filtered() {
    let scrubber = Scrubber::builtin();
    let text = corpus("secrets.tsv");
    let mut missed = Vec::new();
    let mut formats = 0;
    for line in data_lines(&text) {
        let [name, sample, secret]: [&str; 3] = line
            .split('\t')
            .collect::<Vec<_>>()
            .try_into()
            .unwrap_or_else(|_| panic!("three tab-separated fields: {line}"));
        // The corpus writes newlines inside private keys as `\n`, as JSON carries them.
        let (sample, secret) = (sample.replace("\\n", "\n"), secret.replace("\\n", "\n"));
        formats += 1;
        for (form, sample, secret) in [
            ("text", sample.clone(), secret.clone()),
            ("json", json_escaped(&sample), json_escaped(&secret)),
        ] {
            let scrubbed = scrubber.scrub(&sample);
            if scrubbed.contains(secret.as_str()) || !scrubbed.contains("[Filtered]") {
                missed.push(format!("{name} ({form}): {scrubbed}"));
            }
        }
    }
    println!("secret formats: {formats}, missed: {}", missed.len());
    assert!(formats >= 40, "the corpus has {formats} formats");
    assert!(missed.is_empty(), "missed:\n{}", missed.join("\n"));
}

#[test]
fn ordinary_text_is_left_alone() {
    let scrubber = Scrubber::builtin();
    let text = corpus("ordinary.txt");
    let lines: Vec<&str> = data_lines(&text)
        .filter(|l| !l.starts_with("### "))
        .collect();
    let changed: Vec<String> = lines
        .iter()
        .filter_map(|line| {
            let scrubbed = scrubber.scrub(line);
            (scrubbed != *line).then(|| format!("{line}\n  -> {scrubbed}"))
        })
        .collect();
    // The whole corpus as one JSON string too (content is scrubbed as JSON).
    let as_json = json_escaped(&lines.join("\n"));
    let json_untouched = scrubber.scrub(&as_json) == as_json;
    println!(
        "ordinary lines: {}, false positives: {}",
        lines.len(),
        changed.len()
    );
    assert!(lines.len() >= 1000, "the corpus has {} lines", lines.len());
    assert!(
        changed.is_empty(),
        "false positives:\n{}",
        changed.join("\n")
    );
    assert!(json_untouched, "the JSON form was changed");
}
