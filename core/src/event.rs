//! Events the application captures itself (Sentry's `captureException` / `captureMessage`): an
//! error or a message, linked to the span it happened in, with the scope's tags, user and
//! contexts. They travel through the pipeline beside the spans and reach Sentry (and
//! Spotlight) as error events; the spool and OTLP have no place for them yet.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::genai::SpecError;
use crate::scrub::Scrubber;
use crate::span::{SpanContext, SpanId, TraceId};

/// What the host captured. Tags, user and contexts are the scope's.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventSpec {
    /// `fatal`, `error`, `warning`, `info` or `debug`; `error` for an exception, `info` for a
    /// message when unset.
    pub level: Option<String>,
    pub message: Option<String>,
    pub exception: Option<ExceptionSpec>,
    pub tags: BTreeMap<String, String>,
    pub user: serde_json::Map<String, serde_json::Value>,
    pub contexts: serde_json::Map<String, serde_json::Value>,
    /// The span active when it was captured; set by the binding, never from JSON.
    #[serde(skip)]
    pub parent: Option<SpanContext>,
}

/// An exception as the host saw it: its class, its message, its frames (oldest call first).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExceptionSpec {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub stacktrace: Vec<Frame>,
}

/// One stack frame, in Sentry's field names.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Frame {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineno: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colno: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_app: Option<bool>,
}

/// A captured event, ready for the exporters.
#[derive(Clone, Debug)]
pub struct EventData {
    /// 32 hex digits, as Sentry names events.
    pub event_id: String,
    pub timestamp_unix_nano: u64,
    pub level: &'static str,
    pub message: Option<String>,
    pub exception: Option<ExceptionSpec>,
    pub tags: BTreeMap<String, String>,
    pub user: serde_json::Map<String, serde_json::Value>,
    pub contexts: serde_json::Map<String, serde_json::Value>,
    /// The trace it belongs to: the active span's, else a fresh one.
    pub trace_id: TraceId,
    /// The span it happened in; when none was active, a fresh id, as Sentry's SDKs take their
    /// propagation context's (Sentry requires one on every trace context).
    pub span_id: SpanId,
}

/// A fresh event id: 32 random hex digits, as Sentry names events.
pub fn new_event_id() -> String {
    TraceId::random().to_hex()
}

const LEVELS: [&str; 5] = ["fatal", "error", "warning", "info", "debug"];

impl EventSpec {
    /// The event as recorded: secrets in its message and exception text replaced as in error
    /// messages of spans (always, by the built-in patterns and the user's), its trace the
    /// parent's.
    pub fn into_data(
        self,
        event_id: String,
        timestamp_unix_nano: u64,
        scrubber: &Scrubber,
    ) -> Result<EventData, SpecError> {
        if self.message.is_none() && self.exception.is_none() {
            return Err(SpecError {
                field: "event",
                reason: "an event needs a message or an exception".into(),
            });
        }
        let level = match self.level.as_deref() {
            None if self.exception.is_some() => "error",
            None => "info",
            Some(text) => LEVELS
                .into_iter()
                .find(|l| l.eq_ignore_ascii_case(text) || (*l == "warning" && text == "warn"))
                .ok_or_else(|| SpecError {
                    field: "level",
                    reason: format!("expected fatal, error, warning, info or debug, got {text:?}"),
                })?,
        };
        let scrub = |text: String| scrubber.scrub_always(text);
        let exception = self.exception.map(|mut e| {
            e.value = e.value.map(scrub);
            e
        });
        Ok(EventData {
            event_id,
            timestamp_unix_nano,
            level,
            message: self.message.map(scrub),
            exception,
            tags: self.tags,
            user: self.user,
            contexts: self.contexts,
            trace_id: self.parent.map_or_else(TraceId::random, |p| p.trace_id),
            span_id: self.parent.map_or_else(SpanId::random, |p| p.span_id),
        })
    }
}
