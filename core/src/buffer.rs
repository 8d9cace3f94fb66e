//! The sink for hosts that export spans themselves (the wasm build, whose JavaScript side owns
//! timing and transport): finished spans wait here, bounded by `queue_capacity`, until the host
//! takes them. No thread, no clock, no I/O.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::event::EventData;
use crate::span::SpanData;
use crate::stats::{AtomicDrops, DropReason, Stats};

pub(crate) struct Buffer {
    spans: Mutex<Vec<SpanData>>,
    events: Mutex<Vec<EventData>>,
    capacity: usize,
    accepted: AtomicU64,
    dropped: AtomicDrops,
    closed: AtomicBool,
}

impl Buffer {
    pub fn new(capacity: usize) -> Self {
        Buffer {
            spans: Mutex::new(Vec::new()),
            events: Mutex::new(Vec::new()),
            capacity,
            accepted: AtomicU64::new(0),
            dropped: AtomicDrops::default(),
            closed: AtomicBool::new(false),
        }
    }

    fn spans(&self) -> std::sync::MutexGuard<'_, Vec<SpanData>> {
        self.spans.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn submit(&self, span: SpanData) {
        if self.closed.load(Ordering::Relaxed) {
            return self.record_drop(DropReason::AfterClose, span.is_segment());
        }
        let mut spans = self.spans();
        if spans.len() >= self.capacity {
            drop(spans);
            return self.record_drop(DropReason::QueueOverflow, span.is_segment());
        }
        spans.push(span);
        self.accepted.fetch_add(1, Ordering::Relaxed);
    }

    /// Keeps a captured event for the host, within the same capacity as spans.
    pub fn submit_event(&self, event: EventData) {
        let mut events = self.events.lock().unwrap_or_else(|p| p.into_inner());
        if !self.closed.load(Ordering::Relaxed) && events.len() < self.capacity {
            events.push(event);
        }
    }

    /// What was dropped before the host took it (sampling, before_send_span, a full buffer).
    pub fn drops(&self) -> &AtomicDrops {
        &self.dropped
    }

    pub fn take_events(&self) -> Vec<EventData> {
        std::mem::take(&mut *self.events.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn record_drop(&self, reason: DropReason, is_segment: bool) {
        self.dropped.add(reason, 1, u64::from(is_segment));
    }

    /// Everything finished so far, oldest first.
    pub fn take(&self) -> Vec<SpanData> {
        std::mem::take(&mut *self.spans())
    }

    pub fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
    }

    pub fn stats(&self) -> Stats {
        Stats {
            queued: self.accepted.load(Ordering::Relaxed),
            dropped: self.dropped.spans(),
            exporters: Vec::new(),
            invalid_attributes: 0,
        }
    }
}
