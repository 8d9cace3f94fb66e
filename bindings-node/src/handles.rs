//! Spans, GenAI calls and agent / tool runs as JavaScript holds them: a number naming a slot
//! here, not a napi class instance.
//!
//! A class instance costs a JavaScript constructor call, a wrap and a reference the GC tracks
//! (2 to 3 µs in place), each method call on one a native borrow, and a child needs the
//! parent's context as another instance (about 3 µs more). A request handler makes a span and
//! a call or more, so the binding hands out numbers instead: `startSpan` and the call and run
//! starters return one, the `span*`, `call*`, `run*` and attribute functions take it, and a
//! child's `parent` may be any of them. The JavaScript layer (`lib/native.js`) wraps the number
//! in a plain object with the methods the class had and releases the slot when that object is
//! collected (a `FinalizationRegistry`), which ends a span, call or run still open then, as the
//! class instance's finalizer did.

use std::sync::{Arc, Mutex, MutexGuard};

use llmtel_core::{CallHandle, RunHandle, SpanContext, SpanHandle, Value};

/// Slots of values any thread may use; a slot's number is reused once released. Numbers start
/// at 1, so that JavaScript can test a parent for presence by truthiness.
pub(crate) struct Slab<T> {
    slots: Mutex<Slots<T>>,
}

struct Slots<T> {
    entries: Vec<Option<Arc<T>>>,
    free: Vec<u32>,
}

impl<T> Slab<T> {
    pub(crate) const fn new() -> Self {
        Slab {
            slots: Mutex::new(Slots {
                entries: Vec::new(),
                free: Vec::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Slots<T>> {
        // A panic while the lock was held left the slots consistent (each step is one write).
        self.slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn insert(&self, value: T) -> u32 {
        let value = Some(Arc::new(value));
        let mut slots = self.lock();
        match slots.free.pop() {
            Some(id) => {
                slots.entries[index(id)] = value;
                id
            }
            None => {
                slots.entries.push(value);
                u32::try_from(slots.entries.len()).expect("fewer than 2^32 live handles")
            }
        }
    }

    /// The value, shared: the lock is not held while it is used (ending a span may run the
    /// user's hook, which may start spans).
    pub(crate) fn get(&self, id: u32) -> Option<Arc<T>> {
        self.lock().entries.get(index(id))?.clone()
    }

    /// Frees the slot; the value is dropped by the caller, outside the lock.
    pub(crate) fn remove(&self, id: u32) -> Option<Arc<T>> {
        let mut slots = self.lock();
        let value = slots.entries.get_mut(index(id))?.take();
        if value.is_some() {
            slots.free.push(id);
        }
        value
    }
}

/// The slot of number `id` (0, no slot, maps past the end).
fn index(id: u32) -> usize {
    (id as usize).wrapping_sub(1)
}

/// A handle JavaScript holds.
pub(crate) enum Handle {
    Span(SpanHandle),
    /// A GenAI call, and why its request could not be read, if it could not (boxed: a call
    /// is about three times a span's size).
    Call(Box<(CallHandle, Option<String>)>),
    /// An agent, workflow or tool run.
    Run(RunHandle),
}

impl Handle {
    /// An attribute on a span or a run (a call's come from the wire).
    pub(crate) fn set_attribute(
        &self,
        key: String,
        value: impl Into<Value>,
    ) -> Result<(), llmtel_core::Error> {
        match self {
            Handle::Span(span) => span.set_attribute(key, value),
            Handle::Run(run) => run.set_attribute(key, value),
            Handle::Call(_) => Err(no_attributes()),
        }
    }

    /// A value with no attribute form, on a span or a run: counted, not kept.
    pub(crate) fn reject_attribute(&self, key: &str, why: &str) -> Result<(), llmtel_core::Error> {
        match self {
            Handle::Span(span) => span.reject_attribute(key, why),
            Handle::Run(run) => run.reject_attribute(key, why),
            Handle::Call(_) => Err(no_attributes()),
        }
    }

    /// Where a child started under it goes (none for a call that is not sampled).
    pub(crate) fn context(&self) -> Option<SpanContext> {
        match self {
            Handle::Span(span) => Some(span.context()),
            Handle::Call(call) => call.0.context(),
            Handle::Run(run) => Some(run.context()),
        }
    }
}

fn no_attributes() -> llmtel_core::Error {
    llmtel_core::Error::new(
        llmtel_core::ErrorKind::InvalidArgument,
        Some("id"),
        "a call takes no attributes from the host",
    )
}

/// Every handle JavaScript holds, in every thread (worker threads share the addon's statics):
/// one numbering, so that any handle's number can be a child's `parent`.
pub(crate) static HANDLES: Slab<Handle> = Slab::new();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_reused_once_released_and_a_released_slot_is_empty() {
        let slab = Slab::new();
        let a = slab.insert("a");
        let b = slab.insert("b");
        assert_ne!(a, b);
        assert_eq!(slab.get(a).as_deref(), Some(&"a"));
        assert_eq!(slab.remove(a).as_deref(), Some(&"a"));
        assert!(slab.get(a).is_none());
        assert!(slab.remove(a).is_none(), "a second release finds nothing");
        assert_eq!(slab.insert("c"), a, "the freed slot is reused");
        assert_eq!(slab.get(b).as_deref(), Some(&"b"));
        assert!(slab.get(99).is_none());
        assert!(
            slab.get(0).is_none() && slab.remove(0).is_none(),
            "0 names no slot"
        );
        assert!(a > 0 && b > 0);
    }
}
