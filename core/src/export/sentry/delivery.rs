//! Sending Sentry envelopes (native runtime): the exporter, its upstreams (Sentry and
//! Spotlight), rate limits per category, and client reports for what was dropped.

use std::sync::Arc;
use std::time::Instant;

use super::super::http::{Batch, HttpClient, HttpFailure, HttpResponse, Request, shown};
use super::super::spotlight::SpotlightSender;
use super::super::{Segment, SpanExporter};
use super::courier::{Answer, Courier, Outgoing};
use super::*;
use crate::dsn::Dsn;
use crate::stats::{AtomicDrops, DropReason, ExportTally};

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
    courier: Courier<Instant>,
    pipeline_drops: Arc<AtomicDrops>,
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
            courier: Courier::default(),
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
            up.courier.sync(&up.pipeline_drops);
            up.http.clone()
        });
        let mut in_flight = http.as_deref().map(HttpClient::batch);
        let concurrency = http.as_deref().map_or(1, HttpClient::concurrency);
        let mut outgoing: Vec<Option<Outgoing>> = Vec::new();
        if let Some(spotlight) = &self.spotlight {
            // Spotlight sees every envelope, rate limits or not, and never delays delivery.
            let settings = self.settings.for_spotlight();
            for segment in segments {
                spotlight_envelopes(&settings, segment).for_each(|bytes| spotlight.send(bytes));
            }
        }
        let settings = &self.settings;
        let envelopes = segments
            .iter()
            .flat_map(|segment| segment_envelopes(settings, segment));
        for envelope in envelopes {
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
            up.courier.sync(&up.pipeline_drops);
            up.send_reports_only(&self.settings, deadline);
        }
    }

    fn has_backlog(&self) -> bool {
        self.upstream
            .as_ref()
            .is_some_and(|up| up.courier.has_reports(&up.pipeline_drops))
    }

    fn shutdown(&mut self, deadline: Instant) {
        self.flush(deadline);
        if let Some(spotlight) = self.spotlight.take() {
            spotlight.stop(deadline);
        }
    }
}

impl Upstream {
    /// The request for `envelope` after rate limits and with pending client reports; `None`
    /// when nothing is left to send. Local drops go into `tally` and the client reports.
    fn prepare(
        &mut self,
        settings: &EnvelopeSettings,
        envelope: &SegmentEnvelope,
        deadline: Instant,
        tally: &mut ExportTally,
    ) -> Option<(Request, Outgoing)> {
        let (body, out) = self
            .courier
            .prepare(settings, envelope, Instant::now(), tally)?;
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
        let answer = self.answer(&outcome);
        self.courier.settle(out, answer, Instant::now())
    }

    fn send_reports_only(&mut self, settings: &EnvelopeSettings, deadline: Instant) {
        let Some((body, pending)) = self.courier.reports_only(settings, Instant::now()) else {
            return;
        };
        let outcome = self.http.send(self.request(body, deadline));
        let answer = self.answer(&outcome);
        self.courier.settle_reports(pending, answer, Instant::now());
    }

    /// What Sentry answered, said under `debug` when it is not an acceptance.
    fn answer<'a>(&self, outcome: &'a Result<HttpResponse, HttpFailure>) -> Answer<'a> {
        match outcome {
            Ok(response) => {
                if self.http.debug() && !response.is_success() && response.status != 429 {
                    eprintln!(
                        "llmtel: Sentry answered {}: {}",
                        response.status,
                        String::from_utf8_lossy(&response.body)
                    );
                }
                Answer::Response {
                    status: response.status,
                    rate_limits: response.header("x-sentry-rate-limits"),
                    retry_after: response.retry_after(),
                }
            }
            Err(HttpFailure::Network(e)) => {
                if self.http.debug() {
                    eprintln!("llmtel: Sentry unreachable: {}", shown(e));
                }
                Answer::NetworkError
            }
            Err(HttpFailure::Request(e)) => {
                if self.http.debug() {
                    eprintln!("llmtel: cannot send to Sentry: {}", shown(e));
                }
                Answer::RequestError
            }
        }
    }
}
