//! Sentry envelopes, built without I/O or a clock of their own: one per local root, a
//! `transaction` item for the root and its non-AI children, `span` (v2) items for `gen_ai.*`
//! spans, and an error event per failed GenAI span. `delivery` (native runtime) sends them with
//! client reports, rate limits per category, and a copy to Spotlight when enabled.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::Segment;
use super::values::AttrValue;
use crate::keys;
use crate::options::Config;
use crate::span::{SpanData, Status, Value, unix_nano_to_secs};

pub mod courier;
#[cfg(feature = "runtime")]
mod delivery;
#[cfg(feature = "runtime")]
pub use delivery::SentryExporter;

/// Relay rejects items above 1 MiB.
pub const MAX_ITEM_BYTES: usize = 1024 * 1024;
/// At most this many spans in one span v2 item.
pub const MAX_SPANS_PER_ITEM: usize = 1000;
const SPAN_V2_CONTENT_TYPE: &str = "application/vnd.sentry.items.span.v2+json";

/// The parts of the configuration envelopes are built from.
#[derive(Clone, Debug)]
pub struct EnvelopeSettings {
    pub public_key: Option<String>,
    pub environment: String,
    pub release: Option<String>,
    pub sdk_name: String,
    pub sdk_version: String,
    pub platform: &'static str,
    pub sample_rate: f64,
    pub ai_spans_in_transaction: bool,
    /// The DSN (its public form) for the envelope header, when envelopes go through a tunnel
    /// that forwards them by it; `None` otherwise, as Sentry's SDKs leave it out.
    pub dsn: Option<String>,
}

impl EnvelopeSettings {
    pub fn from_config(config: &Config) -> Self {
        EnvelopeSettings {
            public_key: config.dsn.as_ref().map(|d| d.public_key.clone()),
            environment: config.environment.clone(),
            release: config.release.clone(),
            sdk_name: config.sdk_name.clone(),
            sdk_version: crate::VERSION.to_owned(),
            platform: match config.sdk_language.as_str() {
                "nodejs" | "node" | "javascript" => "node",
                "python" => "python",
                "rust" | "c" | "cpp" | "native" => "native",
                "webjs" => "javascript",
                // The uniffi hosts, by OpenTelemetry's `telemetry.sdk.language` names.
                "java" | "kotlin" => "java",
                "ruby" => "ruby",
                "swift" => "cocoa",
                _ => "other",
            },
            sample_rate: config.traces_sample_rate,
            ai_spans_in_transaction: config.sentry_ai_spans_in_transaction,
            dsn: None,
        }
    }
}

impl EnvelopeSettings {
    /// The settings of the copy sent to Spotlight: GenAI spans inside the transaction, where
    /// Spotlight reads a trace's spans (it shows no span v2 item).
    pub fn for_spotlight(&self) -> Self {
        EnvelopeSettings {
            ai_spans_in_transaction: true,
            ..self.clone()
        }
    }
}

/// Every envelope of a segment, before rate limits: its spans, an error event per failed
/// GenAI span, and each event the application captured.
pub fn segment_envelopes<'a>(
    settings: &'a EnvelopeSettings,
    segment: &'a Segment,
) -> impl Iterator<Item = SegmentEnvelope> + 'a {
    (!segment.is_empty())
        .then(|| build_segment(settings, segment))
        .into_iter()
        .chain(error_envelopes(settings, segment))
        .chain(captured_envelopes(settings, segment))
}

/// A segment's envelopes as Spotlight gets them, written: every item, whatever Sentry's rate
/// limits (`settings` from `EnvelopeSettings::for_spotlight`).
pub fn spotlight_envelopes<'a>(
    settings: &'a EnvelopeSettings,
    segment: &'a Segment,
) -> impl Iterator<Item = Vec<u8>> + 'a {
    segment_envelopes(settings, segment).map(|envelope| {
        let items: Vec<&Item> = envelope.items.iter().collect();
        write_envelope(
            settings,
            &envelope.header,
            &items,
            None,
            crate::clock::now_system_time(),
        )
    })
}

/// Data categories Sentry counts items in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    Transaction,
    Span,
    /// An error event (a failed GenAI call).
    Error,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Transaction => "transaction",
            Category::Span => "span",
            Category::Error => "error",
        }
    }
}

