//! Segments from finished spans: a local root's children wait for it, so that its segment
//! travels as one (one Sentry transaction). Platform-free, so the native flush thread and the
//! wasm build, whose JavaScript side decides when to send, group spans the same way.

use std::collections::HashMap;
use std::time::Duration;

use super::Segment;
use crate::clock::Stopwatch;
use crate::event::EventData;
use crate::span::{SpanData, SpanId};

/// How long children wait for their local root before they travel without it.
pub const ORPHAN_WAIT: Duration = Duration::from_secs(30);

/// Children waiting for their local root.
struct OpenSegment {
    children: Vec<SpanData>,
    since: Stopwatch,
}

/// Finished spans and captured events in, ready segments out.
#[derive(Default)]
pub struct Assembler {
    open: HashMap<SpanId, OpenSegment>,
    open_spans: usize,
    ready: Vec<Segment>,
    ready_items: usize,
}

impl Assembler {
    /// A span as it finished: a local root makes its segment ready with the children that came
    /// before it; a child waits for its root.
    pub fn accept_span(&mut self, span: SpanData) {
        if span.is_segment() {
            let children = match self.open.remove(&span.span_id) {
                Some(open) => {
                    self.open_spans -= open.children.len();
                    open.children
                }
                None => Vec::new(),
            };
            self.ready_items += 1 + children.len();
            self.ready.push(Segment {
                root: Some(span),
                children,
                events: Vec::new(),
            });
        } else {
            self.open_spans += 1;
            self.open
                .entry(span.segment_id)
                .or_insert_with(|| OpenSegment {
                    children: Vec::new(),
                    since: Stopwatch::start(),
                })
                .children
                .push(span);
        }
    }

    /// An event travels at once, as a segment of its own without spans.
    pub fn accept_event(&mut self, event: EventData) {
        self.ready_items += 1;
        self.ready.push(Segment {
            root: None,
            children: Vec::new(),
            events: vec![event],
        });
    }

    /// Makes ready, without their root, the children that waited at least `wait` for it
    /// (`Duration::ZERO`: all of them, as on flush and close).
    pub fn release_orphans(&mut self, wait: Duration) {
        let ids: Vec<SpanId> = self
            .open
            .iter()
            .filter(|(_, o)| wait.is_zero() || o.since.elapsed() >= wait)
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            if let Some(open) = self.open.remove(&id) {
                self.open_spans -= open.children.len();
                self.ready_items += open.children.len();
                self.ready.push(Segment {
                    root: None,
                    children: open.children,
                    events: Vec::new(),
                });
            }
        }
    }

    /// Children waiting for their root.
    pub fn open_spans(&self) -> usize {
        self.open_spans
    }

    /// Spans and events in ready segments.
    pub fn ready_items(&self) -> usize {
        self.ready_items
    }

    /// Takes ready segments, oldest first, up to about `max_items` spans and events (at least
    /// one segment, however large).
    pub fn take_ready(&mut self, max_items: usize) -> Vec<Segment> {
        let mut take = 0;
        let mut items = 0;
        for segment in &self.ready {
            if take > 0 && items + segment.items() > max_items {
                break;
            }
            take += 1;
            items += segment.items();
        }
        self.ready_items -= items;
        self.ready.drain(..take).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(id: u8, segment: u8) -> SpanData {
        let mut span = SpanData::for_tests("s");
        span.span_id = SpanId([id; 8]);
        span.segment_id = SpanId([segment; 8]);
        span
    }

    #[test]
    fn children_wait_for_their_root_and_travel_with_it() {
        let mut a = Assembler::default();
        a.accept_span(span(2, 1));
        a.accept_span(span(3, 1));
        assert_eq!((a.open_spans(), a.ready_items()), (2, 0));
        a.accept_span(span(1, 1));
        assert_eq!((a.open_spans(), a.ready_items()), (0, 3));
        let ready = a.take_ready(usize::MAX);
        assert_eq!(ready.len(), 1);
        assert_eq!(ready[0].root.as_ref().unwrap().span_id, SpanId([1; 8]));
        assert_eq!(ready[0].children.len(), 2);
        assert_eq!(a.ready_items(), 0);
    }

    #[test]
    fn orphans_are_released_on_demand_and_batches_are_bounded() {
        let mut a = Assembler::default();
        a.accept_span(span(2, 1));
        a.release_orphans(Duration::from_secs(3600));
        assert_eq!(
            a.open_spans(),
            1,
            "a child that waited briefly keeps waiting"
        );
        a.release_orphans(Duration::ZERO);
        assert_eq!((a.open_spans(), a.ready_items()), (0, 1));
        a.accept_span(span(5, 5));
        a.accept_span(span(6, 6));
        assert_eq!(
            a.take_ready(1).len(),
            1,
            "one segment per batch of one item"
        );
        assert_eq!(
            a.take_ready(0).len(),
            1,
            "at least one segment, however small the batch"
        );
        assert_eq!(a.take_ready(10).len(), 1);
        assert!(a.take_ready(10).is_empty());
    }
}
