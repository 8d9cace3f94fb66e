//! `llmtel report --html FILE`: the report as one self-contained page. The charts are inline SVG
//! drawn here, the styles inline CSS; the page has no script and its Content-Security-Policy
//! forbids every fetch, so it opens the same from a mail attachment as from disk.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::report::{Row, usd};
use crate::spool::SpanLine;

/// Calls per time bucket. Buckets start at one second and double in width whenever there would
/// be more than `MAX_BUCKETS`, so any spool's timeline fits in a few hundred kilobytes.
pub struct Timeline {
    width_secs: u64,
    buckets: BTreeMap<u64, Bucket>,
}

#[derive(Default, Clone, Copy)]
struct Bucket {
    calls: u64,
    errors: u64,
    input_tokens: f64,
    output_tokens: f64,
    cost: f64,
}

impl Bucket {
    fn merge(&mut self, other: &Bucket) {
        self.calls += other.calls;
        self.errors += other.errors;
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.cost += other.cost;
    }
}

const MAX_BUCKETS: usize = 4096;
/// Bars per time chart, at most.
const MAX_BARS: u64 = 60;

impl Default for Timeline {
    fn default() -> Timeline {
        Timeline {
            width_secs: 1,
            buckets: BTreeMap::new(),
        }
    }
}

impl Timeline {
    pub fn add(&mut self, span: &SpanLine<'_>) {
        let a = &span.attributes;
        let finite = |v: Option<f64>| v.filter(|v| v.is_finite() && *v > 0.0).unwrap_or(0.0);
        let at = span.end_time_unix_nano / 1_000_000_000 / self.width_secs;
        let bucket = self.buckets.entry(at).or_default();
        bucket.calls += 1;
        bucket.errors += u64::from(span.status == "error");
        bucket.input_tokens += finite(a.input_tokens);
        bucket.output_tokens += finite(a.output_tokens);
        bucket.cost += finite(a.cost);
        if self.buckets.len() > MAX_BUCKETS {
            self.widen(2);
        }
    }

    fn widen(&mut self, factor: u64) {
        let mut wider: BTreeMap<u64, Bucket> = BTreeMap::new();
        for (at, bucket) in &self.buckets {
            wider.entry(at / factor).or_default().merge(bucket);
        }
        self.width_secs *= factor;
        self.buckets = wider;
    }

    /// At most `MAX_BARS` consecutive buckets from the first call to the last, empty ones
    /// included, with the width of each in seconds.
    fn bars(&self) -> (u64, Vec<(u64, Bucket)>) {
        let (Some((&first, _)), Some((&last, _))) = (
            self.buckets.first_key_value(),
            self.buckets.last_key_value(),
        ) else {
            return (self.width_secs, Vec::new());
        };
        let factor = (last - first + 1).div_ceil(MAX_BARS).next_power_of_two();
        let mut merged: BTreeMap<u64, Bucket> = (first / factor..=last / factor)
            .map(|at| (at, Bucket::default()))
            .collect();
        for (at, bucket) in &self.buckets {
            if let Some(b) = merged.get_mut(&(at / factor)) {
                b.merge(bucket);
            }
        }
        let width = self.width_secs * factor;
        (
            width,
            merged.into_iter().map(|(at, b)| (at * width, b)).collect(),
        )
    }
}

/// What the page says besides the rows.
pub struct Page<'a> {
    pub spool: &'a str,
    pub by: &'a str,
    pub since: Option<&'a str>,
    pub skipped_lines: u64,
}