/// One item of an envelope, already serialized.
#[derive(Debug)]
pub struct Item {
    pub category: Category,
    /// `item_count` for span items.
    pub item_count: Option<usize>,
    pub payload: Vec<u8>,
    /// Spans this item carries (a transaction counts its root and its children).
    pub spans: u64,
}

/// The envelope for one segment, before rate limits and client reports are applied.
#[derive(Debug)]
pub struct SegmentEnvelope {
    pub header: EnvelopeHeader,
    pub items: Vec<Item>,
    /// Spans that could not be put in any item (too large on their own).
    pub oversized: u64,
}

/// One error event per failed GenAI span, each in an envelope of its own (an envelope holds at
/// most one event-like item), linked to the span through `contexts.trace`.
pub fn error_envelopes(settings: &EnvelopeSettings, segment: &Segment) -> Vec<SegmentEnvelope> {
    let root_name = segment.root.as_ref().map(|r| r.name.to_string());
    let dsc = segment.root.as_ref().and_then(|r| r.dsc.clone());
    segment
        .spans()
        .filter(|s| s.is_gen_ai() && s.status.is_error())
        .map(|span| {
            let event_id = crate::event::new_event_id();
            let payload = error_event_payload(settings, &event_id, span, root_name.as_deref());
            SegmentEnvelope {
                header: EnvelopeHeader {
                    event_id: Some(event_id),
                    trace_id: Some(span.trace_id.to_hex()),
                    transaction: root_name.clone(),
                    dsc: dsc.clone(),
                },
                items: vec![Item {
                    category: Category::Error,
                    item_count: None,
                    payload,
                    spans: 0,
                }],
                oversized: 0,
            }
        })
        .collect()
}

/// One error event per event the application captured, each in an envelope of its own, linked
/// to the span it was captured in.
pub fn captured_envelopes(settings: &EnvelopeSettings, segment: &Segment) -> Vec<SegmentEnvelope> {
    segment
        .events
        .iter()
        .map(|event| SegmentEnvelope {
            header: EnvelopeHeader {
                event_id: Some(event.event_id.clone()),
                trace_id: Some(event.trace_id.to_hex()),
                transaction: None,
                dsc: None,
            },
            items: vec![Item {
                category: Category::Error,
                item_count: None,
                payload: captured_event_payload(settings, event),
                spans: 0,
            }],
            oversized: 0,
        })
        .collect()
}

/// A captured event in Sentry's event schema.
fn captured_event_payload(settings: &EnvelopeSettings, event: &crate::event::EventData) -> Vec<u8> {
    let trace = serde_json::json!({
        "trace_id": event.trace_id.to_hex(),
        "span_id": event.span_id.to_hex(),
    });
    let mut contexts = event.contexts.clone();
    contexts.insert("trace".into(), trace);
    let mut payload = serde_json::json!({
        "event_id": event.event_id,
        "timestamp": unix_nano_to_secs(event.timestamp_unix_nano),
        "platform": settings.platform,
        "level": event.level,
        "environment": settings.environment,
        "sdk": {"name": settings.sdk_name, "version": settings.sdk_version},
        "contexts": contexts,
        "tags": event.tags,
    });
    if !event.user.is_empty() {
        payload["user"] = event.user.clone().into();
    }
    if let Some(release) = &settings.release {
        payload["release"] = release.clone().into();
    }
    if let Some(message) = &event.message {
        payload["message"] = serde_json::json!({"formatted": message});
    }
    if let Some(exception) = &event.exception {
        let mut value = serde_json::json!({
            "type": exception.kind,
            "mechanism": {"type": "generic", "handled": true},
        });
        if let Some(text) = &exception.value {
            value["value"] = text.clone().into();
        }
        if !exception.stacktrace.is_empty() {
            value["stacktrace"] = serde_json::json!({"frames": exception.stacktrace});
        }
        payload["exception"] = serde_json::json!({"values": [value]});
    }
    serde_json::to_vec(&payload).expect("an event serializes")
}

