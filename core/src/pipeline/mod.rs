//! The bounded queue between callers and the flush thread, and the thread itself.
//!
//! Shaped like OpenTelemetry's thread-based BatchSpanProcessor: a bounded data channel the hot
//! path `try_send`s into (never blocking, never waking the thread per span), a separate control
//! channel for nudges, flushes and shutdown, and a thread that groups spans by local root before
//! handing them to the exporters, each of which runs on a thread of its own (`exporter_thread`),
//! so one slow exporter holds back neither the others nor the queue. After `fork()` the child
//! notices the new fork generation and starts a fresh lane, leaving the parent's queue (and its
//! pending spans) untouched.

mod exporter_thread;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError};
use crossbeam_queue::ArrayQueue;
use crossbeam_utils::CachePadded;

use crate::event::EventData;
use crate::export::assembly::{Assembler, ORPHAN_WAIT};
use crate::export::{Segment, SpanExporter};
use crate::fork;
use crate::options::ConfigError;
use crate::span::{AttributeStorage, SpanData};
use crate::stats::{AtomicDrops, DropReason, ExporterCounters, ExporterStats, Stats};
use crate::{Completion, WaitError};
use exporter_thread::{Batch, ExporterThread};

/// Builds a lane's exporters; called at init and again in a forked child.
pub(crate) type ExporterFactory =
    dyn Fn(&Arc<AtomicDrops>) -> Result<Vec<Box<dyn SpanExporter>>, ConfigError> + Send + Sync;

#[derive(Clone, Copy)]
pub(crate) struct Settings {
    pub capacity: usize,
    pub batch_size: usize,
    pub interval: Duration,
    pub export_timeout: Duration,
}

pub(crate) struct Pipeline {
    lane: ArcSwap<Lane>,
    restarting: AtomicBool,
    settings: Settings,
    factory: Box<ExporterFactory>,
}

/// What callers queue: a finished span, a span the flush thread completes first (see
/// `ClientInner::finish_later`), or an event the application captured.
enum Item {
    Span(SpanData),
    Completing(SpanData, Completion),
    Event(Box<EventData>),
}

impl Item {
    /// For drop counts: an event counts as no span.
    fn is_segment(&self) -> bool {
        matches!(self, Item::Span(span) | Item::Completing(span, _) if span.is_segment())
    }
}

/// One queue and its flush thread, valid for one process (fork generation).
struct Lane {
    generation: u64,
    data_tx: Sender<Item>,
    ctrl_tx: Sender<Control>,
    shared: Arc<Shared>,
    batch_size: u64,
    thread: Mutex<Option<JoinHandle<()>>>,
}

/// State callers and the flush thread both touch.
struct Shared {
    /// Spans that entered the queue (written by callers only).
    accepted: CachePadded<AtomicU64>,
    /// Spans every exporter has attempted, or that were given up (written by the flush and
    /// exporter threads). `accepted - attempted` is what a flush waits for.
    attempted: CachePadded<AtomicU64>,
    /// Spans were dropped before the queue since the last flush: Sentry reports them.
    backlog: AtomicBool,
    /// Per exporter: it holds something back (client reports) that a flush would send.
    exporter_backlogs: Vec<Arc<AtomicBool>>,
    nudged: AtomicBool,
    closed: AtomicBool,
    overflow_warned: AtomicBool,
    dropped: Arc<AtomicDrops>,
    exporters: Vec<Arc<ExporterCounters>>,
    /// Attribute storage of exported spans, for new spans to reuse.
    recycled: ArrayQueue<AttributeStorage>,
}

/// Attribute storages kept for reuse (about 1 KiB each).
const RECYCLED_CAPACITY: usize = 1024;

enum Control {
    /// The queue reached a batch; export what is ready.
    Nudge,
    /// Export what is ready and have every exporter send what it holds, until the deadline
    /// (the caller's timeout).
    Flush(Instant, Sender<bool>),
    Shutdown {
        deadline: Instant,
        ack: Sender<()>,
    },
}

