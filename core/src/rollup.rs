//! Usage summed up the agent tree: each open agent span gathers the token usage and cost of
//! the model calls (and sub-agents) beneath it, and writes the sums when it ends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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

/// An ended agent span's sums, written when its completion runs: on the flush thread when the
/// calls beneath it read their responses there (they queued theirs first), at once otherwise.
/// Dropped unwritten (its span lost to a full queue or a panic), it still closes the agent and
/// hands its sums to the agent above.
pub(crate) struct PendingRollup {
    rollups: Arc<Rollups>,
    agent: SpanId,
    above: Option<SpanId>,
    closed: bool,
}

impl PendingRollup {
    pub fn new(rollups: Arc<Rollups>, agent: SpanId, above: Option<SpanId>) -> Self {
        PendingRollup {
            rollups,
            agent,
            above,
            closed: false,
        }
    }

    /// Closes the agent and writes its sums onto its span's attributes.
    pub fn write(mut self, attrs: &mut Attributes) {
        self.close(Some(attrs));
    }

    fn close(&mut self, attrs: Option<&mut Attributes>) {
        if std::mem::replace(&mut self.closed, true) {
            return;
        }
        let Some(rollup) = self.rollups.close(self.agent) else {
            return;
        };
        if let Some(attrs) = attrs {
            rollup.record(attrs);
        }
        if let Some(above) = self.above {
            self.rollups.merge(above, &rollup);
        }
    }
}

impl Drop for PendingRollup {
    fn drop(&mut self) {
        self.close(None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(output: i64) -> Usage {
        Usage {
            output: Some(output),
            ..Usage::default()
        }
    }

    #[test]
    fn a_pending_rollup_dropped_unwritten_closes_its_agent_and_hands_its_sums_above() {
        let rollups = Arc::new(Rollups::default());
        let (outer, inner) = (SpanId::random(), SpanId::random());
        rollups.open(outer);
        rollups.open(inner);
        rollups.add(inner, &usage(5), None);
        drop(PendingRollup::new(rollups.clone(), inner, Some(outer)));
        assert!(
            rollups.close(inner).is_none(),
            "the inner agent stayed open"
        );
        let mut attrs = Attributes::default();
        PendingRollup::new(rollups.clone(), outer, None).write(&mut attrs);
        assert!(rollups.lock().is_empty());
        assert_eq!(
            attrs.get("gen_ai.usage.output_tokens"),
            Some(&crate::span::Value::from(5_i64))
        );
    }
}