fn error_event_payload(
    settings: &EnvelopeSettings,
    event_id: &str,
    span: &SpanData,
    transaction: Option<&str>,
) -> Vec<u8> {
    let error_type = span
        .attributes
        .get(keys::ERROR_TYPE)
        .and_then(Value::as_str)
        .unwrap_or("error");
    let message = match &span.status {
        Status::Error {
            message: Some(m), ..
        } => m.as_str(),
        _ => error_type,
    };
    let mut tags = serde_json::Map::new();
    for key in [
        keys::GEN_AI_PROVIDER_NAME,
        keys::GEN_AI_REQUEST_MODEL,
        keys::GEN_AI_OPERATION_NAME,
    ] {
        if let Some(v) = span.attributes.get(key).and_then(Value::as_str) {
            tags.insert(key.into(), v.into());
        }
    }
    let mut trace = serde_json::json!({
        "trace_id": span.trace_id.to_hex(),
        "span_id": span.span_id.to_hex(),
        "status": transaction_status(&span.status),
    });
    if let Some(parent) = span.parent_span_id {
        trace["parent_span_id"] = parent.to_hex().into();
    }
    if let Some(op) = span.op.as_deref() {
        trace["op"] = op.into();
    }
    let mut event = serde_json::json!({
        "event_id": event_id,
        "timestamp": unix_nano_to_secs(span.end_time_unix_nano),
        "platform": settings.platform,
        "level": "error",
        "logger": "llmtel",
        "environment": settings.environment,
        "sdk": {"name": settings.sdk_name, "version": settings.sdk_version},
        "exception": {"values": [{
            "type": error_type,
            "value": message,
            "mechanism": {"type": span.origin.as_ref(), "handled": false},
        }]},
        "contexts": {"trace": trace},
        "tags": tags,
    });
    if let Some(release) = &settings.release {
        event["release"] = release.clone().into();
    }
    if let Some(name) = transaction {
        event["transaction"] = name.into();
    }
    serde_json::to_vec(&event).expect("an event serializes")
}

#[derive(Clone, Debug)]
pub struct EnvelopeHeader {
    pub event_id: Option<String>,
    pub trace_id: Option<String>,
    pub transaction: Option<String>,
    /// The DSC a continued trace's head froze; without one the header carries this SDK's.
    pub dsc: Option<std::sync::Arc<crate::propagation::DynamicSamplingContext>>,
}