impl Pipeline {
    pub fn start(settings: Settings, factory: Box<ExporterFactory>) -> Result<Self, ConfigError> {
        fork::watch();
        let lane = Lane::start(settings, &*factory)?;
        Ok(Pipeline {
            lane: ArcSwap::from_pointee(lane),
            restarting: AtomicBool::new(false),
            settings,
            factory,
        })
    }

    /// The lane of this process, starting a fresh one if we are a forked child.
    fn lane(&self) -> arc_swap::Guard<Arc<Lane>> {
        let lane = self.lane.load();
        if lane.generation == fork::generation() {
            return lane;
        }
        drop(lane);
        self.restart_after_fork();
        self.lane.load()
    }

    #[cold]
    fn restart_after_fork(&self) {
        // A spin flag, not a mutex: a mutex held by a parent thread at fork time would never be
        // released in the child.
        while self
            .restarting
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            std::thread::yield_now();
        }
        if self.lane.load().generation != fork::generation() {
            let fresh = Lane::start(self.settings, &*self.factory).unwrap_or_else(|e| {
                eprintln!(
                    "llmtel: exporters could not restart after fork ({e}); spans are dropped"
                );
                Lane::start(self.settings, &|_: &Arc<AtomicDrops>| Ok(Vec::new()))
                    .expect("a lane without exporters always starts")
            });
            // The parent's lane is forgotten, not dropped: its channels may hold locks and spans
            // that belong to the parent, which sends them itself.
            std::mem::forget(self.lane.swap(Arc::new(fresh)));
        }
        self.restarting.store(false, Ordering::Release);
    }

    /// Attribute storage a finished span left behind, if any is waiting.
    #[inline]
    pub fn recycled_attributes(&self) -> Option<AttributeStorage> {
        self.lane().shared.recycled.pop()
    }

    #[inline]
    pub fn submit(&self, span: SpanData) {
        self.lane().submit(Item::Span(span));
    }

    /// A span `complete` finishes on the flush thread, before it is grouped and exported.
    pub fn submit_completing(&self, span: SpanData, complete: Completion) {
        self.lane().submit(Item::Completing(span, complete));
    }

    pub fn submit_event(&self, event: EventData) {
        self.lane().submit(Item::Event(Box::new(event)));
    }

    /// Counts a span dropped before the queue; a later flush reports it (Sentry client reports).
    #[inline]
    pub fn record_drop(&self, reason: DropReason, is_segment: bool) {
        let lane = self.lane();
        lane.shared.dropped.add(reason, 1, u64::from(is_segment));
        if !lane.shared.backlog.load(Ordering::Relaxed) {
            lane.shared.backlog.store(true, Ordering::Release);
        }
    }

    pub fn flush(&self, timeout: Duration) -> Result<(), WaitError> {
        if self.untouched_since_fork() {
            return Ok(());
        }
        self.lane().flush(timeout)
    }

    pub fn close(&self, timeout: Duration) -> Result<(), WaitError> {
        if self.untouched_since_fork() {
            return Ok(()); // a forked child that recorded nothing starts no thread to close it
        }
        self.lane().close(timeout)
    }

    /// A forked child that has not used the pipeline yet: nothing of its own to send.
    fn untouched_since_fork(&self) -> bool {
        self.lane.load().generation != fork::generation()
    }

    pub fn is_closed(&self) -> bool {
        self.lane().shared.closed.load(Ordering::Relaxed)
    }

    pub fn stats(&self) -> Stats {
        let lane = self.lane();
        let shared = &lane.shared;
        Stats {
            queued: shared.accepted.load(Ordering::Relaxed),
            dropped: shared.dropped.spans(),
            exporters: shared
                .exporters
                .iter()
                .map(|c| ExporterStats {
                    name: c.name.clone(),
                    exported: c.exported.load(Ordering::Relaxed),
                    dropped: c.dropped.spans(),
                })
                .collect(),
            invalid_attributes: 0,
        }
    }
}

