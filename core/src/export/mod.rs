//! Exporters: where finished spans go. The flush thread hands each exporter the same segments.

use std::time::Instant;

use crate::span::SpanData;
use crate::stats::ExportTally;

pub mod assembly;
#[cfg(feature = "runtime")]
mod http;
pub mod otlp;
pub mod ratelimit;
pub mod sentry;
pub mod spool;
#[cfg(feature = "runtime")]
mod spotlight;
pub(crate) mod values;

/// The spans of one local root (Sentry's segment) that travel together. `root` is `None` when
/// children are exported before their root ended (on flush, close, or after waiting too long).
#[derive(Debug, Default)]
pub struct Segment {
    pub root: Option<SpanData>,
    pub children: Vec<SpanData>,
    /// Events the application captured (`capture_event`); a segment that carries them has no
    /// spans: events travel as soon as they are captured.
    pub events: Vec<crate::event::EventData>,
}

impl Segment {
    /// Its spans.
    pub fn len(&self) -> usize {
        self.children.len() + usize::from(self.root.is_some())
    }

    /// Its spans and events: what the queue counted.
    pub fn items(&self) -> usize {
        self.len() + self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Root first, then children in the order they ended.
    pub fn spans(&self) -> impl Iterator<Item = &SpanData> {
        self.root.iter().chain(self.children.iter())
    }
}

/// A destination for finished spans. Runs only on the flush thread, so it may block, within the
/// deadline it is given; it must never call back into a host language.
pub trait SpanExporter: Send {
    /// A short stable name (`sentry`, `otlp`, `spool`, …) used in counters and diagnostics.
    fn name(&self) -> &str;

    /// Delivers the segments, giving up at `deadline`. Returns what was exported and dropped.
    /// An exporter that makes one request per segment (Sentry) gives each request the budget
    /// `deadline` leaves at the start instead, so a large batch to a slow backend is not cut off,
    /// but never runs past the deadline `closing` gave.
    fn export(&mut self, segments: &[Segment], deadline: Instant) -> ExportTally;

    /// The flush thread is about to export for the last time: nothing may run past `deadline`.
    fn closing(&mut self, _deadline: Instant) {}

    /// Sends anything held back (Sentry client reports, buffered bytes) before `deadline`.
    fn flush(&mut self, _deadline: Instant) {}

    /// True while something is held back that `flush` would send.
    fn has_backlog(&self) -> bool {
        false
    }

    /// Last call before the flush thread exits.
    fn shutdown(&mut self, deadline: Instant) {
        self.flush(deadline);
    }
}

/// The exporters a resolved config asks for.
#[cfg(feature = "runtime")]
pub(crate) fn build(
    config: &crate::options::Config,
    pipeline_drops: &std::sync::Arc<crate::stats::AtomicDrops>,
) -> Result<Vec<Box<dyn SpanExporter>>, crate::options::ConfigError> {
    let mut exporters: Vec<Box<dyn SpanExporter>> = Vec::new();
    if config.dsn.is_some() || config.spotlight.is_some() {
        exporters.push(Box::new(sentry::SentryExporter::new(
            config,
            config.dsn.as_ref(),
            config.spotlight.as_deref(),
            pipeline_drops.clone(),
        )));
    }
    if let Some(otlp) = &config.otlp {
        exporters.push(Box::new(otlp::OtlpExporter::new(otlp, config)));
    }
    if let Some(spool) = &config.spool {
        exporters.push(Box::new(spool::SpoolExporter::new(spool, config)?));
    }
    Ok(exporters)
}
