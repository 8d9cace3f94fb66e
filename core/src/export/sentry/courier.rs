//! What a Sentry upstream does between building envelopes and the network, without the
//! network: rate limits per category, client reports for what was dropped, and accounting for
//! each answer. The native exporter (`delivery`) sends with ureq on the flush thread; the wasm
//! build's JavaScript side sends with `fetch`. Time is the caller's (see `ratelimit::Moment`).

use std::collections::BTreeMap;
use std::time::Duration;

use super::{Category, EnvelopeHeader, EnvelopeSettings, SegmentEnvelope, write_envelope};
use crate::clock;
use crate::export::ratelimit::{Moment, RateLimits};
use crate::stats::{AtomicDrops, DropCounts, DropReason, ExportTally};

/// Discarded-event counts keyed by (reason, category).
type Discards = BTreeMap<(&'static str, &'static str), u64>;

/// Discarded-event counts waiting to be reported.
#[derive(Debug, Default)]
struct ClientReports {
    pending: Discards,
    /// Pipeline drop counts already turned into reports.
    seen_spans: DropCounts,
    seen_segments: DropCounts,
}

impl ClientReports {
    fn add(&mut self, reason: DropReason, category: Category, quantity: u64) {
        if quantity > 0 && reason.is_reportable() {
            *self
                .pending
                .entry((reason.as_str(), category.as_str()))
                .or_default() += quantity;
        }
    }

    /// Records an item that was not delivered: a transaction counts itself and its spans, an
    /// error event counts one error.
    fn add_item(&mut self, reason: DropReason, category: Category, spans: u64) {
        match category {
            Category::Transaction => self.add(reason, Category::Transaction, 1),
            Category::Error => self.add(reason, Category::Error, 1),
            Category::Span => {}
        }
        self.add(reason, Category::Span, spans);
    }

    /// Turns new pipeline-level drops (sampling, before-send, full queue, …) into reports.
    fn sync(&mut self, drops: &AtomicDrops) {
        let (spans, segments) = (drops.spans(), drops.segments());
        for reason in DropReason::ALL {
            let new_spans = spans.get(reason) - self.seen_spans.get(reason);
            let new_segments = segments.get(reason) - self.seen_segments.get(reason);
            self.add(reason, Category::Span, new_spans);
            self.add(reason, Category::Transaction, new_segments);
        }
        self.seen_spans = spans;
        self.seen_segments = segments;
    }

    #[cfg(feature = "runtime")]
    fn has_new(&self, drops: &AtomicDrops) -> bool {
        !self.pending.is_empty()
            || drops.spans() != self.seen_spans
            || drops.segments() != self.seen_segments
    }

    /// Takes the pending counts as a `client_report` payload.
    fn take(&mut self) -> Option<(Vec<u8>, Discards)> {
        if self.pending.is_empty() {
            return None;
        }
        let taken = std::mem::take(&mut self.pending);
        let discarded: Vec<_> = taken
            .iter()
            .map(|((reason, category), quantity)| {
                serde_json::json!({"reason": reason, "category": category, "quantity": quantity})
            })
            .collect();
        let now = clock::now_unix_nano() as f64 / 1e9;
        let payload = serde_json::to_vec(&serde_json::json!({
            "timestamp": now,
            "discarded_events": discarded,
        }))
        .expect("a client report serializes");
        Some((payload, taken))
    }

    fn restore(&mut self, taken: Discards) {
        for (key, n) in taken {
            *self.pending.entry(key).or_default() += n;
        }
    }
}

/// An envelope on its way out, with what is needed to account for it once answered.
pub struct Outgoing {
    /// (category, spans) of each item sent.
    items: Vec<(Category, u64)>,
    spans: u64,
    /// The client report riding along, restored if the envelope is not accepted.
    report: Option<Discards>,
}

/// How Sentry answered an envelope.
#[derive(Clone, Copy, Debug)]
pub enum Answer<'a> {
    /// An HTTP answer, with its `X-Sentry-Rate-Limits` and `Retry-After` headers.
    Response {
        status: u16,
        rate_limits: Option<&'a str>,
        retry_after: Option<Duration>,
    },
    /// No answer: the connection failed or timed out.
    NetworkError,
    /// The request could not be made at all.
    RequestError,
}

enum Delivery {
    Accepted,
    RateLimited,
    Failed(DropReason),
}

/// One Sentry upstream's state: its rate limits and the client reports waiting to be sent.
#[derive(Debug)]
pub struct Courier<T> {
    rate_limits: RateLimits<T>,
    reports: ClientReports,
}

impl<T> Default for Courier<T> {
    fn default() -> Self {
        Courier {
            rate_limits: RateLimits::default(),
            reports: ClientReports::default(),
        }
    }
}

impl<T: Moment> Courier<T> {
    /// Turns new pipeline-level drops (sampling, before-send, full queue, …) into reports.
    #[cfg(feature = "runtime")]
    pub(crate) fn sync(&mut self, drops: &AtomicDrops) {
        self.reports.sync(drops);
    }