impl Lane {
    fn start(settings: Settings, factory: &ExporterFactory) -> Result<Lane, ConfigError> {
        let dropped = Arc::new(AtomicDrops::default());
        let exporters = factory(&dropped)?;
        let counters: Vec<_> = exporters
            .iter()
            .map(|e| Arc::new(ExporterCounters::new(e.name())))
            .collect();
        let shared = Arc::new(Shared {
            accepted: CachePadded::new(AtomicU64::new(0)),
            attempted: CachePadded::new(AtomicU64::new(0)),
            backlog: AtomicBool::new(false),
            exporter_backlogs: exporters.iter().map(|_| Arc::default()).collect(),
            nudged: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            overflow_warned: AtomicBool::new(false),
            dropped,
            exporters: counters.clone(),
            recycled: ArrayQueue::new(RECYCLED_CAPACITY),
        });
        let threads = exporters
            .into_iter()
            .zip(counters)
            .zip(&shared.exporter_backlogs)
            .map(|((exporter, counters), backlog)| {
                ExporterThread::start(
                    exporter,
                    counters,
                    backlog.clone(),
                    shared.clone(),
                    settings.export_timeout,
                    // Each exporter may fall a span queue's worth behind before it loses batches.
                    settings
                        .capacity
                        .div_ceil(settings.batch_size.max(1))
                        .max(2),
                )
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                ConfigError::new(
                    "queue_capacity",
                    format!("cannot start an exporter thread: {e}"),
                )
            })?;
        let (data_tx, data_rx) = crossbeam_channel::bounded(settings.capacity);
        let (ctrl_tx, ctrl_rx) = crossbeam_channel::unbounded();
        let worker = Worker {
            data_rx,
            ctrl_rx,
            shared: shared.clone(),
            exporters: threads,
            segments: Assembler::default(),
            settings,
        };
        let thread = std::thread::Builder::new()
            .name("llmtel-flush".into())
            .spawn(move || worker.run())
            .map_err(|e| {
                ConfigError::new(
                    "queue_capacity",
                    format!("cannot start the flush thread: {e}"),
                )
            })?;
        Ok(Lane {
            generation: fork::generation(),
            data_tx,
            ctrl_tx,
            shared,
            batch_size: settings.batch_size as u64,
            thread: Mutex::new(Some(thread)),
        })
    }

    #[inline]
    fn submit(&self, item: Item) {
        let shared = &*self.shared;
        if shared.closed.load(Ordering::Relaxed) {
            shared
                .dropped
                .add(DropReason::AfterClose, 1, u64::from(item.is_segment()));
            return;
        }
        match self.data_tx.try_send(item) {
            Ok(()) => {
                // Every full batch wakes the thread early; otherwise it wakes on its interval.
                let accepted = shared.accepted.fetch_add(1, Ordering::AcqRel) + 1;
                if accepted.is_multiple_of(self.batch_size)
                    && !shared.nudged.load(Ordering::Relaxed)
                    && !shared.nudged.swap(true, Ordering::AcqRel)
                {
                    let _ = self.ctrl_tx.try_send(Control::Nudge);
                }
            }
            Err(TrySendError::Full(item)) => {
                shared
                    .dropped
                    .add(DropReason::QueueOverflow, 1, u64::from(item.is_segment()));
                if !shared.overflow_warned.swap(true, Ordering::Relaxed) {
                    eprintln!(
                        "llmtel: the span queue is full ({} spans); dropping spans until the exporters catch up",
                        self.data_tx.capacity().unwrap_or(0)
                    );
                }
            }
            Err(TrySendError::Disconnected(item)) => {
                shared
                    .dropped
                    .add(DropReason::AfterClose, 1, u64::from(item.is_segment()));
            }
        }
    }

    fn is_idle(&self) -> bool {
        // A span counted as accepted after its send may briefly make this look busy: harmless,
        // the flush then takes one round trip.
        let accepted = self.shared.accepted.load(Ordering::Acquire);
        self.shared.attempted.load(Ordering::Acquire) == accepted
            && !self.shared.backlog.load(Ordering::Acquire)
            && !self
                .shared
                .exporter_backlogs
                .iter()
                .any(|b| b.load(Ordering::Acquire))
    }

