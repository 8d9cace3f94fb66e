//! Cost from the embedded price table (`core/data/prices.json`, compacted from LiteLLM's MIT
//! table by `core/data/refresh_prices.py`), with user overrides. An unknown model gets no cost.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value as Json;

use super::Usage;

/// USD per million tokens.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Price {
    pub input: f64,
    pub output: f64,
    /// Cached input read; the input price when absent.
    pub cache_read: Option<f64>,
    /// Cache writes (Anthropic); the input price when absent.
    pub cache_write: Option<f64>,
    /// Reasoning output when priced apart; the output price when absent.
    pub reasoning: Option<f64>,
}

/// The cost of one call in USD.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Cost {
    pub input: f64,
    pub output: f64,
}

impl Cost {
    /// `gen_ai.cost.{input,output,total}_tokens` in USD.
    pub fn record(&self, attrs: &mut crate::span::Attributes) {
        use crate::keys as k;
        attrs.set(k::GEN_AI_COST_INPUT_TOKENS, self.input);
        attrs.set(k::GEN_AI_COST_OUTPUT_TOKENS, self.output);
        attrs.set(k::GEN_AI_COST_TOTAL_TOKENS, self.input + self.output);
    }

    pub fn add(&mut self, other: &Cost) {
        self.input += other.input;
        self.output += other.output;
    }
}

#[derive(Clone, Debug, Default)]
pub struct PriceTable {
    prices: HashMap<String, Price>,
    /// Where the table came from and when it was taken.
    pub source: String,
    pub taken: String,
}

/// `core/data/prices.txt`: one model a line, `name input output cache_read cache_write
/// reasoning` in USD per million tokens (`-` for none, trailing ones left out), names already
/// normalised (`normalise` in `refresh_prices.py`; a test holds them to `normalise_model`), and
/// `# source: …` / `# taken: …` among the comment lines. Plain lines rather than JSON: a page
/// downloads this table and its reader with the wasm core, and a derived JSON reader for it was
/// the larger part of that. Read when a client starts (in a browser, before the first call).
const EMBEDDED: &str = include_str!("../../data/prices.txt");

type Rows = Vec<(&'static str, Price)>;

/// A table's rows (in prices.txt's form) and its `source` and `taken` comments; `Err` names the
/// line that is not a row (a test reads the whole embedded table).
fn read_rows(text: &'static str) -> Result<(Rows, String, String), String> {
    let (mut rows, mut source, mut taken) = (Vec::new(), String::new(), String::new());
    for (i, line) in text.lines().enumerate() {
        if let Some(comment) = line.strip_prefix('#') {
            let comment = comment.trim();
            if let Some(text) = comment.strip_prefix("source:") {
                source = text.trim().to_owned();
            } else if let Some(text) = comment.strip_prefix("taken:") {
                taken = text.trim().to_owned();
            }
            continue;
        }
        let bad = || format!("prices.txt line {}: {line:?}", i + 1);
        let mut words = line.split_ascii_whitespace();
        let Some(name) = words.next() else { continue };
        let mut fields = [None; 5];
        for (n, word) in words.enumerate() {
            let field = fields.get_mut(n).ok_or_else(bad)?;
            if word != "-" {
                // JSON numbers, as refresh_prices.py writes them: serde_json's own reader, no
                // copy (options::parse_number's lenient forms cost a copy per number, and this
                // runs on a page before the first call).
                *field = Some(serde_json::from_str::<f64>(word).map_err(|_| bad())?);
            }
        }
        rows.push((name, price_from(fields).ok_or_else(bad)?));
    }
    Ok((rows, source, taken))
}

/// A price the user gives: `[input, output, cache_read, cache_write, reasoning]` (trailing
/// entries optional, `null` for none) or `{"input": …, "output": …, "cache_read": …}`. Read from
/// a JSON value by hand: as a serde untagged enum it brought serde's value buffering into the
/// wasm build (11 KB) for these few rows.
fn price_of(row: &Json) -> Result<Price, &'static str> {
    const SHAPE: &str = "is not [input, output, cache_read, cache_write, reasoning] or {\"input\": …, \"output\": …}";
    let number = |v: Option<&Json>| -> Result<Option<f64>, &'static str> {
        match v {
            None | Some(Json::Null) => Ok(None),
            Some(v) => v.as_f64().map(Some).ok_or(SHAPE),
        }
    };
    let fields: [Option<f64>; 5] = match row {
        Json::Array(list) if list.len() <= 5 => {
            let mut fields = [None; 5];
            for (field, v) in fields.iter_mut().zip(list) {
                *field = number(Some(v))?;
            }
            fields
        }
        Json::Object(map) => {
            if map.keys().any(|k| !FIELDS.contains(&k.as_str())) {
                return Err(SHAPE);
            }
            let mut fields = [None; 5];
            for (field, name) in fields.iter_mut().zip(FIELDS) {
                *field = number(map.get(name))?;
            }
            if fields[1].is_none() {
                return Err("has no output price");
            }
            fields
        }
        _ => return Err(SHAPE),
    };
    price_from(fields).ok_or("has no input price")
}

