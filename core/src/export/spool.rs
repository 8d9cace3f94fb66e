//! The local spool: JSON Lines, one span per line, exporter-neutral (schema `v: 1`, documented in
//! the README). Several processes can share a spool: each batch is appended under a lock file
//! (`spans.jsonl.lock`) that rotation takes too; the file is rotated before it would pass
//! `max_bytes`, keeping `max_files` old files, so it never fills the disk. A write that fails
//! part-way (a full disk) is cut back to whole lines, and said once on stderr.

#[cfg(feature = "runtime")]
use std::fs::{self, File, OpenOptions};
#[cfg(feature = "runtime")]
use std::io::{self, Write};
use std::path::{Path, PathBuf};
#[cfg(feature = "runtime")]
use std::time::Instant;

use serde::Serialize;

use super::values::PlainValue;
#[cfg(feature = "runtime")]
use super::{Segment, SpanExporter};
use crate::options::Config;
#[cfg(feature = "runtime")]
use crate::options::{ConfigError, SpoolConfig};
use crate::span::{SpanData, Status};
#[cfg(feature = "runtime")]
use crate::stats::{DropReason, ExportTally};

/// The spool line schema version.
pub const SCHEMA_VERSION: u32 = 1;

#[cfg(feature = "runtime")]
pub struct SpoolExporter {
    path: PathBuf,
    max_bytes: u64,
    max_files: u32,
    file: Option<File>,
    /// `spans.jsonl.lock`, opened on the first write.
    lock: Option<File>,
    resource: SpoolFormat,
    /// Said once on stderr that the spool cannot be written.
    warned: bool,
    buffer: Vec<u8>,
    /// Where each line in `buffer` ends, so rotation can fall between lines.
    line_ends: Vec<usize>,
}

/// How spans become spool lines: the resource fields every line carries. Pure, so hosts that
/// write lines themselves (the wasm build) write exactly these.
#[derive(Clone, Debug)]
pub struct SpoolFormat {
    service: String,
    environment: String,
    release: Option<String>,
}

impl SpoolFormat {
    pub fn new(config: &Config) -> Self {
        SpoolFormat {
            service: config.service_name.clone(),
            environment: config.environment.clone(),
            release: config.release.clone(),
        }
    }

    /// Appends one span as a JSON line (newline included).
    pub fn write_line(&self, out: &mut Vec<u8>, span: &SpanData) {
        serde_json::to_writer(&mut *out, &SpoolLine::new(span, self)).expect("a span serializes");
        out.push(b'\n');
    }
}

