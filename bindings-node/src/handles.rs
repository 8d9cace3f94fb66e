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
//! class instance's finalizer did. A worker that exits collects nothing: its slots are freed
//! when its environment ends (`Slab::remove_owned`, from the cleanup hook in `lib.rs`).

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use llmtel_core::{CallHandle, RunHandle, SpanContext, SpanHandle, Value};

/// Slots of values any thread may use; a slot's number is reused once released. Numbers start
/// at 1, so that JavaScript can test a parent for presence by truthiness.
pub(crate) struct Slab<T> {
    slots: Mutex<Slots<T>>,
}

struct Slots<T> {
    /// Each value with the thread that made it.
    entries: Vec<Option<(Arc<T>, Owner)>>,
    free: Vec<u32>,
}

/// The JavaScript thread (the main thread or a worker's) a handle was made on. A worker that
/// exits runs no finalizer of its objects, so its slots are released when its environment ends
/// (`Slab::remove_owned`, from the cleanup hook its first `NativeClient` registers).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Owner(u64);

static NEXT_OWNER: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static OWNER: Cell<u64> = const { Cell::new(0) };
}

impl Owner {
    /// This thread's.
    pub(crate) fn current() -> Owner {
        OWNER.with(|owner| {
            if owner.get() == 0 {
                owner.set(NEXT_OWNER.fetch_add(1, Ordering::Relaxed));
            }
            Owner(owner.get())
        })
    }
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
        let value = Some((Arc::new(value), Owner::current()));
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
        let slots = self.lock();
        let (value, _) = slots.entries.get(index(id))?.as_ref()?;
        Some(value.clone())
    }

    /// Frees the slot; the value is dropped by the caller, outside the lock.
    pub(crate) fn remove(&self, id: u32) -> Option<Arc<T>> {
        let mut slots = self.lock();
        let (value, _) = slots.entries.get_mut(index(id))?.take()?;
        slots.free.push(id);
        Some(value)
    }

    /// Frees every slot `owner` made; the values are dropped by the caller, outside the lock.
    pub(crate) fn remove_owned(&self, owner: Owner) -> Vec<Arc<T>> {
        let mut slots = self.lock();
        let Slots { entries, free } = &mut *slots;
        let mut removed = Vec::new();
        for (i, entry) in entries.iter_mut().enumerate() {
            if entry.as_ref().is_some_and(|(_, made_by)| *made_by == owner) {
                let (value, _) = entry.take().expect("checked above");
                removed.push(value);
                free.push(u32::try_from(i + 1).expect("fewer than 2^32 slots"));
            }
        }
        removed
    }

    /// How many slots hold a value.
    pub(crate) fn len(&self) -> usize {
        self.lock().entries.iter().filter(|e| e.is_some()).count()
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

    #[test]
    fn a_thread_s_slots_are_released_together_and_no_other_s() {
        let slab = Slab::new();
        let mine = slab.insert("main");
        let (theirs, owner) = std::thread::scope(|s| {
            s.spawn(|| (vec![slab.insert("w1"), slab.insert("w2")], Owner::current()))
                .join()
                .unwrap()
        });
        assert_ne!(owner, Owner::current());
        assert_eq!(slab.len(), 3);
        let mut removed: Vec<_> = slab.remove_owned(owner).iter().map(|v| **v).collect();
        removed.sort_unstable();
        assert_eq!(removed, ["w1", "w2"]);
        assert_eq!(slab.len(), 1);
        assert_eq!(slab.get(mine).as_deref(), Some(&"main"));
        assert!(theirs.iter().all(|&id| slab.get(id).is_none()));
        assert!(
            theirs.contains(&slab.insert("again")),
            "their slots are free for reuse"
        );
    }
}
