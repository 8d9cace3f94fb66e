//! Spans another tracer made (an OpenTelemetry SDK's, through `LlmtelSpanProcessor`): recorded
//! with their own ids so they share a trace and a segment with llmtel's spans, and given the
//! Sentry operation and name Sentry's own OpenTelemetry bridge infers (`http.server`,
//! `POST /api/chat`, `db`, …). Mapping only: the host hands the finished span over as JSON.

use serde::Deserialize;

use crate::genai::SpecError;
use crate::span::{Attributes, ErrorCode, SpanData, SpanId, SpanKind, Status, Str, TraceId};

/// The origin of spans that came from another tracer.
pub const ORIGIN: &str = "auto.otel";

/// A finished span of another tracer, as its host read it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportedSpan {
    pub name: String,
    /// `internal`, `server`, `client`, `producer`, `consumer`, or OpenTelemetry's number (0–4).
    #[serde(default)]
    pub kind: Option<Kind>,
    pub trace_id: String,
    pub span_id: String,
    #[serde(default)]
    pub parent_span_id: Option<String>,
    /// The local root this span belongs to; absent for a local root itself.
    #[serde(default)]
    pub segment_id: Option<String>,
    pub start: Time,
    pub end: Time,
    /// `unset`, `ok` or `error`, or OpenTelemetry's number (0–2).
    #[serde(default)]
    pub status: Option<Kind>,
    #[serde(default)]
    pub status_message: Option<String>,
    #[serde(default)]
    pub attributes: serde_json::Map<String, serde_json::Value>,
}

/// A name or OpenTelemetry's enum number.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Kind {
    Number(u8),
    Name(String),
}

/// A time as nanoseconds since the epoch, or OpenTelemetry JS's `[seconds, nanoseconds]`.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(untagged)]
pub enum Time {
    Nanos(u64),
    HrTime([u64; 2]),
}

impl Time {
    fn nanos(self) -> u64 {
        match self {
            Time::Nanos(n) => n,
            Time::HrTime([s, n]) => s.saturating_mul(1_000_000_000).saturating_add(n),
        }
    }
}

fn bad(field: &'static str, reason: impl Into<String>) -> SpecError {
    SpecError {
        field,
        reason: reason.into(),
    }
}

impl ImportedSpan {
    /// The span as llmtel records it; `value_of` turns an attribute's JSON into a value.
    pub fn into_data(
        self,
        value_of: impl Fn(&serde_json::Value) -> Option<crate::span::Value>,
    ) -> Result<SpanData, SpecError> {
        let trace_id = TraceId::from_hex(&self.trace_id).ok_or_else(|| {
            bad(
                "trace_id",
                format!("{:?} is not 32 hex digits", self.trace_id),
            )
        })?;
        let span_id = span_id_of("span_id", &self.span_id)?;
        let parent_span_id = self
            .parent_span_id
            .as_deref()
            .filter(|p| !p.is_empty() && *p != "0000000000000000")
            .map(|p| span_id_of("parent_span_id", p))
            .transpose()?;
        let segment_id = match self.segment_id.as_deref() {
            Some(s) => span_id_of("segment_id", s)?,
            None => span_id,
        };
        let kind = match &self.kind {
            None => SpanKind::Internal,
            Some(Kind::Number(n)) => match n {
                0 => SpanKind::Internal,
                1 => SpanKind::Server,
                2 => SpanKind::Client,
                3 => SpanKind::Producer,
                4 => SpanKind::Consumer,
                _ => return Err(bad("kind", format!("{n} is not a span kind (0-4)"))),
            },
            Some(Kind::Name(name)) => SpanKind::parse(name)
                .ok_or_else(|| bad("kind", format!("{name:?} is not a span kind")))?,
        };
        let mut attributes = Attributes::with_capacity(self.attributes.len());
        for (key, value) in &self.attributes {
            if let Some(value) = value_of(value) {
                attributes.set(key.clone(), value);
            }
        }
        let status = match &self.status {
            None => Status::Unset,
            Some(Kind::Number(0)) => Status::Unset,
            Some(Kind::Number(1)) => Status::Ok,
            Some(Kind::Number(2)) => error_status(&attributes, self.status_message),
            Some(Kind::Name(n)) if n == "unset" => Status::Unset,
            Some(Kind::Name(n)) if n == "ok" => Status::Ok,
            Some(Kind::Name(n)) if n == "error" => error_status(&attributes, self.status_message),
            Some(other) => {
                return Err(bad(
                    "status",
                    format!("{other:?} is not unset, ok or error"),
                ));
            }
        };
        let start = self.start.nanos();
        let (name, op) = describe(&self.name, kind, &attributes);
        Ok(SpanData {
            trace_id,
            span_id,
            parent_span_id,
            segment_id,
            name: Str::Owned(name),
            op: op.map(Str::Owned),
            origin: Str::Borrowed(ORIGIN),
            kind,
            status,
            start_time_unix_nano: start,
            end_time_unix_nano: self.end.nanos().max(start),
            attributes,
            dsc: None,
        })
    }
}

fn span_id_of(field: &'static str, text: &str) -> Result<SpanId, SpecError> {
    SpanId::from_hex(text).ok_or_else(|| bad(field, format!("{text:?} is not 16 hex digits")))
}

