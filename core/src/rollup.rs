//! Usage summed up the agent tree: each open agent span gathers the token usage and cost of
//! the model calls (and sub-agents) beneath it, and writes the sums when it ends.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::genai::{Cost, Usage};
use crate::span::{Attributes, SpanId};

/// What an agent's calls used so far.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Rollup {
    pub usage: Usage,
    pub cost: Option<Cost>,
    /// Model calls counted.
    pub calls: u32,
}

impl Rollup {
    /// Adds what `calls` model calls used (one call, or a finished sub-agent's sums).
    fn absorb(&mut self, usage: &Usage, cost: Option<Cost>, calls: u32) {
        self.usage.add(usage);
        if let Some(c) = cost {
            self.cost.get_or_insert_with(Cost::default).add(&c);
        }
        self.calls += calls;
    }

    /// Writes the sums onto the agent span, leaving counts the host set itself alone.
    pub fn record(&self, attrs: &mut Attributes) {
        if self.calls == 0 {
            return;
        }
        let mut sums = Attributes::default();
        self.usage.record(&mut sums);
        if let Some(cost) = self.cost {
            cost.record(&mut sums);
        }
        for (key, value) in sums.iter() {
            if attrs.get(key).is_none() {
                attrs.set(key.to_owned(), value.clone());
            }
        }
    }
}

/// Open agents by span id. Touched only by spans under an agent, so plain provider calls
/// never take this lock.
#[derive(Default)]
pub(crate) struct Rollups(Mutex<HashMap<SpanId, Rollup>>);

impl Rollups {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SpanId, Rollup>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn open(&self, agent: SpanId) {
        self.lock().insert(agent, Rollup::default());
    }

    /// Adds to an open agent; a call that outlives its agent adds to nothing.
    pub fn add(&self, agent: SpanId, usage: &Usage, cost: Option<Cost>) {
        if let Some(rollup) = self.lock().get_mut(&agent) {
            rollup.absorb(usage, cost, 1);
        }
    }

    /// Hands a finished sub-agent's sums to the agent above it.
    pub fn merge(&self, agent: SpanId, sub: &Rollup) {
        if let Some(rollup) = self.lock().get_mut(&agent) {
            rollup.absorb(&sub.usage, sub.cost, sub.calls);
        }
    }

    pub fn close(&self, agent: SpanId) -> Option<Rollup> {
        self.lock().remove(&agent)
    }
}