    fn flush(&self, timeout: Duration) -> Result<(), WaitError> {
        if self.is_idle() || self.shared.closed.load(Ordering::Relaxed) {
            return Ok(());
        }
        let (ack, done) = crossbeam_channel::bounded(1);
        let deadline = Instant::now() + timeout;
        if self.ctrl_tx.send(Control::Flush(deadline, ack)).is_err() {
            return Ok(()); // the thread is gone: nothing left that could be flushed
        }
        match done.recv_timeout(timeout) {
            Ok(true) | Err(RecvTimeoutError::Disconnected) => Ok(()),
            Ok(false) | Err(RecvTimeoutError::Timeout) => Err(WaitError::Timeout),
        }
    }

    fn close(&self, timeout: Duration) -> Result<(), WaitError> {
        if self.shared.closed.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let deadline = Instant::now() + timeout;
        let (ack, done) = crossbeam_channel::bounded(1);
        let sent = self
            .ctrl_tx
            .send(Control::Shutdown { deadline, ack })
            .is_ok();
        let outcome = if !sent {
            Ok(())
        } else {
            match done.recv_timeout(timeout) {
                Ok(()) | Err(RecvTimeoutError::Disconnected) => Ok(()),
                Err(RecvTimeoutError::Timeout) => Err(WaitError::Timeout),
            }
        };
        if outcome.is_ok()
            && let Some(thread) = self.thread.lock().ok().and_then(|mut t| t.take())
        {
            let _ = thread.join();
        }
        let overflowed = self.shared.dropped.spans().get(DropReason::QueueOverflow);
        if overflowed > 0 {
            eprintln!("llmtel: {overflowed} spans were dropped because the queue was full");
        }
        outcome
    }
}

struct Worker {
    data_rx: Receiver<Item>,
    ctrl_rx: Receiver<Control>,
    shared: Arc<Shared>,
    exporters: Vec<ExporterThread>,
    segments: Assembler,
    settings: Settings,
}

impl Worker {
    fn run(mut self) {
        let mut next_tick = Instant::now() + self.settings.interval;
        loop {
            let wait = next_tick.saturating_duration_since(Instant::now());
            match self.ctrl_rx.recv_timeout(wait) {
                Ok(Control::Nudge) => {
                    self.shared.nudged.store(false, Ordering::Release);
                    self.drain();
                    self.export_ready(None);
                }
                Ok(Control::Flush(deadline, ack)) => {
                    self.drain();
                    self.segments.release_orphans(Duration::ZERO);
                    self.export_ready(None);
                    let _ = ack.send(self.flush_exporters(deadline));
                }
                Ok(Control::Shutdown { deadline, ack }) => {
                    self.shutdown(deadline);
                    let _ = ack.send(());
                    return;
                }
                Err(RecvTimeoutError::Timeout) => {
                    self.drain();
                    self.segments.release_orphans(ORPHAN_WAIT);
                    self.export_ready(None);
                    next_tick = Instant::now() + self.settings.interval;
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.shutdown(self.export_deadline());
                    return;
                }
            }
        }
    }

    fn export_deadline(&self) -> Instant {
        Instant::now() + self.settings.export_timeout
    }

    fn shutdown(&mut self, deadline: Instant) {
        self.drain();
        self.segments.release_orphans(Duration::ZERO);
        let deadline = deadline.min(self.export_deadline());
        for exporter in &self.exporters {
            exporter.closing(deadline);
        }
        self.export_ready(Some(deadline));
        let acks: Vec<_> = self
            .exporters
            .iter()
            .map(|e| e.shutdown(deadline))
            .collect();
        for (exporter, ack) in self.exporters.iter_mut().zip(acks) {
            // An exporter still busy at the deadline is left to finish on its own.
            if ack.is_some_and(|ack| ack.recv_deadline(deadline).is_ok()) {
                exporter.join();
            }
        }
        // Spans that raced past the closed flag are counted, not silently lost.
        for item in self.data_rx.try_iter() {
            self.shared.attempted.fetch_add(1, Ordering::AcqRel);
            self.shared
                .dropped
                .add(DropReason::AfterClose, 1, u64::from(item.is_segment()));
        }
    }

