//! `llmtel tail`: follows the spool and prints each model call as its line lands.
//!
//! The spool is polled, not watched: the writer appends whole lines, and rotation renames the
//! live file to `.1` and starts a new one. A half-written line waits for its newline; a rotation
//! (the path names another file) or a truncation (the file got shorter) drains what is left of
//! the old file, then starts the new one from its first byte.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::spool::{self, Line, SpanLine};

/// What a followed line turned out to be.
pub enum Seen<'a> {
    Call(&'a SpanLine<'a>),
    Bad,
}

/// The file being followed, and the bytes of a line not yet ended by a newline.
pub struct Follower {
    path: PathBuf,
    file: Option<(File, u64)>,
    offset: u64,
    partial: Vec<u8>,
}

impl Follower {
    /// Follows `path` from its current end, or from its start when `from_start`.
    pub fn new(path: &Path, from_start: bool) -> io::Result<Follower> {
        let mut follower = Follower {
            path: path.to_path_buf(),
            file: None,
            offset: 0,
            partial: Vec::new(),
        };
        if follower.open()?
            && !from_start
            && let Some((file, _)) = &mut follower.file
        {
            follower.offset = file.seek(SeekFrom::End(0))?;
        }
        Ok(follower)
    }

    /// Opens the path afresh; `false` when there is nothing there yet.
    fn open(&mut self) -> io::Result<bool> {
        self.partial.clear();
        self.offset = 0;
        self.file = match File::open(&self.path) {
            Ok(file) => {
                let inode = file.metadata()?.ino();
                Some((file, inode))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(spool::read_error(&self.path, e)),
        };
        Ok(self.file.is_some())
    }

    /// Hands every complete new line to `each`; returns whether any were read.
    pub fn poll(&mut self, each: &mut impl FnMut(Seen<'_>)) -> io::Result<bool> {
        if self.file.is_none() && !self.open()? {
            return Ok(false);
        }
        let mut read_any = self.drain(each)?;
        // Rotated (the path is another file now, or gone) or truncated: start over on the new file.
        let replaced = match (std::fs::metadata(&self.path), &self.file) {
            (Ok(meta), Some((_, inode))) => meta.ino() != *inode || meta.len() < self.offset,
            (Err(e), _) if e.kind() == io::ErrorKind::NotFound => true,
            (Err(e), _) => return Err(spool::read_error(&self.path, e)),
            (Ok(_), None) => true,
        };
        if replaced && self.open()? {
            read_any |= self.drain(each)?;
        }
        Ok(read_any)
    }

    fn drain(&mut self, each: &mut impl FnMut(Seen<'_>)) -> io::Result<bool> {
        let Some((file, _)) = &mut self.file else {
            return Ok(false);
        };
        let mut new = Vec::new();
        file.seek(SeekFrom::Start(self.offset))
            .and_then(|_| file.read_to_end(&mut new))
            .map_err(|e| spool::read_error(&self.path, e))?;
        self.offset += new.len() as u64;
        self.partial.extend_from_slice(&new);
        let Some(last_newline) = self.partial.iter().rposition(|&b| b == b'\n') else {
            return Ok(false);
        };
        let rest = self.partial.split_off(last_newline + 1);
        let complete = std::mem::replace(&mut self.partial, rest);
        for line in complete.split(|&b| b == b'\n') {
            match spool::parse(line) {
                Line::Span(span) if span.is_model_call() => each(Seen::Call(&span)),
                Line::Span(_) | Line::Blank => {}
                Line::Bad => each(Seen::Bad),
            }
        }
        Ok(true)
    }
}

/// How long `llmtel tail` sleeps between looks at the spool when nothing new came.
pub const POLL: Duration = Duration::from_millis(200);

/// `HH:MM:SS` (UTC) of a span's end.
pub fn clock(unix_nano: u64) -> String {
    let secs = unix_nano / 1_000_000_000 % 86_400;
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::clock;

    #[test]
    fn clock_is_utc_time_of_day() {
        // 2026-11-24T13:05:09Z
        assert_eq!(clock(1_795_525_509_000_000_000), "13:05:09");
        assert_eq!(clock(0), "00:00:00");
    }
}