/// Builds the items of one segment. Pure: no I/O, no clock but the caller's.
pub fn build_segment(settings: &EnvelopeSettings, segment: &Segment) -> SegmentEnvelope {
    let mut v2: Vec<&SpanData> = Vec::new();
    let mut items = Vec::new();
    let mut oversized = 0;
    let trace_id = segment.spans().next().map(|s| s.trace_id.to_hex());
    let mut header = EnvelopeHeader {
        event_id: None,
        trace_id,
        transaction: None,
        dsc: segment.root.as_ref().and_then(|r| r.dsc.clone()),
    };

    if let Some(root) = &segment.root {
        let (in_tx, ai): (Vec<&SpanData>, Vec<&SpanData>) = segment
            .children
            .iter()
            .partition(|c| settings.ai_spans_in_transaction || !c.is_gen_ai());
        v2.extend(ai);
        let event_id = crate::event::new_event_id();
        let mut payload = transaction_payload(settings, &event_id, root, &in_tx);
        let mut tx_children = in_tx.len();
        if payload.len() > MAX_ITEM_BYTES && !in_tx.is_empty() {
            // Too big as one transaction: the children travel as span v2 items instead.
            v2.extend(in_tx);
            payload = transaction_payload(settings, &event_id, root, &[]);
            tx_children = 0;
        }
        header.transaction = Some(root.name.to_string());
        if payload.len() <= MAX_ITEM_BYTES {
            header.event_id = Some(event_id);
            items.push(Item {
                category: Category::Transaction,
                item_count: None,
                payload,
                spans: 1 + tx_children as u64,
            });
        } else {
            oversized += 1;
        }
    } else {
        v2.extend(segment.children.iter());
    }

    // Span v2 items: at most 1000 spans and 1 MiB each.
    const FRAME: usize = r#"{"version":2,"items":[]}"#.len();
    let mut batch: Vec<u8> = Vec::new();
    let mut count = 0usize;
    let flush = |batch: &mut Vec<u8>, count: &mut usize, items: &mut Vec<Item>| {
        if *count > 0 {
            let mut payload = Vec::with_capacity(batch.len() + FRAME);
            payload.extend_from_slice(br#"{"version":2,"items":["#);
            payload.append(batch);
            payload.extend_from_slice(b"]}");
            items.push(Item {
                category: Category::Span,
                item_count: Some(*count),
                payload,
                spans: *count as u64,
            });
            *count = 0;
        }
    };
    for span in v2 {
        let json = span_v2_json(settings, span, segment);
        if json.len() + FRAME > MAX_ITEM_BYTES {
            oversized += 1;
            continue;
        }
        if count == MAX_SPANS_PER_ITEM || batch.len() + 1 + json.len() + FRAME > MAX_ITEM_BYTES {
            flush(&mut batch, &mut count, &mut items);
        }
        if count > 0 {
            batch.push(b',');
        }
        batch.extend_from_slice(&json);
        count += 1;
    }
    flush(&mut batch, &mut count, &mut items);

    SegmentEnvelope {
        header,
        items,
        oversized,
    }
}

/// Serializes an envelope: header line, then for each item its header line and payload.
pub fn write_envelope(
    settings: &EnvelopeSettings,
    header: &EnvelopeHeader,
    items: &[&Item],
    client_report: Option<&[u8]>,
    sent_at: SystemTime,
) -> Vec<u8> {
    let capacity = items.iter().map(|i| i.payload.len() + 128).sum::<usize>() + 512;
    let mut out = Vec::with_capacity(capacity);
    let mut head = serde_json::Map::new();
    if let Some(id) = &header.event_id {
        head.insert("event_id".into(), id.clone().into());
    }
    if let Some(dsn) = &settings.dsn {
        head.insert("dsn".into(), dsn.clone().into());
    }
    head.insert("sent_at".into(), rfc3339(sent_at).into());
    head.insert(
        "sdk".into(),
        serde_json::json!({"name": settings.sdk_name, "version": settings.sdk_version}),
    );
    if let Some(frozen) = &header.dsc {
        let dsc: serde_json::Map<String, serde_json::Value> = frozen
            .entries()
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value.into()))
            .collect();
        head.insert("trace".into(), dsc.into());
    } else if let Some(trace_id) = &header.trace_id {
        let mut dsc = serde_json::Map::new();
        dsc.insert("trace_id".into(), trace_id.clone().into());
        if let Some(key) = &settings.public_key {
            dsc.insert("public_key".into(), key.clone().into());
        }
        dsc.insert(
            "sample_rate".into(),
            settings.sample_rate.to_string().into(),
        );
        dsc.insert("sampled".into(), "true".into());
        dsc.insert("environment".into(), settings.environment.clone().into());
        if let Some(release) = &settings.release {
            dsc.insert("release".into(), release.clone().into());
        }
        if let Some(tx) = &header.transaction {
            dsc.insert("transaction".into(), tx.clone().into());
        }
        head.insert("trace".into(), dsc.into());
    }
    serde_json::to_writer(&mut out, &head).expect("a JSON map serializes");
    out.push(b'\n');
    for item in items {
        let item_header = match item.category {
            Category::Transaction => {
                serde_json::json!({"type": "transaction", "length": item.payload.len()})
            }
            Category::Span => serde_json::json!({
                "type": "span",
                "item_count": item.item_count.unwrap_or(0),
                "content_type": SPAN_V2_CONTENT_TYPE,
                "length": item.payload.len(),
            }),
            Category::Error => serde_json::json!({"type": "event", "length": item.payload.len()}),
        };
        serde_json::to_writer(&mut out, &item_header).expect("a JSON map serializes");
        out.push(b'\n');
        out.extend_from_slice(&item.payload);
        out.push(b'\n');
    }
    if let Some(report) = client_report {
        serde_json::to_writer(
            &mut out,
            &serde_json::json!({"type": "client_report", "length": report.len()}),
        )
        .expect("a JSON map serializes");
        out.push(b'\n');
        out.extend_from_slice(report);
        out.push(b'\n');
    }
    out
}

fn transaction_status(status: &Status) -> &'static str {
    match status {
        Status::Unset | Status::Ok => "ok",
        Status::Error { code, .. } => code.as_str(),
    }
}

