//! Counters of what happened to finished spans: queued, exported per exporter, dropped by reason.

use std::sync::atomic::{AtomicU64, Ordering};

/// Why a span was not delivered. The first nine are Sentry's client-report reasons, spelled as
/// Sentry spells them; `AfterClose` is local only (nothing is left to report it to).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DropReason {
    QueueOverflow,
    SampleRate,
    BeforeSend,
    EventProcessor,
    RatelimitBackoff,
    NetworkError,
    SendError,
    InternalSdkError,
    BufferOverflow,
    AfterClose,
}

impl DropReason {
    pub const ALL: [DropReason; 10] = [
        DropReason::QueueOverflow,
        DropReason::SampleRate,
        DropReason::BeforeSend,
        DropReason::EventProcessor,
        DropReason::RatelimitBackoff,
        DropReason::NetworkError,
        DropReason::SendError,
        DropReason::InternalSdkError,
        DropReason::BufferOverflow,
        DropReason::AfterClose,
    ];
    const COUNT: usize = Self::ALL.len();

    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::QueueOverflow => "queue_overflow",
            DropReason::SampleRate => "sample_rate",
            DropReason::BeforeSend => "before_send",
            DropReason::EventProcessor => "event_processor",
            DropReason::RatelimitBackoff => "ratelimit_backoff",
            DropReason::NetworkError => "network_error",
            DropReason::SendError => "send_error",
            DropReason::InternalSdkError => "internal_sdk_error",
            DropReason::BufferOverflow => "buffer_overflow",
            DropReason::AfterClose => "after_close",
        }
    }

    /// Whether Sentry accepts this reason in a client report.
    pub fn is_reportable(self) -> bool {
        self != DropReason::AfterClose
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A plain snapshot of drop counts by reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DropCounts([u64; DropReason::COUNT]);

impl DropCounts {
    pub fn get(&self, reason: DropReason) -> u64 {
        self.0[reason.index()]
    }

    pub fn add(&mut self, reason: DropReason, n: u64) {
        self.0[reason.index()] += n;
    }

    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// Non-zero counts only.
    pub fn iter(&self) -> impl Iterator<Item = (DropReason, u64)> + '_ {
        DropReason::ALL
            .into_iter()
            .map(|r| (r, self.get(r)))
            .filter(|(_, n)| *n > 0)
    }
}

/// Atomic drop counters: spans, and of those how many were local roots (Sentry transactions).
#[derive(Default)]
pub(crate) struct AtomicDrops {
    spans: [AtomicU64; DropReason::COUNT],
    segments: [AtomicU64; DropReason::COUNT],
}

impl AtomicDrops {
    pub fn add(&self, reason: DropReason, spans: u64, segments: u64) {
        self.spans[reason.index()].fetch_add(spans, Ordering::Relaxed);
        if segments > 0 {
            self.segments[reason.index()].fetch_add(segments, Ordering::Relaxed);
        }
    }

    pub fn spans(&self) -> DropCounts {
        DropCounts(std::array::from_fn(|i| {
            self.spans[i].load(Ordering::Relaxed)
        }))
    }

    pub fn segments(&self) -> DropCounts {
        DropCounts(std::array::from_fn(|i| {
            self.segments[i].load(Ordering::Relaxed)
        }))
    }
}

/// Counters one exporter keeps.
#[cfg(feature = "runtime")]
pub(crate) struct ExporterCounters {
    pub name: String,
    pub exported: AtomicU64,
    pub dropped: AtomicDrops,
}

#[cfg(feature = "runtime")]
impl ExporterCounters {
    pub fn new(name: &str) -> Self {
        ExporterCounters {
            name: name.to_owned(),
            exported: AtomicU64::new(0),
            dropped: AtomicDrops::default(),
        }
    }
}

/// What one exporter did with the spans it was given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExporterStats {
    pub name: String,
    pub exported: u64,
    pub dropped: DropCounts,
}

/// A snapshot of the client's counters (`Client::stats`). Counters restart in a forked child.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stats {
    /// Sampled spans that ended and entered the queue.
    pub queued: u64,
    /// Spans dropped before any exporter saw them (sampling, before-send, full queue, …).
    /// Sampled-out local roots count here once each; their unsampled children are free.
    pub dropped: DropCounts,
    /// Per exporter: spans delivered and spans it finally gave up on.
    pub exporters: Vec<ExporterStats>,
    /// Attribute values a host handed over that have no attribute form (a `None`, an object),
    /// dropped from their span.
    pub invalid_attributes: u64,
}

impl Stats {
    pub fn exporter(&self, name: &str) -> Option<&ExporterStats> {
        self.exporters.iter().find(|e| e.name == name)
    }

    /// Spans delivered, summed over the exporters.
    pub fn exported_total(&self) -> u64 {
        self.exporters.iter().map(|e| e.exported).sum()
    }

    /// Spans dropped by reason, before the queue and by every exporter.
    pub fn dropped_total(&self) -> DropCounts {
        let mut total = self.dropped;
        for exporter in &self.exporters {
            for (reason, n) in exporter.dropped.iter() {
                total.add(reason, n);
            }
        }
        total
    }
}

/// The tally an exporter returns for one call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExportTally {
    pub exported: u64,
    pub dropped: DropCounts,
}

impl ExportTally {
    pub fn exported(n: u64) -> Self {
        ExportTally {
            exported: n,
            ..Default::default()
        }
    }

    pub fn dropped(reason: DropReason, n: u64) -> Self {
        let mut t = ExportTally::default();
        t.dropped.add(reason, n);
        t
    }

    pub fn merge(&mut self, other: ExportTally) {
        self.exported += other.exported;
        for (r, n) in other.dropped.iter() {
            self.dropped.add(r, n);
        }
    }
}