const CSS: &str = "
:root { color-scheme: light; --ink: #1d2430; --muted: #5d6778; --line: #e3e7ee; --input: #4c78a8;
  --output: #f58518; --cost: #3d9a50; --error: #d1495b; --box: #7b61c9; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
  color: var(--ink); background: #f6f7f9; }
header, main { max-width: 1040px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 28px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 0 0 10px; }
.meta { color: var(--muted); margin: 0 0 18px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px;
  margin-bottom: 18px; }
.card, section { background: #fff; border: 1px solid var(--line); border-radius: 8px; }
.card { padding: 12px 14px; }
.card b { display: block; font-size: 18px; white-space: nowrap; }
.card span { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
section { padding: 16px 18px; margin-bottom: 18px; }
svg { display: block; width: 100%; height: auto; }
svg text { font: 11px system-ui, sans-serif; fill: var(--muted); }
svg .label { fill: var(--ink); font-size: 12px; }
svg .grid { stroke: var(--line); }
svg .input { fill: var(--input); } svg .output { fill: var(--output); }
svg .cost { fill: var(--cost); } svg .error { fill: var(--error); }
svg .box { fill: var(--box); fill-opacity: .25; stroke: var(--box); }
svg .whisker, svg .median { stroke: var(--box); stroke-width: 1.5; }
svg .p99 { fill: var(--box); }
svg .median { stroke-width: 2.5; }
svg rect:hover { fill-opacity: .75; }
.legend { color: var(--muted); font-size: 12px; margin: 6px 0 0; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin: 0 4px 0 12px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 5px; font-size: 12.5px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
.scroll { overflow-x: auto; }
th { color: var(--muted); font-weight: 600; font-size: 12px; }
tr.total td { font-weight: 600; border-bottom: none; }
.empty { color: var(--muted); }
footer { color: var(--muted); font-size: 12px; max-width: 1040px; margin: 0 auto; padding: 0 24px 28px; }
";

/// The whole page.
pub fn render(page: &Page<'_>, rows: &[Row], total: &Row, timeline: &Timeline) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>llmtel report</title>\n<style>{CSS}</style>\n</head>\n<body>\n<header>\n\
         <h1>LLM calls</h1>\n<p class=\"meta\">{}</p>\n",
        escape(&meta_line(page, timeline))
    );
    cards(&mut out, total);
    out.push_str("</header>\n<main>\n");
    let (width, bars) = timeline.bars();
    let per = span_words(width);
    section(
        &mut out,
        &format!("Tokens over time (per {per})"),
        &tokens_chart(&bars, width),
        &[("input", "input"), ("output", "output")],
    );
    section(
        &mut out,
        &format!("Cost over time (per {per})"),
        &cost_chart(&bars, width),
        &[
            ("cost", "cost"),
            ("error", "some calls failed (count on hover)"),
        ],
    );
    section(
        &mut out,
        &format!("Cost by {}", page.by),
        &cost_by_group(rows),
        &[],
    );
    section(
        &mut out,
        &format!("Latency by {}", page.by),
        &latency_chart(rows),
        &[(
            "box",
            "box: p25 to p75, thick line: p50, whiskers: p5 to p95, dot: p99 (log scale)",
        )],
    );
    out.push_str("<section>\n<h2>Calls</h2>\n");
    table(&mut out, page.by, rows, total);
    out.push_str("</section>\n</main>\n<footer>Made by <code>llmtel report --html</code>. Times are UTC.</footer>\n</body>\n</html>\n");
    out
}

fn meta_line(page: &Page<'_>, timeline: &Timeline) -> String {
    let mut meta = format!("From {}", page.spool);
    if let (Some((first, _)), Some((last, _))) = (
        timeline.buckets.first_key_value(),
        timeline.buckets.last_key_value(),
    ) {
        let w = timeline.width_secs;
        let _ = write!(
            meta,
            ", {} to {} UTC",
            date_time(first * w),
            date_time((last + 1) * w)
        );
    }
    if let Some(since) = page.since {
        let _ = write!(meta, " (the last {since})");
    }
    if page.skipped_lines > 0 {
        let _ = write!(
            meta,
            "; {} lines that are not spans were skipped",
            page.skipped_lines
        );
    }
    meta
}

fn cards(out: &mut String, total: &Row) {
    let p95 = format!("latency p50 (p95 {})", seconds(total.latency_p95_s));
    let cards = [
        (total.calls.to_string(), "calls"),
        (
            format!("{} ({:.1}%)", total.errors, total.error_rate * 100.0),
            "errors",
        ),
        (compact(total.input_tokens as f64), "input tokens"),
        (compact(total.output_tokens as f64), "output tokens"),
        (total.cost_usd.map_or_else(|| "-".to_owned(), usd), "cost"),
        (seconds(total.latency_p50_s), p95.as_str()),
    ];
    out.push_str("<div class=\"cards\">\n");
    for (value, name) in cards {
        let _ = writeln!(
            out,
            "<div class=\"card\"><b>{}</b><span>{}</span></div>",
            escape(&value),
            escape(name)
        );
    }
    out.push_str("</div>\n");
}

fn section(out: &mut String, title: &str, svg: &str, legend: &[(&str, &str)]) {
    let _ = writeln!(out, "<section>\n<h2>{}</h2>\n{svg}", escape(title));
    if !legend.is_empty() {
        out.push_str("<p class=\"legend\">");
        for (class, text) in legend {
            let _ = write!(
                out,
                "<i style=\"background: var(--{class})\"></i>{}",
                escape(text)
            );
        }
        out.push_str("</p>\n");
    }
    out.push_str("</section>\n");
}

fn table(out: &mut String, by: &str, rows: &[Row], total: &Row) {
    out.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
    for heading in [by].into_iter().chain(crate::report::COLUMNS) {
        let _ = write!(out, "<th>{}</th>", escape(heading));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (row, class) in rows
        .iter()
        .map(|r| (r, ""))
        .chain([(total, " class=\"total\"")])
    {
        let cells = row.cells();
        let _ = write!(out, "<tr{class}>");
        for cell in cells {
            let _ = write!(out, "<td>{}</td>", escape(&cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
}

// ---- charts -------------------------------------------------------------------------------

const W: f64 = 960.0;
const LEFT: f64 = 72.0;
const RIGHT: f64 = 16.0;

/// A vertical bar chart over time: `series` gives each bar's stacked parts as (class, value).
fn time_chart(
    bars: &[(u64, Bucket)],
    width_secs: u64,
    series: &dyn Fn(&Bucket) -> Vec<(&'static str, f64)>,
    axis: &dyn Fn(f64) -> String,
    tooltip: &dyn Fn(&Bucket) -> String,
    mark_errors: bool,
) -> String {
    const H: f64 = 240.0;
    const TOP: f64 = 16.0;
    const BOTTOM: f64 = 28.0;
    if bars.is_empty() {
        return empty_chart();
    }
    let max = bars
        .iter()
        .map(|(_, b)| series(b).iter().map(|(_, v)| v).sum::<f64>())
        .fold(0.0, f64::max);
    let (step, top) = nice_axis(max);
    let plot_h = H - TOP - BOTTOM;
    let y = |v: f64| TOP + plot_h * (1.0 - v / top);
    let mut svg = format!("<svg viewBox=\"0 0 {W} {H}\" role=\"img\">\n");
    y_grid(&mut svg, step, top, &y, axis);
    let slot = (W - LEFT - RIGHT) / bars.len() as f64;
    let bar_w = (slot * 0.8).max(1.0);
    let label_every = bars.len().div_ceil(6);
    for (i, (start, bucket)) in bars.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar_w) / 2.0;
        let mut base = 0.0;
        let _ = write!(
            svg,
            "<g><title>{}</title>",
            escape(&format!(
                "{} UTC, {}: {}",
                date_time(*start),
                span_words(width_secs),
                tooltip(bucket)
            ))
        );
        for (class, value) in series(bucket) {
            if value > 0.0 {
                let (y0, y1) = (y(base), y(base + value));
                let _ = write!(
                    svg,
                    "<rect class=\"{class}\" x=\"{x:.1}\" y=\"{y1:.1}\" width=\"{bar_w:.1}\" height=\"{:.1}\"/>",
                    (y0 - y1).max(0.5)
                );
                base += value;
            }
        }
        if mark_errors && bucket.errors > 0 {
            // A red dot above each bar that had failed calls, bigger for more, so a burst of
            // errors stands out.
            let _ = write!(
                svg,
                "<circle class=\"error\" cx=\"{:.1}\" cy=\"{TOP:.1}\" r=\"{:.1}\"/>",
                x + bar_w / 2.0,
                (2.0 + (bucket.errors as f64).sqrt() * 1.5).min(TOP - 1.0)
            );
        }
        svg.push_str("</g>\n");
        if i % label_every == 0 {
            let _ = writeln!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x + bar_w / 2.0,
                H - 8.0,
                tick_time(*start, width_secs, bars)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

fn tokens_chart(bars: &[(u64, Bucket)], width: u64) -> String {
    time_chart(
        bars,
        width,
        &|b| vec![("input", b.input_tokens), ("output", b.output_tokens)],
        &compact,
        &|b| {
            format!(
                "{} calls, {} in / {} out",
                b.calls,
                compact(b.input_tokens),
                compact(b.output_tokens)
            )
        },
        false,
    )
}

fn cost_chart(bars: &[(u64, Bucket)], width: u64) -> String {
    time_chart(
        bars,
        width,
        &|b| vec![("cost", b.cost)],
        &usd_short,
        &|b| format!("{} calls, {} errors, {}", b.calls, b.errors, usd(b.cost)),
        true,
    )
}

fn cost_by_group(rows: &[Row]) -> String {
    const ROW_H: f64 = 26.0;
    let priced: Vec<&Row> = rows.iter().filter(|r| r.cost_usd.is_some()).collect();
    if priced.is_empty() {
        return empty_chart();
    }
    let max = priced.iter().filter_map(|r| r.cost_usd).fold(0.0, f64::max);
    let label_w = 230.0;
    let plot_w = W - label_w - 110.0;
    let h = ROW_H * priced.len() as f64 + 8.0;
    let mut svg = format!("<svg viewBox=\"0 0 {W} {h}\" role=\"img\">\n");
    for (i, row) in priced.iter().enumerate() {
        let cost = row.cost_usd.unwrap_or(0.0);
        let y = 4.0 + ROW_H * i as f64;
        let w = if max > 0.0 {
            (plot_w * cost / max).max(1.0)
        } else {
            1.0
        };
        let share = if max > 0.0 { cost / max } else { 0.0 };
        let _ = writeln!(
            svg,
            "<g><title>{title}</title><text class=\"label\" x=\"{lx}\" y=\"{ty:.1}\" text-anchor=\"end\">{name}</text>\
             <rect class=\"cost\" x=\"{label_w}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{bh:.1}\" fill-opacity=\"{op:.2}\"/>\
             <text x=\"{vx:.1}\" y=\"{ty:.1}\">{value}</text></g>",
            title = escape(&format!(
                "{}: {} over {} calls",
                row.key,
                usd(cost),
                row.calls
            )),
            lx = label_w - 8.0,
            ty = y + ROW_H * 0.62,
            name = escape(&truncate(&row.key, 34)),
            bh = ROW_H - 8.0,
            op = 0.55 + 0.45 * share,
            vx = label_w + w + 6.0,
            value = escape(&usd(cost)),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The most groups the latency chart draws (the costliest; the table has them all).
const MAX_BOXES: usize = 16;

fn latency_chart(rows: &[Row]) -> String {
    const ROW_H: f64 = 30.0;
    const AXIS_H: f64 = 22.0;
    let rows: Vec<&Row> = rows
        .iter()
        .filter(|r| !r.latencies_us.is_empty())
        .take(MAX_BOXES)
        .collect();
    if rows.is_empty() {
        return empty_chart();
    }
    let seconds_at = |r: &Row, p: f64| {
        crate::report::percentile(&r.latencies_us, p).map_or(1e-6, |&us| f64::from(us.max(1)) / 1e6)
    };
    let lo = rows
        .iter()
        .map(|r| seconds_at(r, 0.0))
        .fold(f64::INFINITY, f64::min);
    let hi = rows
        .iter()
        .map(|r| seconds_at(r, 100.0))
        .fold(0.0, f64::max);
    let (lo_exp, hi_exp) = (
        lo.log10().floor(),
        hi.log10().ceil().max(lo.log10().floor() + 1.0),
    );
    let label_w = 230.0;
    let plot_w = W - label_w - RIGHT;
    let x = |s: f64| label_w + plot_w * (s.log10() - lo_exp) / (hi_exp - lo_exp);
    let h = ROW_H * rows.len() as f64 + AXIS_H + 6.0;
    let mut svg = format!("<svg viewBox=\"0 0 {W} {h}\" role=\"img\">\n");
    let mut exp = lo_exp;
    while exp <= hi_exp {
        let gx = x(10f64.powf(exp));
        let _ = writeln!(
            svg,
            "<line class=\"grid\" x1=\"{gx:.1}\" x2=\"{gx:.1}\" y1=\"0\" y2=\"{:.1}\"/>\
             <text x=\"{gx:.1}\" y=\"{:.1}\" text-anchor=\"{}\">{}</text>",
            h - AXIS_H,
            h - 6.0,
            if exp == hi_exp { "end" } else { "middle" },
            power_of_ten_seconds(exp as i32)
        );
        exp += 1.0;
    }
    for (i, row) in rows.iter().enumerate() {
        let mid = 4.0 + ROW_H * i as f64 + ROW_H / 2.0 - 2.0;
        let [p5, p25, p50, p75, p95, p99] =
            [5.0, 25.0, 50.0, 75.0, 95.0, 99.0].map(|p| seconds_at(row, p));
        let _ = writeln!(
            svg,
            "<g><title>{title}</title>\
             <text class=\"label\" x=\"{lx}\" y=\"{ty:.1}\" text-anchor=\"end\">{name}</text>\
             <line class=\"whisker\" x1=\"{x5:.1}\" x2=\"{x95:.1}\" y1=\"{mid:.1}\" y2=\"{mid:.1}\"/>\
             <rect class=\"box\" x=\"{x25:.1}\" y=\"{by:.1}\" width=\"{bw:.1}\" height=\"{bh:.1}\"/>\
             <line class=\"median\" x1=\"{x50:.1}\" x2=\"{x50:.1}\" y1=\"{by:.1}\" y2=\"{bb:.1}\"/>\
             <circle class=\"p99\" cx=\"{x99:.1}\" cy=\"{mid:.1}\" r=\"3.5\"/></g>",
            title = escape(&format!(
                "{}: {} calls, p5 {}, p25 {}, p50 {}, p75 {}, p95 {}, p99 {}",
                row.key,
                row.latencies_us.len(),
                duration_words(p5),
                duration_words(p25),
                duration_words(p50),
                duration_words(p75),
                duration_words(p95),
                duration_words(p99)
            )),
            lx = label_w - 8.0,
            ty = mid + 4.0,
            name = escape(&truncate(&row.key, 34)),
            x5 = x(p5),
            x95 = x(p95),
            x25 = x(p25),
            x50 = x(p50),
            x99 = x(p99),
            by = mid - 9.0,
            bb = mid + 9.0,
            bw = (x(p75) - x(p25)).max(2.0),
            bh = 18.0,
        );
    }
    svg.push_str("</svg>");
    svg
}

fn empty_chart() -> String {
    "<p class=\"empty\">No calls to draw.</p>".to_owned()
}

fn y_grid(
    svg: &mut String,
    step: f64,
    top: f64,
    y: &dyn Fn(f64) -> f64,
    axis: &dyn Fn(f64) -> String,
) {
    let mut v = 0.0;
    while v <= top * (1.0 + 1e-9) {
        let gy = y(v);
        let _ = writeln!(
            svg,
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{gy:.1}\" y2=\"{gy:.1}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            W - RIGHT,
            LEFT - 6.0,
            gy + 4.0,
            escape(&axis(v))
        );
        v += step;
    }
}

/// A step of 1, 2 or 5 times a power of ten giving about four grid lines, and the axis top.
fn nice_axis(max: f64) -> (f64, f64) {
    if !(max > 0.0 && max.is_finite()) {
        return (1.0, 1.0);
    }
    let raw = max / 4.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    (step, (max / step).ceil() * step)
}

// ---- words and numbers ---------------------------------------------------------------------

/// `&`, `<`, `>` and quotes made safe for text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut t: String = text.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// 950, 12.3k, 4.5M, 1.2B.
fn compact(v: f64) -> String {
    let (value, suffix) = match v.abs() {
        a if a >= 1e9 => (v / 1e9, "B"),
        a if a >= 1e6 => (v / 1e6, "M"),
        a if a >= 1e3 => (v / 1e3, "k"),
        _ => return format!("{}", (v * 100.0).round() / 100.0),
    };
    let text = format!("{value:.1}");
    format!("{}{suffix}", text.strip_suffix(".0").unwrap_or(&text))
}

/// Dollars on an axis: as few digits as the step needs.
fn usd_short(v: f64) -> String {
    if v == 0.0 {
        "$0".to_owned()
    } else if v >= 1.0 {
        format!("${v:.2}")
    } else {
        usd(v)
    }
}

fn seconds(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), duration_words)
}

/// 0.4 ms, 12 ms, 1.25 s, 3.0 min.
fn duration_words(secs: f64) -> String {
    if secs < 0.001 {
        format!("{:.1} µs", secs * 1e6)
    } else if secs < 1.0 {
        format!("{} ms", (secs * 1e3 * 10.0).round() / 10.0)
    } else if secs < 120.0 {
        format!("{secs:.2} s")
    } else {
        format!("{:.1} min", secs / 60.0)
    }
}

/// A log axis tick: `1 µs` … `100 ms`, `1 s`, `10 s`, `100 s`, `1000 s`.
fn power_of_ten_seconds(exp: i32) -> String {
    match exp {
        e if e < -3 => format!("{} µs", 10u64.pow((e + 6).max(0) as u32)),
        e if e < 0 => format!("{} ms", 10u64.pow((e + 3) as u32)),
        e => format!("{} s", 10u64.pow(e.min(9) as u32)),
    }
}

/// The width of a time bucket in words: `second`, `8 seconds`, `17 minutes`, `2.3 hours`.
fn span_words(secs: u64) -> String {
    match secs {
        1 => "second".to_owned(),
        s if s < 120 => format!("{s} seconds"),
        s if s < 7200 => format!("{} minutes", (s as f64 / 60.0).round()),
        s if s < 172_800 => format!("{:.1} hours", s as f64 / 3600.0),
        s => format!("{:.1} days", s as f64 / 86_400.0),
    }
}

/// An x-axis label: the time of day, with the date when the chart spans more than a day.
fn tick_time(start: u64, width: u64, bars: &[(u64, Bucket)]) -> String {
    let range = bars.last().map_or(0, |(s, _)| s + width) - bars.first().map_or(0, |(s, _)| *s);
    let full = date_time(start);
    if range > 86_400 {
        full[5..16].to_owned()
    } else if width < 60 {
        full[11..19].to_owned()
    } else {
        full[11..16].to_owned()
    }
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of a Unix time in seconds.
pub fn date_time(unix_secs: u64) -> String {
    let days = (unix_secs / 86_400) as i64;
    let secs = unix_secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(date_time(0), "1970-01-01 00:00:00");
        assert_eq!(date_time(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(date_time(1_795_525_509), "2026-11-24 13:05:09");
    }

    #[test]
    fn log_ticks_name_their_unit() {
        let ticks: Vec<String> = (-6..=2).map(power_of_ten_seconds).collect();
        assert_eq!(
            ticks,
            [
                "1 µs", "10 µs", "100 µs", "1 ms", "10 ms", "100 ms", "1 s", "10 s", "100 s"
            ]
        );
    }

    #[test]
    fn axes_step_by_one_two_or_five() {
        assert_eq!(nice_axis(100.0), (50.0, 100.0));
        assert_eq!(nice_axis(7.0), (2.0, 8.0));
        assert_eq!(nice_axis(0.0), (1.0, 1.0));
        let (step, top) = nice_axis(0.0123);
        assert!((step - 0.005).abs() < 1e-12 && (top - 0.015).abs() < 1e-12);
    }

    #[test]
    fn the_timeline_widens_and_keeps_every_call() {
        let mut timeline = Timeline::default();
        for i in 0..10 * MAX_BUCKETS as u64 {
            let line = format!(
                r#"{{"trace_id":"1","span_id":"2","name":"chat","origin":"manual","status":"ok",
                "start_time_unix_nano":0,"end_time_unix_nano":{}}}"#,
                i * 1_000_000_000
            );
            timeline.add(&serde_json::from_str(&line).unwrap());
        }
        assert!(timeline.buckets.len() <= MAX_BUCKETS);
        let (width, bars) = timeline.bars();
        assert!(bars.len() as u64 <= MAX_BARS, "{}", bars.len());
        assert_eq!(width % timeline.width_secs, 0);
        assert_eq!(
            bars.iter().map(|(_, b)| b.calls).sum::<u64>(),
            10 * MAX_BUCKETS as u64
        );
    }

    #[test]
    fn markup_in_names_is_escaped() {
        assert_eq!(
            escape("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }
}