fn transaction_payload(
    settings: &EnvelopeSettings,
    event_id: &str,
    root: &SpanData,
    children: &[&SpanData],
) -> Vec<u8> {
    let event = TransactionEvent {
        kind: "transaction",
        event_id,
        transaction: &root.name,
        transaction_info: TransactionInfo { source: "custom" },
        start_timestamp: unix_nano_to_secs(root.start_time_unix_nano),
        timestamp: unix_nano_to_secs(root.end_time_unix_nano),
        platform: settings.platform,
        release: settings.release.as_deref(),
        environment: &settings.environment,
        sdk: SdkInfo {
            name: &settings.sdk_name,
            version: &settings.sdk_version,
        },
        contexts: Contexts {
            trace: TraceContext {
                trace_id: root.trace_id.to_hex(),
                span_id: root.span_id.to_hex(),
                parent_span_id: root.parent_span_id.map(|p| p.to_hex()),
                op: root.op.as_deref(),
                status: transaction_status(&root.status),
                origin: &root.origin,
                data: SentryAttributes::new(root, None, false),
            },
        },
        spans: children
            .iter()
            .map(|c| TransactionSpan {
                trace_id: c.trace_id.to_hex(),
                span_id: c.span_id.to_hex(),
                parent_span_id: c.parent_span_id.map(|p| p.to_hex()),
                op: c.op.as_deref(),
                description: &c.name,
                origin: &c.origin,
                status: transaction_status(&c.status),
                start_timestamp: unix_nano_to_secs(c.start_time_unix_nano),
                timestamp: unix_nano_to_secs(c.end_time_unix_nano),
                data: SentryAttributes::new(c, None, false),
            })
            .collect(),
    };
    serde_json::to_vec(&event).expect("a transaction serializes")
}

fn span_v2_json(settings: &EnvelopeSettings, span: &SpanData, segment: &Segment) -> Vec<u8> {
    let v2 = SpanV2 {
        trace_id: span.trace_id.to_hex(),
        span_id: span.span_id.to_hex(),
        parent_span_id: span.parent_span_id.map(|p| p.to_hex()),
        name: &span.name,
        status: if span.status.is_error() {
            "error"
        } else {
            "ok"
        },
        is_segment: span.is_segment(),
        start_timestamp: unix_nano_to_secs(span.start_time_unix_nano),
        end_timestamp: unix_nano_to_secs(span.end_time_unix_nano),
        attributes: SentryAttributes::new(span, Some((settings, segment)), true),
    };
    serde_json::to_vec(&v2).expect("a span serializes")
}

#[derive(Serialize)]
struct TransactionEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    event_id: &'a str,
    transaction: &'a str,
    transaction_info: TransactionInfo,
    start_timestamp: f64,
    timestamp: f64,
    platform: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    release: Option<&'a str>,
    environment: &'a str,
    sdk: SdkInfo<'a>,
    contexts: Contexts<'a>,
    spans: Vec<TransactionSpan<'a>>,
}

#[derive(Serialize)]
struct TransactionInfo {
    source: &'static str,
}

#[derive(Serialize)]
struct SdkInfo<'a> {
    name: &'a str,
    version: &'a str,
}

#[derive(Serialize)]
struct Contexts<'a> {
    trace: TraceContext<'a>,
}

#[derive(Serialize)]
struct TraceContext<'a> {
    trace_id: String,
    span_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent_span_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    op: Option<&'a str>,
    status: &'static str,
    origin: &'a str,
    data: SentryAttributes<'a>,
}

#[derive(Serialize)]
struct TransactionSpan<'a> {
    trace_id: String,
    span_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent_span_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    op: Option<&'a str>,
    description: &'a str,
    origin: &'a str,
    status: &'static str,
    start_timestamp: f64,
    timestamp: f64,
    data: SentryAttributes<'a>,
}

#[derive(Serialize)]
struct SpanV2<'a> {
    trace_id: String,
    span_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent_span_id: Option<String>,
    name: &'a str,
    status: &'static str,
    is_segment: bool,
    start_timestamp: f64,
    end_timestamp: f64,
    attributes: SentryAttributes<'a>,
}

/// A span's attributes as Sentry wants them: the span's own, plus Sentry's aliases, plus (for
/// span v2) the `sentry.*` attributes; either as plain JSON values or as `{type, value}`.
struct SentryAttributes<'a> {
    span: &'a SpanData,
    extra: Vec<(&'a str, Extra<'a>)>,
    typed: bool,
}

