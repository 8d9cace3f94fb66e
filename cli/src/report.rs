//! `llmtel report`: GenAI calls grouped by model, provider, operation or origin, with sums of
//! tokens and cost, error rates and latency percentiles.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::spool::SpanLine;

/// What `--by` groups on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GroupBy {
    /// `gen_ai.request.model`, else `gen_ai.response.model`.
    Model,
    /// `gen_ai.provider.name`, else the older `gen_ai.system`.
    Provider,
    /// `gen_ai.operation.name`.
    Operation,
    /// The span's origin (`auto.ai.openai`, `manual`, …).
    Origin,
}

impl GroupBy {
    /// The name `--by` takes, used as the table's first heading and in the JSON.
    pub fn name(self) -> &'static str {
        match self {
            GroupBy::Model => "model",
            GroupBy::Provider => "provider",
            GroupBy::Operation => "operation",
            GroupBy::Origin => "origin",
        }
    }
}

/// The group key of a GenAI span, or `None` for spans that are not model calls.
pub fn key(span: &SpanLine<'_>, by: GroupBy) -> Option<String> {
    if !span.is_model_call() {
        return None;
    }
    let a = &span.attributes;
    let key = match by {
        GroupBy::Model => a.request_model.as_ref().or(a.response_model.as_ref()),
        GroupBy::Provider => a.provider.as_ref().or(a.system.as_ref()),
        GroupBy::Operation => a.operation.as_ref(),
        GroupBy::Origin => Some(&span.origin),
    };
    Some(key.map_or_else(|| "(unknown)".to_owned(), |k| k.to_string()))
}

/// Running sums for one group. Durations are kept (4 bytes per call) for exact percentiles.
#[derive(Default)]
pub struct Group {
    calls: u64,
    errors: u64,
    input_tokens: u64,
    output_tokens: u64,
    cached_tokens: u64,
    reasoning_tokens: u64,
    cost: f64,
    priced_calls: u64,
    latencies_us: Vec<u32>,
    ttfc_us: Vec<u32>,
    tokens_per_second: Vec<f32>,
}

impl Group {
    pub fn add(&mut self, span: &SpanLine<'_>) {
        let a = &span.attributes;
        self.calls += 1;
        self.errors += u64::from(span.status == "error");
        self.input_tokens += tokens(a.input_tokens);
        self.output_tokens += tokens(a.output_tokens);
        self.cached_tokens += tokens(a.cached_tokens);
        self.reasoning_tokens += tokens(a.reasoning_tokens);
        if let Some(cost) = a.cost.filter(|c| c.is_finite()) {
            self.cost += cost;
            self.priced_calls += 1;
        }
        let nanos = span
            .end_time_unix_nano
            .saturating_sub(span.start_time_unix_nano);
        self.latencies_us.push(micros(nanos as f64 / 1e3));
        if let Some(t) = a.time_to_first_chunk.filter(|t| t.is_finite() && *t >= 0.0) {
            self.ttfc_us.push(micros(t * 1e6));
        }
        if let Some(t) = a.tokens_per_second.filter(|t| t.is_finite() && *t >= 0.0) {
            self.tokens_per_second.push(t as f32);
        }
    }

    fn merge(&mut self, other: &Group) {
        self.calls += other.calls;
        self.errors += other.errors;
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.cached_tokens += other.cached_tokens;
        self.reasoning_tokens += other.reasoning_tokens;
        self.cost += other.cost;
        self.priced_calls += other.priced_calls;
        self.latencies_us.extend_from_slice(&other.latencies_us);
        self.ttfc_us.extend_from_slice(&other.ttfc_us);
        self.tokens_per_second
            .extend_from_slice(&other.tokens_per_second);
    }

    fn summary(mut self, key: String) -> Row {
        self.latencies_us.sort_unstable();
        self.ttfc_us.sort_unstable();
        self.tokens_per_second.sort_unstable_by(f32::total_cmp);
        let secs = |us: Option<&u32>| us.map(|&us| f64::from(us) / 1e6);
        Row {
            key,
            calls: self.calls,
            errors: self.errors,
            error_rate: if self.calls == 0 {
                0.0
            } else {
                self.errors as f64 / self.calls as f64
            },
            input_tokens: self.input_tokens,
            output_tokens: self.output_tokens,
            cached_tokens: self.cached_tokens,
            reasoning_tokens: self.reasoning_tokens,
            cost_usd: (self.priced_calls > 0).then_some(self.cost),
            priced_calls: self.priced_calls,
            latency_p50_s: secs(percentile(&self.latencies_us, 50.0)),
            latency_p95_s: secs(percentile(&self.latencies_us, 95.0)),
            latency_p99_s: secs(percentile(&self.latencies_us, 99.0)),
            time_to_first_chunk_p50_s: secs(percentile(&self.ttfc_us, 50.0)),
            tokens_per_second_p50: percentile(&self.tokens_per_second, 50.0).map(|&t| f64::from(t)),
            latencies_us: self.latencies_us,
        }
    }
}

/// The core's `genai::MAX_BELIEVABLE_TOKENS` (the command reads spools without the core; a
/// test holds the two equal).
const MAX_BELIEVABLE_TOKENS: f64 = 1e9;

