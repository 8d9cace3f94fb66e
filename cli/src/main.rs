//! `llmtel`: what the LLM calls recorded in the local spool cost and how they behaved.
//!
//! Exit codes: 0 on success (also when the spool is missing or holds no model calls, which is
//! said on one line), 1 when the spool cannot be read (or the HTML report written), 2 on a usage
//! error.

mod html;
mod report;
mod spool;
mod tail;
mod traces;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand};
use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use report::{GroupBy, Report, Row};

#[derive(Parser)]
#[command(
    name = "llmtel",
    version,
    about = "Reports on the LLM calls llmtel recorded"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Calls, errors, tokens, cost and latency per model (or provider, operation, origin).
    Report(ReportArgs),
    /// The latest traces drawn as trees, one model call per line.
    Traces(TracesArgs),
    /// Follows the spool and prints each model call as it lands (Ctrl-C stops).
    Tail(TailArgs),
}

#[derive(clap::Args)]
struct TailArgs {
    #[command(flatten)]
    spool: SpoolArg,
    /// Print the calls already in the spool first, then follow.
    #[arg(long)]
    from_start: bool,
}

#[derive(clap::Args)]
struct SpoolArg {
    /// The spool to read; its rotated files (`PATH.1`, `PATH.2`, …) are read too.
    #[arg(long, env = "LLMTEL_SPOOL", default_value = ".llmtel/spans.jsonl")]
    spool: PathBuf,
}

#[derive(clap::Args)]
struct TracesArgs {
    #[command(flatten)]
    spool: SpoolArg,
    /// How many of the most recent traces to draw.
    #[arg(long, default_value_t = 5)]
    last: usize,
    /// Draw this trace only (32 hex digits).
    #[arg(long, value_parser = parse_trace_id)]
    trace: Option<String>,
}

#[derive(clap::Args)]
struct ReportArgs {
    #[command(flatten)]
    spool: SpoolArg,
    /// Only calls that ended within this long before now: `90s`, `30m`, `12h`, `7d`.
    #[arg(long, value_parser = parse_since)]
    since: Option<Since>,
    /// What one row of the table is.
    #[arg(long, value_enum, default_value = "model")]
    by: GroupBy,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Also write the report as one self-contained HTML page with charts to this file.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Report(args) => run_report(&args),
        Command::Traces(args) => run_traces(&args),
        Command::Tail(args) => run_tail(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("llmtel: {e}");
            ExitCode::from(1)
        }
    }
}

/// The spool's files, or `None` (said on stderr) when there is no spool yet.
fn spool_files(spool: &SpoolArg) -> Option<Vec<PathBuf>> {
    let files = spool::files(&spool.spool);
    if files.is_empty() {
        eprintln!(
            "llmtel: no spool at {} yet: nothing has been recorded there (see --spool)",
            spool.spool.display()
        );
        return None;
    }
    Some(files)
}

fn warn_skipped(stats: &spool::ReadStats) {
    if stats.bad_lines > 0 {
        eprintln!(
            "llmtel: skipped {} of {} lines that are not spans (cut off by a crash, or corrupt)",
            stats.bad_lines, stats.lines
        );
    }
}

fn run_traces(args: &TracesArgs) -> std::io::Result<()> {
    let Some(files) = spool_files(&args.spool) else {
        return Ok(());
    };
    let ids = match &args.trace {
        Some(id) => vec![id.clone()],
        None => traces::latest(&files, args.last)?,
    };
    let (text, stats) = traces::draw(&files, &ids)?;
    warn_skipped(&stats);
    if text.is_empty() {
        emit(&match &args.trace {
            Some(id) => format!("no trace {id} in {}", args.spool.spool.display()),
            None => format!("no traces in {}", args.spool.spool.display()),
        });
    } else {
        emit(text.trim_end());
    }
    Ok(())
}

fn run_tail(args: &TailArgs) -> std::io::Result<()> {
    let path = &args.spool.spool;
    let mut follower = tail::Follower::new(path, args.from_start)?;
    if !path.exists() {
        eprintln!("llmtel: waiting for {} to be written", path.display());
    }
    let mut bad_lines = 0u64;
    let mut out = anstream::stdout();
    loop {
        let mut written = Ok(());
        let read_any = follower.poll(&mut |seen| match seen {
            tail::Seen::Call(span) if written.is_ok() => {
                let secs = span
                    .end_time_unix_nano
                    .saturating_sub(span.start_time_unix_nano) as f64
                    / 1e9;
                written = writeln!(
                    out,
                    "{}  {:<58} {secs:>7.2} s  {}",
                    tail::clock(span.end_time_unix_nano),
                    traces::label(span),
                    traces::paint_status(&traces::status(span)),
                );
            }
            tail::Seen::Call(_) => {}
            tail::Seen::Bad => bad_lines += 1,
        })?;
        match written {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            Err(e) => {
                eprintln!("llmtel: cannot write: {e}");
                return Ok(());
            }
            Ok(()) => {}
        }
        if bad_lines > 0 {
            eprintln!("llmtel: skipped {bad_lines} lines that are not spans");
            bad_lines = 0;
        }
        if !read_any {
            std::thread::sleep(tail::POLL);
        }
    }
}

