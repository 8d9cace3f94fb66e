//! Sending Sentry envelopes (native runtime): the exporter, its upstreams (Sentry and
//! Spotlight), rate limits per category, and client reports for what was dropped.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::super::http::{Batch, HttpClient, HttpFailure, HttpResponse, Request, shown};
use super::super::ratelimit::RateLimits;
use super::super::spotlight::SpotlightSender;
use super::super::{Segment, SpanExporter};
use super::*;
use crate::dsn::Dsn;
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
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
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

/// Sentry (and/or Spotlight) exporter.
pub struct SentryExporter {
    settings: EnvelopeSettings,
    upstream: Option<Upstream>,
    spotlight: Option<SpotlightSender>,
    /// No request runs past this (set when the pipeline closes).
    hard_deadline: Option<Instant>,
}

struct Upstream {
    url: String,
    auth: String,
    gzip: bool,
    http: Arc<HttpClient>,
    rate_limits: RateLimits,
    reports: ClientReports,
    pipeline_drops: Arc<AtomicDrops>,
}

/// An envelope on its way out, with what is needed to account for it once answered.
struct Outgoing {
    /// (category, spans) of each item sent.
    items: Vec<(Category, u64)>,
    spans: u64,
    /// The client report riding along, restored if the envelope is not accepted.
    report: Option<Discards>,
}

impl SentryExporter {
    /// `dsn` may be absent when only Spotlight is wanted.
    pub(crate) fn new(
        config: &Config,
        dsn: Option<&Dsn>,
        spotlight: Option<&str>,
        pipeline_drops: Arc<AtomicDrops>,
    ) -> Self {
        let upstream = dsn.map(|dsn| Upstream {
            url: dsn.envelope_url(),
            auth: dsn.auth_header(&format!("llmtel/{}", crate::VERSION)),
            gzip: config.sentry_gzip,
            http: Arc::new(HttpClient::new(
                config.debug,
                config.max_concurrent_requests,
            )),
            rate_limits: RateLimits::default(),
            reports: ClientReports::default(),
            pipeline_drops,
        });
        SentryExporter {
            settings: EnvelopeSettings::from_config(config),
            upstream,
            spotlight: spotlight.map(|url| SpotlightSender::start(url, config.debug)),
            hard_deadline: None,
        }
    }
}

impl SpanExporter for SentryExporter {
    fn name(&self) -> &str {
        if self.upstream.is_some() {
            "sentry"
        } else {
            "spotlight"
        }
    }

    fn export(&mut self, segments: &[Segment], deadline: Instant) -> ExportTally {
        let mut tally = ExportTally::default();
        let budget = deadline.saturating_duration_since(Instant::now());
        let http = self.upstream.as_mut().map(|up| {
            up.reports.sync(&up.pipeline_drops);
            up.http.clone()
        });
        let mut in_flight = http.as_deref().map(HttpClient::batch);
        let concurrency = http.as_deref().map_or(1, HttpClient::concurrency);
        let mut outgoing: Vec<Option<Outgoing>> = Vec::new();
        let settings = &self.settings;
        let envelopes = segments.iter().flat_map(|segment| {
            (!segment.is_empty())
                .then(|| build_segment(settings, segment))
                .into_iter()
                .chain(error_envelopes(settings, segment))
                .chain(captured_envelopes(settings, segment))
        });
        for envelope in envelopes {
            if let Some(spotlight) = &self.spotlight {
                // Spotlight sees every envelope, rate limits or not, and never delays delivery.
                let all: Vec<&Item> = envelope.items.iter().collect();
                let bytes = write_envelope(
                    &self.settings,
                    &envelope.header,
                    &all,
                    None,
                    SystemTime::now(),
                );
                spotlight.send(bytes);
            }
            let (Some(up), Some(batch)) = (&mut self.upstream, &mut in_flight) else {
                tally.exported += envelope.items.iter().map(|i| i.spans).sum::<u64>();
                tally.dropped.add(DropReason::SendError, envelope.oversized);
                continue;
            };
            // A free slot first: the answers taken meanwhile may carry a rate limit that keeps
            // this envelope home.
            while batch.pending() >= concurrency {
                up.settle_next(batch, &mut outgoing, &mut tally);
            }
            let soft = Instant::now() + budget;
            let request_deadline = self.hard_deadline.map_or(soft, |hard| hard.min(soft));
            if let Some((request, out)) =
                up.prepare(&self.settings, &envelope, request_deadline, &mut tally)
            {
                let index = batch.push(request);
                outgoing.resize_with(outgoing.len().max(index + 1), || None);
                outgoing[index] = Some(out);
            }
        }
        if let (Some(up), Some(batch)) = (&mut self.upstream, &mut in_flight) {
            while batch.pending() > 0 {
                up.settle_next(batch, &mut outgoing, &mut tally);
            }
        }
        tally
    }