/// A token count as a report sums it: one too large to be true (written by an older llmtel or
/// another writer) counts as none rather than swamp the totals.
fn tokens(value: Option<f64>) -> u64 {
    value
        .filter(|v| v.is_finite() && *v > 0.0 && *v <= MAX_BELIEVABLE_TOKENS)
        .map_or(0, |v| v.round() as u64)
}

fn micros(us: f64) -> u32 {
    us.round().clamp(0.0, f64::from(u32::MAX)) as u32
}

/// Nearest-rank percentile of sorted values: the smallest value with at least `p` % of the values
/// at or below it.
pub fn percentile<T>(sorted: &[T], p: f64) -> Option<&T> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1)
}

/// Dollars for people: four decimals, or two significant digits below a hundredth of a cent.
pub fn usd(cost: f64) -> String {
    if cost != 0.0 && cost.abs() < 1e-4 {
        let decimals = (-cost.abs().log10()).ceil() as usize + 1;
        format!("${cost:.decimals$}")
    } else {
        format!("${cost:.4}")
    }
}

/// The report's columns after the group's own.
pub const COLUMNS: [&str; 12] = [
    "calls",
    "errors",
    "input",
    "output",
    "cached",
    "reasoning",
    "cost",
    "p50",
    "p95",
    "p99",
    "ttfc p50",
    "tok/s",
];

/// One line of the report.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Row {
    pub key: String,
    pub calls: u64,
    pub errors: u64,
    pub error_rate: f64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cached_tokens: u64,
    pub reasoning_tokens: u64,
    /// Sum over the calls the price table knew; `None` when it knew none.
    pub cost_usd: Option<f64>,
    pub priced_calls: u64,
    pub latency_p50_s: Option<f64>,
    pub latency_p95_s: Option<f64>,
    pub latency_p99_s: Option<f64>,
    pub time_to_first_chunk_p50_s: Option<f64>,
    pub tokens_per_second_p50: Option<f64>,
    /// Every call's duration in microseconds, sorted: what the HTML report draws.
    #[serde(skip)]
    pub latencies_us: Vec<u32>,
}

impl Row {
    /// The row as text, the group's key first and then [`COLUMNS`].
    pub fn cells(&self) -> [String; 13] {
        let seconds =
            |value: Option<f64>| value.map_or_else(|| "-".to_owned(), |s| format!("{s:.2} s"));
        [
            self.key.clone(),
            self.calls.to_string(),
            format!("{} ({:.1}%)", self.errors, self.error_rate * 100.0),
            self.input_tokens.to_string(),
            self.output_tokens.to_string(),
            self.cached_tokens.to_string(),
            self.reasoning_tokens.to_string(),
            self.cost_usd.map_or_else(|| "-".to_owned(), usd),
            seconds(self.latency_p50_s),
            seconds(self.latency_p95_s),
            seconds(self.latency_p99_s),
            seconds(self.time_to_first_chunk_p50_s),
            self.tokens_per_second_p50
                .map_or_else(|| "-".to_owned(), |t| format!("{t:.1}")),
        ]
    }
}

/// The groups of a report, and the totals over all of them.
#[derive(Default)]
pub struct Report {
    groups: BTreeMap<String, Group>,
}

impl Report {
    pub fn add(&mut self, key: String, span: &SpanLine<'_>) {
        self.groups.entry(key).or_default().add(span);
    }

    /// Rows sorted by cost, then calls (the expensive groups first), and the totals row.
    pub fn finish(self) -> (Vec<Row>, Row) {
        let mut total = Group::default();
        let mut rows: Vec<Row> = self
            .groups
            .into_iter()
            .map(|(key, group)| {
                total.merge(&group);
                group.summary(key)
            })
            .collect();
        rows.sort_by(|a, b| {
            b.cost_usd
                .unwrap_or(0.0)
                .total_cmp(&a.cost_usd.unwrap_or(0.0))
                .then(b.calls.cmp(&a.calls))
                .then(a.key.cmp(&b.key))
        });
        (rows, total.summary("total".to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::{percentile, tokens, usd};

    #[test]
    fn token_counts_too_large_to_be_true_count_as_none() {
        assert_eq!(tokens(Some(1234.0)), 1234);
        assert_eq!(tokens(Some(9.2e18)), 0);
        assert_eq!(tokens(Some(-5.0)), 0);
        assert_eq!(
            super::MAX_BELIEVABLE_TOKENS,
            llmtel_core::genai::MAX_BELIEVABLE_TOKENS as f64
        );
    }

    #[test]
    fn small_costs_keep_two_significant_digits() {
        assert_eq!(usd(0.004875), "$0.0049");
        assert_eq!(usd(0.000007), "$0.0000070");
        assert_eq!(usd(4e-8), "$0.000000040");
        assert_eq!(usd(0.0), "$0.0000");
        assert_eq!(usd(12.5), "$12.5000");
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u32> = (1..=10).collect();
        assert_eq!(percentile(&v, 50.0), Some(&5));
        assert_eq!(percentile(&v, 95.0), Some(&10));
        assert_eq!(percentile(&v, 0.0), Some(&1));
        assert_eq!(percentile::<u32>(&[], 50.0), None);
    }
}