    /// The same for a client that buffers its spans for the host (`Client::buffered`).
    pub fn sync_client(&mut self, client: &crate::Client) {
        if let Some(drops) = client.buffer_drops() {
            self.reports.sync(drops);
        }
    }

    /// True when client reports wait to be sent (or new drops would make some).
    #[cfg(feature = "runtime")]
    pub(crate) fn has_reports(&self, drops: &AtomicDrops) -> bool {
        self.reports.has_new(drops)
    }

    /// Applies rate limits, attaches pending client reports, and writes the envelope; `None`
    /// when nothing is left to send. Local drops go into `tally` and the client reports.
    pub fn prepare(
        &mut self,
        settings: &EnvelopeSettings,
        envelope: &SegmentEnvelope,
        now: T,
        tally: &mut ExportTally,
    ) -> Option<(Vec<u8>, Outgoing)> {
        if envelope.oversized > 0 {
            tally.dropped.add(DropReason::SendError, envelope.oversized);
            self.reports
                .add(DropReason::SendError, Category::Span, envelope.oversized);
        }
        let mut items = Vec::with_capacity(envelope.items.len());
        for item in &envelope.items {
            if self.rate_limits.is_limited(item.category.as_str(), now) {
                self.reports
                    .add_item(DropReason::RatelimitBackoff, item.category, item.spans);
                tally.dropped.add(DropReason::RatelimitBackoff, item.spans);
            } else {
                items.push(item);
            }
        }
        if items.is_empty() {
            return None;
        }
        let mut header = envelope.header.clone();
        if !items
            .iter()
            .any(|i| matches!(i.category, Category::Transaction | Category::Error))
        {
            header.event_id = None;
        }
        let report = if self.rate_limits.is_limited("internal", now) {
            None
        } else {
            self.reports.take()
        };
        let body = write_envelope(
            settings,
            &header,
            &items,
            report.as_ref().map(|(payload, _)| payload.as_slice()),
            clock::now_system_time(),
        );
        let out = Outgoing {
            items: items.iter().map(|i| (i.category, i.spans)).collect(),
            spans: items.iter().map(|i| i.spans).sum(),
            report: report.map(|(_, taken)| taken),
        };
        Some((body, out))
    }

    /// Accounts for one answered (or failed) envelope.
    pub fn settle(&mut self, out: Outgoing, answer: Answer<'_>, now: T) -> ExportTally {
        let mut tally = ExportTally::default();
        match self.delivery(answer, now) {
            Delivery::Accepted => {
                tally.exported += out.spans;
                return tally;
            }
            Delivery::RateLimited => {
                // The server dropped it and counts that itself: nothing goes in a client report.
                tally.dropped.add(DropReason::RatelimitBackoff, out.spans);
            }
            Delivery::Failed(reason) => {
                for (category, spans) in &out.items {
                    self.reports.add_item(reason, *category, *spans);
                }
                tally.dropped.add(reason, out.spans);
            }
        }
        if let Some(taken) = out.report {
            self.reports.restore(taken);
        }
        tally
    }

    /// An envelope of the pending client reports alone (on flush), unless there are none or
    /// Sentry asked for none now. Settle it with `settle_reports`.
    pub fn reports_only(
        &mut self,
        settings: &EnvelopeSettings,
        now: T,
    ) -> Option<(Vec<u8>, PendingReports)> {
        if self.rate_limits.is_limited("internal", now) {
            return None;
        }
        let (payload, taken) = self.reports.take()?;
        let header = EnvelopeHeader {
            event_id: None,
            trace_id: None,
            transaction: None,
            dsc: None,
        };
        let body = write_envelope(
            settings,
            &header,
            &[],
            Some(&payload),
            clock::now_system_time(),
        );
        Some((body, PendingReports(taken)))
    }

    /// Accounts for the answer to `reports_only`'s envelope: reports not accepted wait again.
    pub fn settle_reports(&mut self, pending: PendingReports, answer: Answer<'_>, now: T) {
        if !matches!(self.delivery(answer, now), Delivery::Accepted) {
            self.reports.restore(pending.0);
        }
    }

    /// Reads rate limits off the answer and classifies it.
    fn delivery(&mut self, answer: Answer<'_>, now: T) -> Delivery {
        match answer {
            Answer::Response {
                status,
                rate_limits,
                retry_after,
            } => {
                self.rate_limits
                    .update(status, rate_limits, retry_after, now);
                if (200..300).contains(&status) {
                    Delivery::Accepted
                } else if status == 429 {
                    Delivery::RateLimited
                } else {
                    Delivery::Failed(DropReason::SendError)
                }
            }
            Answer::NetworkError => Delivery::Failed(DropReason::NetworkError),
            Answer::RequestError => Delivery::Failed(DropReason::SendError),
        }
    }
}

/// Client reports on their way out alone.
#[derive(Debug)]
pub struct PendingReports(Discards);