    fn closing(&mut self, deadline: Instant) {
        self.hard_deadline = Some(self.hard_deadline.map_or(deadline, |d| d.min(deadline)));
    }

    fn flush(&mut self, deadline: Instant) {
        if let Some(up) = &mut self.upstream {
            up.reports.sync(&up.pipeline_drops);
            up.send_reports_only(&self.settings, deadline);
        }
    }

    fn has_backlog(&self) -> bool {
        self.upstream
            .as_ref()
            .is_some_and(|up| up.reports.has_new(&up.pipeline_drops))
    }

    fn shutdown(&mut self, deadline: Instant) {
        self.flush(deadline);
        if let Some(spotlight) = self.spotlight.take() {
            spotlight.stop(deadline);
        }
    }
}

impl Upstream {
    /// Applies rate limits, attaches pending client reports, and builds the request; `None`
    /// when nothing is left to send. Local drops go into `tally` and the client reports.
    fn prepare(
        &mut self,
        settings: &EnvelopeSettings,
        envelope: &SegmentEnvelope,
        deadline: Instant,
        tally: &mut ExportTally,
    ) -> Option<(Request, Outgoing)> {
        if envelope.oversized > 0 {
            tally.dropped.add(DropReason::SendError, envelope.oversized);
            self.reports
                .add(DropReason::SendError, Category::Span, envelope.oversized);
        }
        let now = Instant::now();
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
            SystemTime::now(),
        );
        let out = Outgoing {
            items: items.iter().map(|i| (i.category, i.spans)).collect(),
            spans: items.iter().map(|i| i.spans).sum(),
            report: report.map(|(_, taken)| taken),
        };
        Some((self.request(body, deadline), out))
    }

    fn request(&self, body: Vec<u8>, deadline: Instant) -> Request {
        Request {
            url: self.url.clone(),
            headers: vec![
                ("X-Sentry-Auth".into(), self.auth.clone()),
                (
                    "Content-Type".into(),
                    "application/x-sentry-envelope".into(),
                ),
            ],
            body,
            gzip: self.gzip,
            deadline,
            retryable: |r| matches!(r.status, 502..=504),
        }
    }

    /// Waits for the next answer of `batch` and accounts for it.
    fn settle_next(
        &mut self,
        batch: &mut Batch<'_>,
        outgoing: &mut [Option<Outgoing>],
        tally: &mut ExportTally,
    ) {
        if let Some((index, outcome)) = batch.next_answer()
            && let Some(out) = outgoing.get_mut(index).and_then(Option::take)
        {
            tally.merge(self.settle(out, outcome));
        }
    }

    /// Accounts for one answered (or failed) envelope.
    fn settle(&mut self, out: Outgoing, outcome: Result<HttpResponse, HttpFailure>) -> ExportTally {
        let mut tally = ExportTally::default();
        match self.delivery(outcome) {
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

    fn send_reports_only(&mut self, settings: &EnvelopeSettings, deadline: Instant) {
        if self.rate_limits.is_limited("internal", Instant::now()) {
            return;
        }
        let Some((payload, taken)) = self.reports.take() else {
            return;
        };
        let header = EnvelopeHeader {
            event_id: None,
            trace_id: None,
            transaction: None,
            dsc: None,
        };
        let body = write_envelope(settings, &header, &[], Some(&payload), SystemTime::now());
        let outcome = self.http.send(self.request(body, deadline));
        if !matches!(self.delivery(outcome), Delivery::Accepted) {
            self.reports.restore(taken);
        }
    }

    /// Reads rate limits off the answer and classifies it.
    fn delivery(&mut self, outcome: Result<HttpResponse, HttpFailure>) -> Delivery {
        match outcome {
            Ok(response) => {
                self.rate_limits.update(
                    response.status,
                    response.header("x-sentry-rate-limits"),
                    response.retry_after(),
                    Instant::now(),
                );
                if response.is_success() {
                    Delivery::Accepted
                } else if response.status == 429 {
                    Delivery::RateLimited
                } else {
                    if self.http.debug() {
                        eprintln!(
                            "llmtel: Sentry answered {}: {}",
                            response.status,
                            String::from_utf8_lossy(&response.body)
                        );
                    }
                    Delivery::Failed(DropReason::SendError)
                }
            }
            Err(HttpFailure::Network(e)) => {
                if self.http.debug() {
                    eprintln!("llmtel: Sentry unreachable: {}", shown(&e));
                }
                Delivery::Failed(DropReason::NetworkError)
            }
            Err(HttpFailure::Request(e)) => {
                if self.http.debug() {
                    eprintln!("llmtel: cannot send to Sentry: {}", shown(&e));
                }
                Delivery::Failed(DropReason::SendError)
            }
        }
    }
}

enum Delivery {
    Accepted,
    RateLimited,
    Failed(DropReason),
}