/// `[input, output, cache_read, cache_write, reasoning]` as a price: none without an input
/// price; a missing output price is 0.
fn price_from(fields: [Option<f64>; 5]) -> Option<Price> {
    let [Some(input), output, cache_read, cache_write, reasoning] = fields else {
        return None;
    };
    Some(Price {
        input,
        output: output.unwrap_or(0.0),
        cache_read,
        cache_write,
        reasoning,
    })
}

/// The named form's keys, in the list form's order.
const FIELDS: [&str; 5] = ["input", "output", "cache_read", "cache_write", "reasoning"];

impl PriceTable {
    /// The table shipped in the crate, parsed once.
    pub fn embedded() -> &'static PriceTable {
        static TABLE: OnceLock<PriceTable> = OnceLock::new();
        TABLE.get_or_init(|| {
            let (mut rows, source, taken) =
                read_rows(EMBEDDED).expect("the embedded price table is valid");
            rows.sort_unstable_by(|a, b| a.0.cmp(b.0));
            let mut prices = HashMap::with_capacity(rows.len() * 2);
            // A dated name also answers for its undated alias: in name order, so the newest
            // date (or `-latest`) is the alias's price, whatever the map's order; then the
            // names themselves, so an alias with a row of its own keeps that row.
            for (name, price) in &rows {
                if let Some(undated) = strip_date(name) {
                    prices.insert(undated.to_owned(), *price);
                }
            }
            prices.extend(
                rows.into_iter()
                    .map(|(name, price)| (name.to_owned(), price)),
            );
            PriceTable {
                prices,
                source,
                taken,
            }
        })
    }

    /// Adds or replaces prices from JSON: `{"model": [in, out, cache_read, cache_write,
    /// reasoning]}` or `{"model": {"input": …, "output": …}}`, USD per million tokens.
    pub fn with_overrides(mut self, json: &str) -> Result<Self, String> {
        let rows: serde_json::Map<String, Json> =
            serde_json::from_str(json).map_err(|e| format!("not a price map: {e}"))?;
        for (name, row) in rows {
            let price = price_of(&row).map_err(|why| format!("the price of {name:?} {why}"))?;
            if [
                Some(price.input),
                Some(price.output),
                price.cache_read,
                price.cache_write,
                price.reasoning,
            ]
            .into_iter()
            .flatten()
            .any(|p| !p.is_finite() || p < 0.0)
            {
                return Err(format!(
                    "the price of {name:?} must be finite and not negative"
                ));
            }
            let key = normalise_model(&name);
            self.prices.insert(key, price);
        }
        Ok(self)
    }

    pub fn len(&self) -> usize {
        self.prices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.prices.is_empty()
    }

    /// The price of a model, matching provider prefixes and dated suffixes.
    pub fn price(&self, model: &str) -> Option<Price> {
        let key = normalise_model(model);
        self.prices
            .get(&key)
            .or_else(|| strip_date(&key).and_then(|k| self.prices.get(k)))
            .copied()
    }

    /// The contract's cost (conventions §2) when the model and some usage are known.
    pub fn cost(&self, model: &str, usage: &Usage) -> Option<Cost> {
        if usage.input.is_none() && usage.output.is_none() {
            return None;
        }
        let price = self.price(model)?;
        let per = |tokens: i64, usd_per_million: f64| tokens.max(0) as f64 * usd_per_million / 1e6;
        let input = usage.input.unwrap_or(0);
        let read = usage.cache_read.unwrap_or(0);
        let write = usage.cache_creation.unwrap_or(0);
        let input_cost = per(input - read - write, price.input)
            + per(read, price.cache_read.unwrap_or(price.input))
            + per(write, price.cache_write.unwrap_or(price.input));
        let output = usage.output.unwrap_or(0);
        let output_cost = match (price.reasoning, usage.reasoning) {
            (Some(reasoning_price), Some(reasoning)) => {
                per(output - reasoning, price.output) + per(reasoning, reasoning_price)
            }
            _ => per(output, price.output),
        };
        Some(Cost {
            input: input_cost,
            output: output_cost,
        })
    }
}

const PREFIXES: &[&str] = &[
    "openai/",
    "azure/",
    "azure_ai/",
    "anthropic/",
    "gemini/",
    "vertex_ai/",
    "bedrock/",
    "models/",
];
const REGIONS: &[&str] = &["us.", "eu.", "apac.", "global.", "us-gov.", "jp.", "au."];