#[cfg(feature = "runtime")]
impl SpoolExporter {
    /// Creates the spool's folder now, so a path that cannot be used fails at init.
    pub(crate) fn new(spool: &SpoolConfig, config: &Config) -> Result<Self, ConfigError> {
        if let Some(dir) = spool.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| {
                ConfigError::new("spool", format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        if spool.path.is_dir() {
            return Err(ConfigError::new(
                "spool",
                format!("{} is a directory, not a file", spool.path.display()),
            ));
        }
        Ok(SpoolExporter {
            path: spool.path.clone(),
            max_bytes: spool.max_bytes,
            max_files: spool.max_files,
            file: None,
            lock: None,
            resource: SpoolFormat::new(config),
            warned: false,
            buffer: Vec::new(),
            line_ends: Vec::new(),
        })
    }

    /// The open file, reopened when another process rotated or removed it.
    fn file(&mut self) -> io::Result<&mut File> {
        let stale = match (&self.file, fs::metadata(&self.path)) {
            (Some(file), Ok(on_disk)) => !same_file(&file.metadata()?, &on_disk),
            (Some(_), Err(_)) | (None, _) => true,
        };
        if stale {
            self.file = Some(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.path)?,
            );
        }
        Ok(self.file.as_mut().expect("opened above"))
    }

    fn rotate(&mut self) -> io::Result<()> {
        self.file = None;
        if self.max_files == 0 {
            return match fs::remove_file(&self.path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            };
        }
        let numbered = |n: u32| rotated_path(&self.path, n);
        let _ = fs::remove_file(numbered(self.max_files));
        for n in (1..self.max_files).rev() {
            let _ = fs::rename(numbered(n), numbered(n + 1));
        }
        match fs::rename(&self.path, numbered(1)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Appends the buffered lines, rotating between lines so no file passes `max_bytes` (a
    /// single line larger than that gets a file of its own). Other processes sharing the spool
    /// take the same lock, so sizes, rotations and appends never interleave. Returns how many
    /// lines are on disk: a write that fails part-way is cut back to the last whole line.
    fn write_batch(&mut self) -> (u64, io::Result<()>) {
        let locked = self.lock();
        let buffer = std::mem::take(&mut self.buffer);
        let line_ends = std::mem::take(&mut self.line_ends);
        let mut written = 0u64;
        let result = self.write_lines(&buffer, &line_ends, &mut written);
        self.buffer = buffer;
        self.line_ends = line_ends;
        if let (true, Some(lock)) = (locked, &self.lock) {
            let _ = lock.unlock();
        }
        (written, result)
    }

    /// Locks the spool's lock file (`spans.jsonl.lock`); false when it cannot be had (the
    /// writes then go ahead unlocked and say themselves whether the folder is usable).
    fn lock(&mut self) -> bool {
        if self.lock.is_none() {
            let mut path = self.path.as_os_str().to_owned();
            path.push(".lock");
            self.lock = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(PathBuf::from(path))
                .ok();
        }
        self.lock.as_ref().is_some_and(|lock| lock.lock().is_ok())
    }

    fn write_lines(
        &mut self,
        buffer: &[u8],
        line_ends: &[usize],
        written: &mut u64,
    ) -> io::Result<()> {
        let mut size = self.file()?.metadata()?.len();
        let mut start = 0;
        let mut lines = line_ends.iter().copied().peekable();
        loop {
            // The longest run of whole lines that still fits.
            let mut end = start;
            let mut run = 0u64;
            while let Some(&next) = lines.peek() {
                if size + (next - start) as u64 > self.max_bytes {
                    break;
                }
                end = next;
                run += 1;
                lines.next();
            }
            if end == start {
                match lines.peek() {
                    None => return Ok(()),
                    Some(_) if size > 0 => {
                        self.rotate()?;
                        size = self.file()?.metadata()?.len();
                        continue;
                    }
                    Some(&next) => {
                        end = next;
                        run = 1;
                        lines.next();
                    }
                }
            }
            let file = self.file()?;
            if let Err(e) = file.write_all(&buffer[start..end]) {
                // Whole lines or none: a half line would glue itself to the next writer's first.
                // Keep the lines that landed whole, cut the rest.
                let landed = file.metadata().map_or(0, |m| m.len().saturating_sub(size));
                let whole: Vec<usize> = line_ends
                    .iter()
                    .copied()
                    .filter(|&e| e > start && e <= end && ((e - start) as u64) <= landed)
                    .collect();
                let keep = whole.last().map_or(0, |&e| e - start) as u64;
                if file.set_len(size + keep).is_ok() {
                    *written += whole.len() as u64;
                }
                return Err(e);
            }
            size += (end - start) as u64;
            *written += run;
            start = end;
        }
    }
}

/// `spans.jsonl.1`, `spans.jsonl.2`, …: rotated files, 1 the newest.
pub fn rotated_path(path: &Path, n: u32) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

#[cfg(all(unix, feature = "runtime"))]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(all(not(unix), feature = "runtime"))]
fn same_file(_: &fs::Metadata, _: &fs::Metadata) -> bool {
    true
}

#[cfg(feature = "runtime")]
impl SpanExporter for SpoolExporter {
    fn name(&self) -> &str {
        "spool"
    }

    fn export(&mut self, segments: &[Segment], _deadline: Instant) -> ExportTally {
        self.buffer.clear();
        self.line_ends.clear();
        let mut count = 0u64;
        for span in segments.iter().flat_map(Segment::spans) {
            self.resource.write_line(&mut self.buffer, span);
            self.line_ends.push(self.buffer.len());
            count += 1;
        }
        if count == 0 {
            return ExportTally::default();
        }
        let (written, result) = self.write_batch();
        let mut tally = ExportTally::exported(written);
        if let Err(e) = result {
            if !self.warned {
                self.warned = true;
                // Straight to the stream (not `eprintln!`, which a test harness captures).
                let _ = writeln!(
                    io::stderr(),
                    "llmtel: cannot write the spool {}: {e}; spans are dropped (and counted) until it can be written",
                    self.path.display()
                );
            }
            self.file = None;
            tally
                .dropped
                .add(DropReason::SendError, count.saturating_sub(written));
        }
        tally
    }

    fn flush(&mut self, _deadline: Instant) {
        if let Some(file) = &mut self.file {
            let _ = file.flush();
        }
    }
}

/// One spool line. Field names follow OTLP where it has one.
#[derive(Serialize)]
struct SpoolLine<'a> {
    v: u32,
    trace_id: String,
    span_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent_span_id: Option<String>,
    segment_id: String,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    op: Option<&'a str>,
    origin: &'a str,
    kind: &'static str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_message: Option<&'a str>,
    start_time_unix_nano: u64,
    end_time_unix_nano: u64,
    attributes: Attributes<'a>,
    service: &'a str,
    environment: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    release: Option<&'a str>,
}

impl<'a> SpoolLine<'a> {
    fn new(span: &'a SpanData, resource: &'a SpoolFormat) -> Self {
        let (status, error_code, status_message) = match &span.status {
            Status::Unset => ("unset", None, None),
            Status::Ok => ("ok", None, None),
            Status::Error { code, message } => ("error", Some(code.as_str()), message.as_deref()),
        };
        SpoolLine {
            v: SCHEMA_VERSION,
            trace_id: span.trace_id.to_hex(),
            span_id: span.span_id.to_hex(),
            parent_span_id: span.parent_span_id.map(|p| p.to_hex()),
            segment_id: span.segment_id.to_hex(),
            name: &span.name,
            op: span.op.as_deref(),
            origin: &span.origin,
            kind: span.kind.as_str(),
            status,
            error_code,
            status_message,
            start_time_unix_nano: span.start_time_unix_nano,
            end_time_unix_nano: span.end_time_unix_nano,
            attributes: Attributes(span),
            service: &resource.service,
            environment: &resource.environment,
            release: resource.release.as_deref(),
        }
    }
}

struct Attributes<'a>(&'a SpanData);

impl Serialize for Attributes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.attributes.len()))?;
        for (key, value) in self.0.attributes.iter() {
            map.serialize_entry(key, &PlainValue(value))?;
        }
        map.end()
    }
}
