//! `llmtel traces`: the most recent traces (or one by id) drawn as trees, a model call per line
//! with its model, provider, tokens, cost, duration and status.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;
use std::path::PathBuf;

use crate::spool::{self, ReadStats, SpanLine};

/// One span of a trace being drawn, owned.
struct Node {
    span_id: String,
    parent: Option<String>,
    label: String,
    start: u64,
    end: u64,
    status: String,
}

impl Node {
    fn new(span: &SpanLine<'_>) -> Node {
        Node {
            span_id: span.span_id.to_string(),
            parent: span.parent_span_id.as_ref().map(|p| p.to_string()),
            label: label(span),
            start: span.start_time_unix_nano,
            end: span.end_time_unix_nano,
            status: status(span),
        }
    }
}

/// A span as one line of text: a model call with its provider, tokens and cost; any other span
/// with its op.
pub fn label(span: &SpanLine<'_>) -> String {
    let a = &span.attributes;
    let mut label = span.name.to_string();
    if a.operation.is_some() {
        if let Some(provider) = a.provider.as_ref().or(a.system.as_ref()) {
            let _ = write!(label, "  {provider}");
        }
        match (a.input_tokens, a.output_tokens) {
            (Some(i), Some(o)) => {
                let _ = write!(label, "  {i} in / {o} out");
            }
            (Some(i), None) => {
                let _ = write!(label, "  {i} in");
            }
            (None, Some(o)) => {
                let _ = write!(label, "  {o} out");
            }
            (None, None) => {}
        }
        if let Some(cost) = a.cost {
            let _ = write!(label, "  {}", crate::report::usd(cost));
        }
    } else if let Some(op) = &span.op {
        let _ = write!(label, " ({op})");
    }
    label
}

/// `ok`, `error: message`, another status by name, or nothing for an unset status.
pub fn status(span: &SpanLine<'_>) -> String {
    match (&*span.status, &span.status_message) {
        ("error", Some(message)) => format!("error: {message}"),
        ("unset", _) => String::new(),
        (status, _) => status.to_owned(),
    }
}

/// The `last` traces by their latest end time, oldest first. One pass keeps one end time per
/// trace, keyed by the id's 128-bit value (no string per trace), never the spans.
pub fn latest(files: &[PathBuf], last: usize) -> std::io::Result<Vec<String>> {
    let mut ends: HashMap<u128, u64> = HashMap::new();
    spool::for_each_span(
        files,
        |_| {},
        |span| {
            if let Ok(id) = u128::from_str_radix(&span.trace_id, 16) {
                let end = ends.entry(id).or_default();
                *end = (*end).max(span.end_time_unix_nano);
            }
        },
    )?;
    let mut traces: Vec<(u64, u128)> = ends.into_iter().map(|(id, end)| (end, id)).collect();
    traces.sort_unstable();
    let skip = traces.len().saturating_sub(last);
    Ok(traces[skip..]
        .iter()
        .map(|(_, id)| format!("{id:032x}"))
        .collect())
}

/// Draws the given traces, oldest first; traces with no span in the spool are left out.
pub fn draw(files: &[PathBuf], ids: &[String]) -> std::io::Result<(String, ReadStats)> {
    let wanted: HashSet<&str> = ids.iter().map(String::as_str).collect();
    let mut spans: HashMap<String, Vec<Node>> = HashMap::new();
    let stats = spool::for_each_span(
        files,
        |_| {},
        |span| {
            if wanted.contains(&*span.trace_id) {
                spans
                    .entry(span.trace_id.to_string())
                    .or_default()
                    .push(Node::new(span));
            }
        },
    )?;
    let mut out = String::new();
    for id in ids {
        if let Some(nodes) = spans.remove(id) {
            if !out.is_empty() {
                out.push('\n');
            }
            let _ = writeln!(out, "trace {id}");
            tree(&mut out, nodes);
        }
    }
    Ok((out, stats))
}

/// `ok` in green and errors in red, on a terminal that takes colours (anstream strips them
/// elsewhere, and honours `NO_COLOR`).
pub fn paint_status(status: &str) -> String {
    let style = if status == "ok" {
        anstyle::AnsiColor::Green.on_default()
    } else if status.starts_with("error") {
        anstyle::AnsiColor::Red.on_default().bold()
    } else {
        return status.to_owned();
    };
    format!("{style}{status}{style:#}")
}

const MIN_WIDTH: usize = 60;

fn tree(out: &mut String, mut nodes: Vec<Node>) {
    nodes.sort_by_key(|n| n.start);
    let present: HashSet<&str> = nodes.iter().map(|n| n.span_id.as_str()).collect();
    let mut children: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        match node.parent.as_deref().filter(|p| present.contains(p)) {
            Some(parent) => children.entry(parent).or_default().push(i),
            // A root, or a span whose parent is in another process's spool or was not sampled.
            None => roots.push(i),
        }
    }
    let mut rows = Vec::new();
    for i in roots {
        rows.push((String::new(), i));
        branch(&mut rows, &nodes, &children, i, "");
    }
    // The durations line up one column after the longest label of the trace.
    let width = rows
        .iter()
        .map(|(prefix, i)| prefix.chars().count() + nodes[*i].label.chars().count())
        .max()
        .unwrap_or(0)
        .max(MIN_WIDTH);
    for (prefix, i) in rows {
        line(out, &nodes[i], &prefix, width);
    }
}

fn branch(
    rows: &mut Vec<(String, usize)>,
    nodes: &[Node],
    children: &HashMap<&str, Vec<usize>>,
    parent: usize,
    indent: &str,
) {
    let Some(kids) = children.get(nodes[parent].span_id.as_str()) else {
        return;
    };
    for (n, &i) in kids.iter().enumerate() {
        let last = n + 1 == kids.len();
        rows.push((format!("{indent}{}", if last { "└─ " } else { "├─ " }), i));
        branch(
            rows,
            nodes,
            children,
            i,
            &format!("{indent}{}", if last { "   " } else { "│  " }),
        );
    }
}

fn line(out: &mut String, node: &Node, prefix: &str, width: usize) {
    let label = format!("{prefix}{}", node.label);
    let pad = width.saturating_sub(label.chars().count());
    let secs = node.end.saturating_sub(node.start) as f64 / 1e9;
    let _ = write!(out, "{label}{:pad$} {secs:>7.2} s", "");
    if !node.status.is_empty() {
        let _ = write!(out, "  {}", paint_status(&node.status));
    }
    out.push('\n');
}