/// Lower case, without provider prefixes, Bedrock region and vendor prefixes, or Bedrock
/// version suffixes. Mirrored by `normalise` in `core/data/refresh_prices.py`.
pub fn normalise_model(model: &str) -> String {
    let mut name = model.trim().to_ascii_lowercase();
    loop {
        let before = name.len();
        for prefix in PREFIXES {
            if let Some(rest) = name.strip_prefix(prefix) {
                name = rest.to_owned();
            }
        }
        if name.len() == before {
            break;
        }
    }
    if let Some(rest) = REGIONS.iter().find_map(|r| name.strip_prefix(r)) {
        name = rest.to_owned();
    }
    if let Some(rest) = name.strip_prefix("anthropic.") {
        name = rest.to_owned();
    }
    // `-v2:0`, `-v1`, `:0`
    if let Some(at) = name.rfind("-v") {
        let tail = &name[at + 2..];
        let (major, minor) = tail.split_once(':').unwrap_or((tail, "0"));
        if !major.is_empty()
            && major.bytes().all(|b| b.is_ascii_digit())
            && minor.bytes().all(|b| b.is_ascii_digit())
        {
            name.truncate(at);
        }
    }
    if let Some(at) = name.rfind(':')
        && name[at + 1..].bytes().all(|b| b.is_ascii_digit())
    {
        name.truncate(at);
    }
    name
}