/// An error status with Sentry's finer code where the HTTP status says it.
fn error_status(attributes: &Attributes, message: Option<String>) -> Status {
    let http = attributes
        .get("http.response.status_code")
        .or_else(|| attributes.get("http.status_code"))
        .and_then(|v| match v {
            crate::span::Value::Int(i) => u16::try_from(*i).ok(),
            crate::span::Value::String(s) => s.parse().ok(),
            _ => None,
        });
    Status::Error {
        code: http.map_or(ErrorCode::InternalError, crate::genai::code_for_http_status),
        message,
    }
}

fn text<'a>(attributes: &'a Attributes, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|k| match attributes.get(k) {
        Some(crate::span::Value::String(s)) => Some(&**s),
        _ => None,
    })
}

/// Sentry's operation and name for a span by its semantic-convention attributes, as Sentry's
/// OpenTelemetry bridge infers them; spans it has no rule for keep their name and no op.
fn describe(name: &str, kind: SpanKind, attributes: &Attributes) -> (String, Option<String>) {
    if let Some(op) = text(attributes, &["sentry.op"]) {
        return (name.to_owned(), Some(op.to_owned()));
    }
    if let Some(method) = text(attributes, &["http.request.method", "http.method"]) {
        let op = match kind {
            SpanKind::Server => "http.server",
            SpanKind::Client => "http.client",
            _ => "http",
        };
        let target = match kind {
            SpanKind::Server => text(attributes, &["http.route"])
                .or_else(|| text(attributes, &["url.path", "http.target"])),
            _ => text(attributes, &["url.full", "http.url"]),
        }
        .map(|t| t.split(['?', '#']).next().unwrap_or(t));
        let name = match target {
            Some(t) => format!("{method} {t}"),
            None => name.to_owned(),
        };
        return (name, Some(op.to_owned()));
    }
    if text(attributes, &["db.system.name", "db.system"]).is_some() {
        let statement = text(attributes, &["db.query.text", "db.statement"]);
        return (statement.unwrap_or(name).to_owned(), Some("db".to_owned()));
    }
    for (key, op) in [("rpc.service", "rpc"), ("messaging.system", "message")] {
        if text(attributes, &[key]).is_some() {
            return (name.to_owned(), Some(op.to_owned()));
        }
    }
    if let Some(trigger) = text(attributes, &["faas.trigger"]) {
        return (name.to_owned(), Some(trigger.to_owned()));
    }
    (name.to_owned(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import(json: serde_json::Value) -> Result<SpanData, SpecError> {
        let span: ImportedSpan = serde_json::from_value(json).unwrap();
        span.into_data(|v| match v {
            serde_json::Value::String(s) => Some(crate::span::Value::from(s.clone())),
            serde_json::Value::Number(n) => n.as_i64().map(crate::span::Value::Int),
            _ => None,
        })
    }

    const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

    #[test]
    fn an_http_server_span_is_named_by_its_route_and_keeps_its_ids_and_times() {
        let span = import(serde_json::json!({
            "name": "POST", "kind": 1, "trace_id": TRACE, "span_id": "00f067aa0ba902b7",
            "parent_span_id": "b7ad6b7169203331",
            "start": [1_700_000_000u64, 5], "end": 1_700_000_001_000_000_000u64,
            "status": 2,
            "attributes": {"http.request.method": "POST", "http.route": "/api/chat",
                           "url.path": "/api/chat?x=1", "http.response.status_code": 503},
        }))
        .unwrap();
        assert_eq!(&*span.name, "POST /api/chat");
        assert_eq!(span.op.as_deref(), Some("http.server"));
        assert_eq!(span.kind, SpanKind::Server);
        assert!(span.is_segment(), "no segment given: a local root");
        assert_eq!(span.parent_span_id.unwrap().to_hex(), "b7ad6b7169203331");
        assert_eq!(span.start_time_unix_nano, 1_700_000_000_000_000_005);
        assert_eq!(span.end_time_unix_nano, 1_700_000_001_000_000_000);
        assert_eq!(span.status.as_str(), "unavailable");
        assert_eq!(&*span.origin, ORIGIN);
    }

    #[test]
    fn a_database_span_is_named_by_its_statement_within_its_segment() {
        let span = import(serde_json::json!({
            "name": "SELECT", "kind": "client", "trace_id": TRACE, "span_id": "00f067aa0ba902b8",
            "parent_span_id": "00f067aa0ba902b7", "segment_id": "00f067aa0ba902b7",
            "start": 10, "end": 5,
            "attributes": {"db.system.name": "sqlite", "db.query.text": "SELECT 1"},
        }))
        .unwrap();
        assert_eq!(&*span.name, "SELECT 1");
        assert_eq!(span.op.as_deref(), Some("db"));
        assert!(!span.is_segment());
        assert_eq!(
            span.end_time_unix_nano, 10,
            "an end before the start is the start"
        );
    }

    #[test]
    fn bad_ids_kinds_and_statuses_name_their_field() {
        let base = serde_json::json!({"name": "x", "trace_id": TRACE, "span_id": "00f067aa0ba902b7",
                                      "start": 1, "end": 2});
        for (field, value) in [
            ("trace_id", serde_json::json!("xyz")),
            ("span_id", serde_json::json!("00f067aa0ba902")),
            ("segment_id", serde_json::json!("nothex0000000000")),
            ("kind", serde_json::json!(9)),
            ("kind", serde_json::json!("sideways")),
            ("status", serde_json::json!("fine")),
        ] {
            let mut json = base.clone();
            json[field] = value;
            assert_eq!(import(json).unwrap_err().field, field);
        }
    }
}
