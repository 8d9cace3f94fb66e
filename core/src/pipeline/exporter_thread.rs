//! Each exporter on a thread of its own. The flush thread hands every exporter the same
//! batches through a short bounded queue, so a slow or hung exporter (a Sentry that does not
//! answer) never holds back the others (the local spool) nor the span queue: when its queue is
//! full, the batch is dropped for that exporter alone and counted as `queue_overflow`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TrySendError};

use super::Shared;
use crate::export::{Segment, SpanExporter};
use crate::stats::{DropReason, ExportTally, ExporterCounters};

/// Segments every exporter gets; the last exporter done with them accounts for them.
pub(super) struct Batch {
    pub segments: Vec<Segment>,
    pub spans: u64,
    /// Exporters that have not finished with this batch yet.
    remaining: AtomicUsize,
}

impl Batch {
    pub fn new(segments: Vec<Segment>, spans: u64, exporters: usize) -> Arc<Batch> {
        Arc::new(Batch {
            segments,
            spans,
            remaining: AtomicUsize::new(exporters),
        })
    }

    /// One exporter is done with the batch (exported or dropped it). The last one marks its
    /// spans attempted, which is what a flush waits for, and recycles their attributes.
    fn done(self: Arc<Self>, shared: &Shared) {
        if self.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            shared.attempted.fetch_add(self.spans, Ordering::AcqRel);
        }
        if let Some(batch) = Arc::into_inner(self) {
            shared.recycle(batch.segments);
        }
    }
}

enum Job {
    Export(Arc<Batch>),
    /// The last export comes next: nothing may run past the deadline.
    Closing(Instant),
    Flush(Instant, Sender<()>),
    Shutdown(Instant, Sender<()>),
}

pub(super) struct ExporterThread {
    jobs: Sender<Job>,
    thread: Option<JoinHandle<()>>,
    counters: Arc<ExporterCounters>,
}

impl ExporterThread {
    /// `backlog` is the flag (in `Shared`) the thread keeps up to date for this exporter;
    /// `queued_batches` how many batches may wait (about a span queue's worth).
    pub fn start(
        mut exporter: Box<dyn SpanExporter>,
        counters: Arc<ExporterCounters>,
        backlog: Arc<AtomicBool>,
        shared: Arc<Shared>,
        export_timeout: Duration,
        queued_batches: usize,
    ) -> std::io::Result<Self> {
        let (jobs, queue) = crossbeam_channel::bounded::<Job>(queued_batches);
        let (flag, tally_to) = (backlog, counters.clone());
        let thread = std::thread::Builder::new()
            .name(format!("llmtel-export-{}", counters.name))
            .spawn(move || {
                serve(
                    &mut *exporter,
                    &queue,
                    &shared,
                    &tally_to,
                    &flag,
                    export_timeout,
                )
            })?;
        Ok(ExporterThread {
            jobs,
            thread: Some(thread),
            counters,
        })
    }

    /// Queues a batch; when this exporter is behind, drops it for this exporter only.
    pub fn export(&self, batch: &Arc<Batch>, shared: &Shared) {
        if let Err(TrySendError::Full(job) | TrySendError::Disconnected(job)) =
            self.jobs.try_send(Job::Export(batch.clone()))
        {
            self.refuse(job, shared);
        }
    }

    /// The final batches wait for room until `deadline` instead of being dropped.
    pub fn export_waiting(&self, batch: &Arc<Batch>, shared: &Shared, deadline: Instant) {
        let wait = deadline.saturating_duration_since(Instant::now());
        if let Err(e) = self.jobs.send_timeout(Job::Export(batch.clone()), wait) {
            self.refuse(e.into_inner(), shared);
        }
    }

    /// A batch this exporter had no room for: counted as its queue's overflow.
    fn refuse(&self, job: Job, shared: &Shared) {
        if let Job::Export(batch) = job {
            self.counters
                .dropped
                .add(DropReason::QueueOverflow, batch.spans, 0);
            batch.done(shared);
        }
    }

    pub fn closing(&self, deadline: Instant) {
        let _ = self.jobs.send_timeout(
            Job::Closing(deadline),
            deadline.saturating_duration_since(Instant::now()),
        );
    }

    /// Asks for a flush; the returned receiver is answered once it is done.
    pub fn flush(&self, deadline: Instant) -> Option<Receiver<()>> {
        self.request(deadline, Job::Flush)
    }

    pub fn shutdown(&self, deadline: Instant) -> Option<Receiver<()>> {
        self.request(deadline, Job::Shutdown)
    }

    fn request(
        &self,
        deadline: Instant,
        job: fn(Instant, Sender<()>) -> Job,
    ) -> Option<Receiver<()>> {
        let (ack, done) = crossbeam_channel::bounded(1);
        let wait = deadline.saturating_duration_since(Instant::now());
        self.jobs.send_timeout(job(deadline, ack), wait).ok()?;
        Some(done)
    }

    /// Joins the thread (after a shutdown it answered).
    pub fn join(&mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(
    exporter: &mut dyn SpanExporter,
    queue: &Receiver<Job>,
    shared: &Shared,
    counters: &ExporterCounters,
    backlog: &AtomicBool,
    export_timeout: Duration,
) {
    let mut hard_deadline: Option<Instant> = None;
    let deadline = |hard: Option<Instant>| {
        let soft = Instant::now() + export_timeout;
        hard.map_or(soft, |h| h.min(soft))
    };
    for job in queue {
        match job {
            Job::Export(batch) => {
                let tally = catch_unwind(AssertUnwindSafe(|| {
                    exporter.export(&batch.segments, deadline(hard_deadline))
                }))
                .unwrap_or_else(|_| {
                    ExportTally::dropped(DropReason::InternalSdkError, batch.spans)
                });
                record(counters, &tally);
                batch.done(shared);
            }
            Job::Closing(at) => {
                hard_deadline = Some(at);
                let _ = catch_unwind(AssertUnwindSafe(|| exporter.closing(at)));
            }
            Job::Flush(at, ack) => {
                // No longer than one export's budget, however long the caller is willing to wait.
                let at = at.min(deadline(hard_deadline));
                let _ = catch_unwind(AssertUnwindSafe(|| exporter.flush(at)));
                backlog.store(exporter.has_backlog(), Ordering::Release);
                let _ = ack.send(());
            }
            Job::Shutdown(at, ack) => {
                let _ = catch_unwind(AssertUnwindSafe(|| exporter.shutdown(at)));
                let _ = ack.send(());
                return;
            }
        }
        backlog.store(exporter.has_backlog(), Ordering::Release);
    }
}

fn record(counters: &ExporterCounters, tally: &ExportTally) {
    counters
        .exported
        .fetch_add(tally.exported, Ordering::Relaxed);
    for (reason, n) in tally.dropped.iter() {
        counters.dropped.add(reason, n, 0);
    }
}