/// The name without a release date: `-2024-08-06`, `-20241022`, `@20240620`, `-latest`.
/// Works on bytes: the suffixes are ASCII, so a match always starts on a character boundary.
fn strip_date(name: &str) -> Option<&str> {
    if let Some(base) = name.strip_suffix("-latest") {
        return Some(base);
    }
    let b = name.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    if b.len() > 11 {
        let t = &b[b.len() - 11..];
        if t[0] == b'-'
            && t[5] == b'-'
            && t[8] == b'-'
            && digits(&t[1..5])
            && digits(&t[6..8])
            && digits(&t[9..])
        {
            return Some(&name[..name.len() - 11]);
        }
    }
    if b.len() > 9 {
        let t = &b[b.len() - 9..];
        if matches!(t[0], b'-' | b'@') && digits(&t[1..]) {
            return Some(&name[..name.len() - 9]);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The embedded rows are read without `normalise_model`: the refresh script wrote them so.
    #[test]
    fn embedded_names_are_normalised() {
        let (rows, _, _) = read_rows(EMBEDDED).unwrap();
        let odd: Vec<&str> = rows
            .iter()
            .map(|(name, _)| *name)
            .filter(|name| normalise_model(name) != *name)
            .collect();
        assert!(odd.is_empty(), "not normalised: {odd:?}");
    }

    #[test]
    fn the_table_file_is_read_with_its_provenance() {
        let (rows, source, taken) = read_rows(EMBEDDED).unwrap();
        assert!(source.starts_with("litellm "), "{source}");
        assert_eq!(taken.len(), "2026-11-24".len(), "{taken}");
        let row = |name| rows.iter().find(|(n, _)| *n == name).unwrap().1;
        // `ada 0.11 0`: trailing prices left out.
        assert_eq!(
            row("ada"),
            Price {
                input: 0.11,
                output: 0.0,
                cache_read: None,
                cache_write: None,
                reasoning: None
            }
        );
        let text = "# source: s\n# taken: t\n\nm 1 2 - 0.5\n";
        let (rows, source, taken) = read_rows(text).unwrap();
        assert_eq!((source.as_str(), taken.as_str()), ("s", "t"));
        assert_eq!(
            rows,
            [(
                "m",
                Price {
                    input: 1.0,
                    output: 2.0,
                    cache_read: None,
                    cache_write: Some(0.5),
                    reasoning: None
                }
            )]
        );
        for (bad, line) in [
            ("m - 2", 1),
            ("# c\nm 1 x", 2),
            ("m 1 2 3 4 5 6", 1),
            ("m", 1),
        ] {
            let err = read_rows(bad).unwrap_err();
            assert!(
                err.starts_with(&format!("prices.txt line {line}: ")),
                "{bad:?}: {err}"
            );
        }
    }

    /// `claude-3-7-sonnet` has no row; two dated rows strip to it with different prices. It
    /// took whichever the hash map's order gave first (3.6 or 3.0 per million input tokens,
    /// varying from run to run: this test failed 3 times in 6 before); now the newest date's.
    #[test]
    fn an_undated_alias_takes_the_newest_dated_price() {
        let table = PriceTable::embedded();
        let newest = table.price("claude-3-7-sonnet-20250219").unwrap();
        assert_ne!(newest, table.price("claude-3-7-sonnet-20240620").unwrap());
        assert_eq!(table.price("claude-3-7-sonnet"), Some(newest));
        let latest = table.price("ft:gpt-4o-2024-11-20").unwrap();
        assert_eq!(table.price("ft:gpt-4o"), Some(latest));
    }

    #[test]
    fn names_match_through_dates_prefixes_and_regions() {
        let t = PriceTable::embedded();
        assert!(t.len() > 500, "{} prices", t.len());
        let gpt4o = t.price("gpt-4o").expect("gpt-4o is priced");
        assert_eq!((gpt4o.input, gpt4o.output), (2.5, 10.0));
        for name in [
            "gpt-4o-2024-08-06",
            "openai/gpt-4o",
            "GPT-4o",
            "gpt-4o-2099-01-01",
        ] {
            assert_eq!(t.price(name), Some(gpt4o), "{name}");
        }
        let sonnet = t.price("claude-3-5-sonnet-20241022").expect("priced");
        assert_eq!(
            t.price("us.anthropic.claude-3-5-sonnet-20241022-v2:0"),
            Some(sonnet)
        );
        assert_eq!(
            t.price("anthropic/claude-3-5-sonnet-20241022"),
            Some(sonnet)
        );
        assert!(t.price("models/gemini-2.5-flash").is_some());
        assert!(
            t.price("claude-opus-4-1").is_some(),
            "an undated alias of a dated entry"
        );
        assert_eq!(t.price("my-own-finetune"), None);
        // Names with multi-byte characters near the end must not split a character.
        assert_eq!(t.price("modèle-𪂻-20240101"), None);
        assert_eq!(t.price("𪂻𪂻𪂻𪂻x"), None);
    }

    #[test]
    fn cost_follows_the_contract() {
        let table = PriceTable::default()
            .with_overrides(r#"{"m": [2.0, 10.0, 0.5, 3.0, null], "r": {"input": 1, "output": 4, "reasoning": 2}}"#)
            .unwrap();
        let usage = Usage {
            input: Some(1_000_000),
            output: Some(100_000),
            cache_read: Some(200_000),
            cache_creation: Some(100_000),
            reasoning: Some(50_000),
            total: None,
        };
        let c = table.cost("m", &usage).unwrap();
        // (1M - 0.2M - 0.1M) × 2 + 0.2M × 0.5 + 0.1M × 3 = 1.4 + 0.1 + 0.3
        assert!((c.input - 1.8).abs() < 1e-9, "{c:?}");
        assert!(
            (c.output - 1.0).abs() < 1e-9,
            "reasoning at the output price: {c:?}"
        );
        let c = table.cost("r", &usage).unwrap();
        // output: 50k × 4 + 50k × 2
        assert!((c.output - 0.3).abs() < 1e-9, "{c:?}");
        assert_eq!(table.cost("unknown", &usage), None);
        assert_eq!(table.cost("m", &Usage::default()), None);
        assert!(
            PriceTable::default()
                .with_overrides(r#"{"m": [-1, 2]}"#)
                .is_err()
        );
        assert!(PriceTable::default().with_overrides("[1]").is_err());
    }

    #[test]
    fn given_prices_are_read_in_both_forms_and_refused_with_a_reason() {
        let table = PriceTable::default()
            .with_overrides(r#"{"a": [1], "b": [1, 2, null, 4], "c": {"input": 1.5, "output": 2, "cache_write": 3}}"#)
            .unwrap();
        let price = |name| table.prices[name];
        assert_eq!((price("a").input, price("a").output), (1.0, 0.0));
        assert_eq!(
            (price("b").cache_read, price("b").cache_write),
            (None, Some(4.0))
        );
        assert_eq!(
            (price("c").input, price("c").output, price("c").cache_write),
            (1.5, 2.0, Some(3.0))
        );
        for (json, why) in [
            (r#"{"m": []}"#, "has no input price"),
            (r#"{"m": [null, 1]}"#, "has no input price"),
            (r#"{"m": {"output": 1}}"#, "has no input price"),
            (r#"{"m": {"input": 1}}"#, "has no output price"),
            (
                r#"{"m": {"input": 1, "output": 2, "cache": 3}}"#,
                "is not [input, output",
            ),
            (r#"{"m": [1, 2, 3, 4, 5, 6]}"#, "is not [input, output"),
            (r#"{"m": ["1"]}"#, "is not [input, output"),
            (r#"{"m": 1}"#, "is not [input, output"),
            (r#"{"m": [1, -2]}"#, "finite and not negative"),
            ("[1]", "not a price map"),
        ] {
            let e = PriceTable::default().with_overrides(json).unwrap_err();
            assert!(e.contains(why), "{json}: {e}");
        }
    }
}