fn run_report(args: &ReportArgs) -> std::io::Result<()> {
    let Some(files) = spool_files(&args.spool) else {
        if args.json {
            print_json(args, &[], None, &spool::ReadStats::default());
        }
        return Ok(());
    };
    let total_bytes: u64 = files
        .iter()
        .filter_map(|f| f.metadata().ok())
        .map(|m| m.len())
        .sum();
    let bar = progress_bar(total_bytes);
    let cutoff = args.since.as_ref().map(|since| {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        now.saturating_sub(since.duration).as_nanos() as u64
    });

    let mut report = Report::default();
    let mut timeline = html::Timeline::default();
    let mut last_drawn = 0;
    let stats = spool::for_each_span(
        &files,
        |bytes| {
            if bytes - last_drawn >= 1 << 20 {
                bar.set_position(bytes);
                last_drawn = bytes;
            }
        },
        |span| {
            if cutoff.is_some_and(|c| span.end_time_unix_nano < c) {
                return;
            }
            if let Some(key) = report::key(span, args.by) {
                report.add(key, span);
                if args.html.is_some() {
                    timeline.add(span);
                }
            }
        },
    )?;
    bar.finish_and_clear();

    let (rows, total) = report.finish();
    warn_skipped(&stats);
    if args.json {
        print_json(args, &rows, Some(&total), &stats);
    } else if rows.is_empty() {
        emit(&format!(
            "no model calls in {}{}",
            args.spool.spool.display(),
            if args.since.is_some() {
                " in that time"
            } else {
                ""
            }
        ));
    } else {
        emit(&table(args.by, &rows, &total).to_string());
    }
    if let Some(path) = &args.html {
        let page = html::Page {
            spool: &args.spool.spool.display().to_string(),
            by: args.by.name(),
            since: args.since.as_ref().map(|s| s.text.as_str()),
            skipped_lines: stats.bad_lines,
        };
        std::fs::write(path, html::render(&page, &rows, &total, &timeline)).map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display()))
        })?;
        eprintln!("llmtel: HTML report written to {}", path.display());
    }
    Ok(())
}

/// Prints a result; a reader that went away (`llmtel report | head`) is not an error.
fn emit(text: &str) {
    let mut out = anstream::stdout().lock();
    if let Err(e) = writeln!(out, "{text}").and_then(|()| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("llmtel: cannot write the report: {e}");
    }
}

fn progress_bar(total_bytes: u64) -> ProgressBar {
    // Only large spools on a terminal get a bar; pipes and small files stay quiet.
    if total_bytes < 64 << 20 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "reading the spool {wide_bar} {binary_bytes}/{binary_total_bytes} {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}

fn print_json(args: &ReportArgs, rows: &[Row], total: Option<&Row>, stats: &spool::ReadStats) {
    let out = serde_json::json!({
        "spool": args.spool.spool,
        "by": args.by.name(),
        "files": stats.files,
        "lines": stats.lines,
        "skipped_lines": stats.bad_lines,
        "groups": rows,
        "total": total,
    });
    emit(&format!("{out:#}"));
}

fn table(by: GroupBy, rows: &[Row], total: &Row) -> Table {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    table.set_header([by.name()].into_iter().chain(report::COLUMNS));
    for row in rows.iter().chain([total]) {
        let cells = row.cells();
        table.add_row(cells.into_iter().enumerate().map(|(i, text)| {
            let cell = Cell::new(text);
            if i == 0 {
                cell
            } else {
                cell.set_alignment(CellAlignment::Right)
            }
        }));
    }
    table
}

fn parse_trace_id(text: &str) -> Result<String, String> {
    let id = text.trim().to_ascii_lowercase();
    if id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(id)
    } else {
        Err(format!("{text:?} is not a trace id (32 hex digits)"))
    }
}

/// `--since`: the duration, and the words it was given in (for the HTML report's heading).
#[derive(Clone)]
struct Since {
    duration: Duration,
    text: String,
}

fn parse_since(text: &str) -> Result<Since, String> {
    Ok(Since {
        duration: parse_duration(text)?,
        text: text.trim().to_owned(),
    })
}

/// `90s`, `30m`, `12h`, `7d`, `2w`: a whole number and one unit.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{text:?} has no unit; write e.g. 30m, 12h or 7d"))?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} does not start with a whole number"))?;
    let unit_secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => {
            return Err(format!(
                "unknown unit {unit:?} in {text:?}; use s, m, h, d or w"
            ));
        }
    };
    number
        .checked_mul(unit_secs)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("{text:?} is too long"))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_parse_and_bad_ones_are_named() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert!(parse_duration("30").unwrap_err().contains("no unit"));
        assert!(parse_duration("3y").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("h").unwrap_err().contains("whole number"));
    }
}