    /// Takes what is queued now (bounded, so a busy producer cannot starve the exports).
    fn drain(&mut self) {
        for _ in 0..self.settings.capacity {
            let Ok(item) = self.data_rx.try_recv() else {
                break;
            };
            match item {
                Item::Span(span) => self.segments.accept_span(span),
                Item::Completing(mut span, complete) => {
                    // A response that cannot be read is said under debug and the span goes
                    // on; a panic in the mapping costs the span, never this thread.
                    match catch_unwind(AssertUnwindSafe(|| complete(&mut span))) {
                        Ok(_) => self.segments.accept_span(span),
                        Err(_) => {
                            self.shared.attempted.fetch_add(1, Ordering::AcqRel);
                            let segment = u64::from(span.is_segment());
                            let reason = DropReason::InternalSdkError;
                            self.shared.dropped.add(reason, 1, segment);
                        }
                    }
                }
                Item::Event(event) => self.segments.accept_event(*event),
            }
            if self.segments.ready_items() >= self.settings.batch_size {
                self.export_ready(None);
            }
        }
        if self.segments.open_spans() > self.settings.capacity {
            // Roots that never end must not hold memory without bound.
            self.segments.release_orphans(Duration::ZERO);
        }
    }

    /// Hands ready segments to every exporter in batches of about `batch_size` spans. An
    /// exporter that is behind has the batch dropped (and counted) for it, except for the final
    /// batches (`until` a shutdown deadline), which wait for room.
    fn export_ready(&mut self, until: Option<Instant>) {
        while self.segments.ready_items() > 0 {
            let segments = self.segments.take_ready(self.settings.batch_size);
            let spans: usize = segments.iter().map(Segment::items).sum();
            if self.exporters.is_empty() {
                self.shared
                    .attempted
                    .fetch_add(spans as u64, Ordering::AcqRel);
                self.shared.recycle(segments);
                continue;
            }
            let batch = Batch::new(segments, spans as u64, self.exporters.len());
            for exporter in &self.exporters {
                match until {
                    Some(deadline) => exporter.export_waiting(&batch, &self.shared, deadline),
                    None => exporter.export(&batch, &self.shared),
                }
            }
        }
    }

    /// Asks every exporter to send what it holds back, waiting for them until `deadline`;
    /// false when one was still busy then.
    fn flush_exporters(&mut self, deadline: Instant) -> bool {
        self.shared.backlog.store(false, Ordering::Release);
        let acks: Vec<_> = self.exporters.iter().map(|e| e.flush(deadline)).collect();
        // Every exporter gets its wait (no short cut after one that did not answer).
        let answered: Vec<bool> = acks
            .into_iter()
            .map(|ack| ack.is_some_and(|ack| ack.recv_deadline(deadline).is_ok()))
            .collect();
        answered.into_iter().all(|done| done)
    }
}

impl Shared {
    /// Keeps the attribute storage of exported spans for new spans to reuse.
    fn recycle(&self, batch: Vec<Segment>) {
        for segment in batch {
            for span in segment.root.into_iter().chain(segment.children) {
                if self.recycled.push(span.attributes.into_storage()).is_err() {
                    return; // full: the rest is simply freed
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_completion_that_panics_costs_its_span_not_the_flush_thread() {
        let settings = Settings {
            capacity: 16,
            batch_size: 4,
            interval: Duration::from_millis(10),
            export_timeout: Duration::from_secs(1),
        };
        let pipeline = Pipeline::start(settings, Box::new(|_| Ok(Vec::new()))).unwrap();
        let quiet = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        pipeline.submit_completing(
            SpanData::for_tests("broken"),
            Box::new(|_| panic!("a mapping bug")),
        );
        pipeline.submit_completing(SpanData::for_tests("fine"), Box::new(|_| Ok(())));
        let flushed = pipeline.flush(Duration::from_secs(5));
        std::panic::set_hook(quiet);
        assert_eq!(flushed, Ok(()), "the flush thread went on");
        let stats = pipeline.stats();
        assert_eq!(stats.dropped.get(DropReason::InternalSdkError), 1);
        assert_eq!(stats.queued, 2);
        pipeline.close(Duration::from_secs(5)).unwrap();
    }
}