enum Extra<'a> {
    Text(&'a str),
    Owned(String),
    Value(&'a Value),
}

impl<'a> SentryAttributes<'a> {
    fn new(
        span: &'a SpanData,
        v2: Option<(&'a EnvelopeSettings, &'a Segment)>,
        typed: bool,
    ) -> Self {
        let mut extra = Vec::new();
        let attrs = &span.attributes;
        if attrs.get(keys::SENTRY_GEN_AI_SYSTEM).is_none()
            && let Some(provider) = attrs
                .get(keys::GEN_AI_PROVIDER_NAME)
                .and_then(Value::as_str)
        {
            extra.push((
                keys::SENTRY_GEN_AI_SYSTEM,
                Extra::Text(keys::sentry_system_for_provider(provider)),
            ));
        }
        for (alias, source) in keys::SENTRY_ALIASES {
            if attrs.get(alias).is_none()
                && let Some(value) = attrs.get(source)
            {
                extra.push((alias, Extra::Value(value)));
            }
        }
        if let Some((settings, segment)) = v2 {
            if let Some(op) = span.op.as_deref() {
                extra.push(("sentry.op", Extra::Text(op)));
            }
            extra.push(("sentry.origin", Extra::Text(&span.origin)));
            extra.push(("sentry.environment", Extra::Text(&settings.environment)));
            if let Some(release) = settings.release.as_deref() {
                extra.push(("sentry.release", Extra::Text(release)));
            }
            extra.push(("sentry.sdk.name", Extra::Text(&settings.sdk_name)));
            extra.push(("sentry.sdk.version", Extra::Text(&settings.sdk_version)));
            extra.push(("sentry.segment.id", Extra::Owned(span.segment_id.to_hex())));
            if let Some(root) = &segment.root {
                extra.push(("sentry.segment.name", Extra::Text(&root.name)));
            }
        }
        SentryAttributes { span, extra, typed }
    }
}

impl Serialize for SentryAttributes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map =
            serializer.serialize_map(Some(self.span.attributes.len() + self.extra.len()))?;
        let typed = self.typed;
        for (key, value) in self.span.attributes.iter() {
            map.serialize_entry(key, &AttrValue { value, typed })?;
        }
        for (key, extra) in &self.extra {
            match extra {
                Extra::Text(text) => map.serialize_entry(key, &TextValue { text, typed })?,
                Extra::Owned(text) => map.serialize_entry(key, &TextValue { text, typed })?,
                Extra::Value(value) => map.serialize_entry(key, &AttrValue { value, typed })?,
            }
        }
        map.end()
    }
}

struct TextValue<'a> {
    text: &'a str,
    typed: bool,
}

impl Serialize for TextValue<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.typed {
            let mut map = s.serialize_map(Some(2))?;
            map.serialize_entry("type", "string")?;
            map.serialize_entry("value", self.text)?;
            map.end()
        } else {
            s.serialize_str(self.text)
        }
    }
}

/// RFC 3339 in UTC with microseconds, as Sentry writes `sent_at`.
pub fn rfc3339(at: SystemTime) -> String {
    let d = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_micros()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formats_known_instants() {
        let at = UNIX_EPOCH + std::time::Duration::from_micros(1_764_000_000_123_456);
        assert_eq!(rfc3339(at), "2025-11-24T16:00:00.123456Z");
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        let leap = UNIX_EPOCH + std::time::Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(rfc3339(leap), "2000-02-29T00:00:00.000000Z");
    }

    #[test]
    fn each_host_language_names_a_sentry_platform() {
        let platform = |language: &str| {
            let options = crate::Options {
                sdk_language: language.into(),
                ..crate::Options::default()
            };
            EnvelopeSettings::from_config(&options.resolve().unwrap()).platform
        };
        let named: Vec<_> = [
            "nodejs", "python", "cpp", "webjs", "java", "ruby", "swift", "cobol",
        ]
        .map(platform)
        .to_vec();
        assert_eq!(
            named,
            [
                "node",
                "python",
                "native",
                "javascript",
                "java",
                "ruby",
                "cocoa",
                "other"
            ]
        );
    }
}
