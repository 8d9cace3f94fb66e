//! Reading the spool: the live file and its rotated siblings, oldest first, one line at a time,
//! so a spool of any size streams through in bounded memory. Lines that are not a span (a
//! truncated last line after a crash, non-UTF-8 bytes, foreign JSON) are counted, not fatal.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The fields of a spool line (schema v1, see the README) that the reports read.
#[derive(Deserialize)]
pub struct SpanLine<'a> {
    #[serde(borrow)]
    pub trace_id: Cow<'a, str>,
    #[serde(borrow)]
    pub span_id: Cow<'a, str>,
    #[serde(borrow, default)]
    pub parent_span_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub name: Cow<'a, str>,
    #[serde(borrow, default)]
    pub op: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub origin: Cow<'a, str>,
    #[serde(borrow)]
    pub status: Cow<'a, str>,
    #[serde(borrow, default)]
    pub status_message: Option<Cow<'a, str>>,
    pub start_time_unix_nano: u64,
    pub end_time_unix_nano: u64,
    #[serde(borrow, default)]
    pub attributes: GenAiAttributes<'a>,
}

impl SpanLine<'_> {
    /// A model call: a GenAI span that is not an agent, workflow or tool span (an agent's
    /// tokens and cost are the sums of its model calls', which would count them twice).
    pub fn is_model_call(&self) -> bool {
        self.attributes.operation.as_deref().is_some_and(|op| {
            !matches!(
                op,
                "invoke_agent" | "create_agent" | "invoke_workflow" | "execute_tool"
            )
        })
    }
}

/// The GenAI attributes the report aggregates (conventions.md); everything else is skipped.
#[derive(Deserialize, Default)]
pub struct GenAiAttributes<'a> {
    #[serde(borrow, rename = "gen_ai.operation.name")]
    pub operation: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "gen_ai.provider.name")]
    pub provider: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "gen_ai.system")]
    pub system: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "gen_ai.request.model")]
    pub request_model: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "gen_ai.response.model")]
    pub response_model: Option<Cow<'a, str>>,
    #[serde(rename = "gen_ai.usage.input_tokens")]
    pub input_tokens: Option<f64>,
    #[serde(rename = "gen_ai.usage.output_tokens")]
    pub output_tokens: Option<f64>,
    #[serde(rename = "gen_ai.usage.cache_read.input_tokens")]
    pub cached_tokens: Option<f64>,
    #[serde(rename = "gen_ai.usage.reasoning.output_tokens")]
    pub reasoning_tokens: Option<f64>,
    #[serde(rename = "gen_ai.cost.total_tokens")]
    pub cost: Option<f64>,
    #[serde(rename = "gen_ai.response.time_to_first_chunk")]
    pub time_to_first_chunk: Option<f64>,
    #[serde(rename = "gen_ai.response.tokens_per_second")]
    pub tokens_per_second: Option<f64>,
}

/// The files of a spool, oldest first: `spans.jsonl.N` … `spans.jsonl.1`, then `spans.jsonl`.
/// Only those that exist are returned.
pub fn files(spool: &Path) -> Vec<PathBuf> {
    let mut rotated = Vec::new();
    for n in 1.. {
        let mut name = spool.as_os_str().to_owned();
        name.push(format!(".{n}"));
        let path = PathBuf::from(name);
        if !path.is_file() {
            break;
        }
        rotated.push(path);
    }
    rotated.reverse();
    if spool.is_file() {
        rotated.push(spool.to_path_buf());
    }
    rotated
}

/// What a pass over the spool found besides the spans it handed on.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReadStats {
    pub files: usize,
    pub lines: u64,
    pub bad_lines: u64,
    pub bytes: u64,
}

/// Calls `each` for every span line of the spool's files, oldest first; `progress` gets the bytes
/// read so far after every line. I/O errors end the pass and name the file.
pub fn for_each_span(
    files: &[PathBuf],
    mut progress: impl FnMut(u64),
    mut each: impl FnMut(&SpanLine<'_>),
) -> io::Result<ReadStats> {
    let mut stats = ReadStats::default();
    let mut line = Vec::with_capacity(4096);
    for path in files {
        let file = File::open(path).map_err(|e| read_error(path, e))?;
        stats.files += 1;
        let mut reader = BufReader::with_capacity(1 << 20, file);
        loop {
            line.clear();
            let n = reader
                .read_until(b'\n', &mut line)
                .map_err(|e| read_error(path, e))?;
            if n == 0 {
                break;
            }
            stats.bytes += n as u64;
            match parse(&line) {
                Line::Blank => continue,
                Line::Span(span) => each(&span),
                Line::Bad => stats.bad_lines += 1,
            }
            stats.lines += 1;
            progress(stats.bytes);
        }
    }
    Ok(stats)
}

/// One line of a spool file, with or without its line ending.
// Returned once per line and matched at once, never stored: boxing the span would cost an
// allocation per line of a million-line spool.
#[allow(clippy::large_enum_variant)]
pub enum Line<'a> {
    Blank,
    Span(SpanLine<'a>),
    /// Not a span: cut off by a crash, not UTF-8, or other JSON.
    Bad,
}

pub fn parse(line: &[u8]) -> Line<'_> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Line::Blank;
    }
    match std::str::from_utf8(line)
        .ok()
        .and_then(|t| serde_json::from_str::<SpanLine<'_>>(t).ok())
    {
        Some(span) => Line::Span(span),
        None => Line::Bad,
    }
}

/// An I/O error that names the file it happened on.
pub fn read_error(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("cannot read {}: {e}", path.display()))
}
