//! Span data: ids, typed attribute values, status, and the finished-span record exporters read.

use std::borrow::Cow;
use std::fmt;

use crate::ids;

/// A string that is free when it is a literal and owned when it comes from a host language.
pub type Str = Cow<'static, str>;

/// 16-byte trace id, printed as 32 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TraceId(pub [u8; 16]);

/// 8-byte span id, printed as 16 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpanId(pub [u8; 8]);

macro_rules! hex_id {
    ($ty:ident, $len:expr) => {
        impl $ty {
            /// A fresh random, non-zero id.
            pub fn random() -> Self {
                let mut bytes = [0u8; $len];
                ids::fill_nonzero(&mut bytes);
                Self(bytes)
            }

            /// Lowercase hex, as every wire format we speak writes it.
            pub fn to_hex(&self) -> String {
                hex(&self.0)
            }

            /// Parses exactly the hex form; an all-zero id is invalid (W3C and OTLP agree).
            pub fn from_hex(text: &str) -> Option<Self> {
                let text = text.as_bytes();
                if text.len() != $len * 2 {
                    return None;
                }
                let mut bytes = [0u8; $len];
                for (i, pair) in text.chunks_exact(2).enumerate() {
                    bytes[i] = (hex_digit(pair[0])? << 4) | hex_digit(pair[1])?;
                }
                (bytes != [0u8; $len]).then_some(Self(bytes))
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_hex())
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_hex())
            }
        }
    };
}

/// Lowercase hex of any bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 0xf) as usize] as char);
    }
    out
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

hex_id!(TraceId, 16);
hex_id!(SpanId, 8);

/// What a child needs of its parent: ids, the local root, and the sampling decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpanContext {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    /// The local root ("segment" in Sentry's words) this span belongs to.
    pub segment_id: SpanId,
    pub sampled: bool,
    /// A span of another process (from `traceparent` / `sentry-trace`): a child of it is the
    /// local root of its own segment.
    pub remote: bool,
    /// The nearest enclosing agent span, whose token usage sums its model calls'.
    pub agent: Option<SpanId>,
}

/// OpenTelemetry span kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SpanKind {
    #[default]
    Internal,
    Client,
    Server,
    Producer,
    Consumer,
}

impl SpanKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SpanKind::Internal => "internal",
            SpanKind::Client => "client",
            SpanKind::Server => "server",
            SpanKind::Producer => "producer",
            SpanKind::Consumer => "consumer",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.to_ascii_lowercase().as_str() {
            "internal" => SpanKind::Internal,
            "client" => SpanKind::Client,
            "server" => SpanKind::Server,
            "producer" => SpanKind::Producer,
            "consumer" => SpanKind::Consumer,
            _ => return None,
        })
    }
}

/// Sentry's v1 status vocabulary, which is finer than OpenTelemetry's ok/error; exporters that
/// only know ok/error collapse it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    Cancelled,
    Unknown,
    InvalidArgument,
    DeadlineExceeded,
    NotFound,
    AlreadyExists,
    PermissionDenied,
    ResourceExhausted,
    FailedPrecondition,
    Aborted,
    OutOfRange,
    Unimplemented,
    InternalError,
    Unavailable,
    DataLoss,
    Unauthenticated,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 16] = [
        ErrorCode::Cancelled,
        ErrorCode::Unknown,
        ErrorCode::InvalidArgument,
        ErrorCode::DeadlineExceeded,
        ErrorCode::NotFound,
        ErrorCode::AlreadyExists,
        ErrorCode::PermissionDenied,
        ErrorCode::ResourceExhausted,
        ErrorCode::FailedPrecondition,
        ErrorCode::Aborted,
        ErrorCode::OutOfRange,
        ErrorCode::Unimplemented,
        ErrorCode::InternalError,
        ErrorCode::Unavailable,
        ErrorCode::DataLoss,
        ErrorCode::Unauthenticated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::Unknown => "unknown",
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::DeadlineExceeded => "deadline_exceeded",
            ErrorCode::NotFound => "not_found",
            ErrorCode::AlreadyExists => "already_exists",
            ErrorCode::PermissionDenied => "permission_denied",
            ErrorCode::ResourceExhausted => "resource_exhausted",
            ErrorCode::FailedPrecondition => "failed_precondition",
            ErrorCode::Aborted => "aborted",
            ErrorCode::OutOfRange => "out_of_range",
            ErrorCode::Unimplemented => "unimplemented",
            ErrorCode::InternalError => "internal_error",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::DataLoss => "data_loss",
            ErrorCode::Unauthenticated => "unauthenticated",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

/// A span's outcome. `Unset` is what OpenTelemetry instrumentations leave on success.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Status {
    #[default]
    Unset,
    Ok,
    Error {
        code: ErrorCode,
        message: Option<String>,
    },
}

impl Status {
    pub fn error(message: impl Into<String>) -> Self {
        Status::Error {
            code: ErrorCode::InternalError,
            message: Some(message.into()),
        }
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Status::Error { .. })
    }

    /// `unset`, `ok`, or the error's Sentry status (`internal_error`, …).
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Unset => "unset",
            Status::Ok => "ok",
            Status::Error { code, .. } => code.as_str(),
        }
    }
}

/// A typed attribute value. Arrays are homogeneous, as OpenTelemetry requires.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    String(Str),
    Int(i64),
    Double(f64),
    Bool(bool),
    StringArray(Vec<Str>),
    IntArray(Vec<i64>),
    DoubleArray(Vec<f64>),
    BoolArray(Vec<bool>),
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Double(d) => Some(*d),
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }
}

impl From<&'static str> for Value {
    fn from(v: &'static str) -> Self {
        Value::String(Cow::Borrowed(v))
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::String(Cow::Owned(v))
    }
}
impl From<Str> for Value {
    fn from(v: Str) -> Self {
        Value::String(v)
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int(v.into())
    }
}
impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::Int(v.into())
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Double(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<Vec<Str>> for Value {
    fn from(v: Vec<Str>) -> Self {
        Value::StringArray(v)
    }
}
impl From<Vec<&'static str>> for Value {
    fn from(v: Vec<&'static str>) -> Self {
        Value::StringArray(v.into_iter().map(Cow::Borrowed).collect())
    }
}
impl From<Vec<String>> for Value {
    fn from(v: Vec<String>) -> Self {
        Value::StringArray(v.into_iter().map(Cow::Owned).collect())
    }
}
impl From<Vec<i64>> for Value {
    fn from(v: Vec<i64>) -> Self {
        Value::IntArray(v)
    }
}
impl From<Vec<f64>> for Value {
    fn from(v: Vec<f64>) -> Self {
        Value::DoubleArray(v)
    }
}
impl From<Vec<bool>> for Value {
    fn from(v: Vec<bool>) -> Self {
        Value::BoolArray(v)
    }
}

/// Attributes in insertion order; setting an existing key replaces its value in place.
///
/// A 64-bit fingerprint of the keys present lets `set` skip the duplicate scan for almost every
/// new key, which keeps recording an attribute to a push on the caller's thread.
#[derive(Clone, Debug, Default)]
pub struct Attributes {
    entries: Vec<(Str, Value)>,
    fingerprints: u64,
}

/// Emptied attribute storage on its way back from the flush thread to new spans: reusing it
/// spares the allocator a cross-thread free and a malloc per span.
pub(crate) struct AttributeStorage(Vec<(Str, Value)>);

/// Room reserved on the first `set`: a GenAI span carries 10 to 20 attributes.
const FIRST_CAPACITY: usize = 16;

#[inline]
fn fingerprint(key: &str) -> u64 {
    let b = key.as_bytes();
    let last = b.last().copied().unwrap_or(0) as u64;
    let before = if b.len() >= 2 {
        b[b.len() - 2] as u64
    } else {
        0
    };
    1u64 << ((b.len() as u64 * 7 + last * 3 + before) & 63)
}

impl PartialEq for Attributes {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl Attributes {
    pub fn with_capacity(n: usize) -> Self {
        Attributes {
            entries: Vec::with_capacity(n),
            fingerprints: 0,
        }
    }

    /// Gives up the storage, emptied, so the flush thread can hand it to a new span.
    #[cfg(feature = "runtime")]
    pub(crate) fn into_storage(mut self) -> AttributeStorage {
        self.entries.clear();
        AttributeStorage(self.entries)
    }

    /// Reuses storage from a finished span when this span has allocated none of its own yet.
    pub(crate) fn adopt(&mut self, storage: AttributeStorage) {
        if self.entries.capacity() == 0 {
            self.entries = storage.0;
        }
    }

    pub fn set(&mut self, key: impl Into<Str>, value: impl Into<Value>) {
        let key = key.into();
        let value = value.into();
        let print = fingerprint(&key);
        if self.fingerprints & print != 0
            && let Some(slot) = self.entries.iter_mut().find(|(k, _)| *k == key)
        {
            slot.1 = value;
            return;
        }
        if self.entries.capacity() == 0 {
            self.entries.reserve(FIRST_CAPACITY);
        }
        self.fingerprints |= print;
        self.entries.push((key, value));
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        if self.fingerprints & fingerprint(key) == 0 {
            return None;
        }
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let at = self.entries.iter().position(|(k, _)| k == key)?;
        let removed = self.entries.remove(at).1;
        self.refingerprint();
        Some(removed)
    }

    /// Keeps only the attributes for which `keep` says yes.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &mut Value) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
        self.refingerprint();
    }

    fn refingerprint(&mut self) {
        self.fingerprints = self.entries.iter().fold(0, |m, (k, _)| m | fingerprint(k));
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (k.as_ref(), v))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A finished (or, while recording, an in-progress) span: everything an exporter needs.
#[derive(Clone, Debug)]
pub struct SpanData {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub parent_span_id: Option<SpanId>,
    /// The local root's span id; equal to `span_id` for the local root itself.
    pub segment_id: SpanId,
    pub name: Str,
    /// Sentry's operation (`gen_ai.chat`, `http.client`, …); exporters without the notion skip it.
    pub op: Option<Str>,
    /// Who made the span: `manual` for user spans, `auto.ai.openai` for integrations.
    pub origin: Str,
    pub kind: SpanKind,
    pub status: Status,
    /// Wall-clock start and end, nanoseconds since the Unix epoch.
    pub start_time_unix_nano: u64,
    pub end_time_unix_nano: u64,
    pub attributes: Attributes,
    /// On a local root that continues another process's trace: the DSC that trace's head
    /// froze, which Sentry envelopes carry as is.
    pub dsc: Option<std::sync::Arc<crate::propagation::DynamicSamplingContext>>,
}

impl SpanData {
    /// The data, with an empty one left in its place (the ids, kind and times kept): a span
    /// completed on the flush thread is read onto as a detached `Span`, then given back.
    pub(crate) fn take(&mut self) -> SpanData {
        let shell = SpanData {
            trace_id: self.trace_id,
            span_id: self.span_id,
            parent_span_id: self.parent_span_id,
            segment_id: self.segment_id,
            name: Str::Borrowed(""),
            op: None,
            origin: Str::Borrowed(""),
            kind: self.kind,
            status: Status::Unset,
            start_time_unix_nano: self.start_time_unix_nano,
            end_time_unix_nano: self.end_time_unix_nano,
            attributes: Attributes::default(),
            dsc: None,
        };
        std::mem::replace(self, shell)
    }

    /// A bare span for unit tests.
    #[cfg(test)]
    pub(crate) fn for_tests(name: &'static str) -> Self {
        SpanData {
            trace_id: TraceId::random(),
            span_id: SpanId::random(),
            parent_span_id: None,
            segment_id: SpanId([1; 8]),
            name: Str::Borrowed(name),
            op: None,
            origin: Str::Borrowed("manual"),
            kind: SpanKind::Internal,
            status: Status::Unset,
            start_time_unix_nano: 0,
            end_time_unix_nano: 0,
            attributes: Attributes::default(),
            dsc: None,
        }
    }

    /// True for the local root (Sentry's segment, which becomes the transaction).
    pub fn is_segment(&self) -> bool {
        self.segment_id == self.span_id
    }

    /// GenAI spans travel apart from the transaction in Sentry envelopes.
    pub fn is_gen_ai(&self) -> bool {
        self.op
            .as_deref()
            .is_some_and(|op| op.starts_with("gen_ai."))
            || self
                .attributes
                .get(crate::keys::GEN_AI_OPERATION_NAME)
                .is_some()
    }

    pub fn context(&self) -> SpanContext {
        SpanContext {
            trace_id: self.trace_id,
            span_id: self.span_id,
            segment_id: self.segment_id,
            sampled: true,
            remote: false,
            agent: None,
        }
    }

    pub fn duration_secs(&self) -> f64 {
        self.end_time_unix_nano
            .saturating_sub(self.start_time_unix_nano) as f64
            / 1e9
    }
}

/// Wall-clock now in nanoseconds since the Unix epoch.
pub fn now_unix_nano() -> u64 {
    crate::clock::now_unix_nano()
}

/// Float seconds since the epoch with microsecond precision, as Sentry writes timestamps.
pub fn unix_nano_to_secs(nanos: u64) -> f64 {
    (nanos / 1_000) as f64 / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_lowercase_hex_of_the_right_length_and_round_trip() {
        let t = TraceId::random();
        let s = SpanId::random();
        assert_eq!(t.to_hex().len(), 32);
        assert_eq!(s.to_hex().len(), 16);
        assert!(
            t.to_hex()
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(TraceId::from_hex(&t.to_hex()), Some(t));
        assert_eq!(SpanId::from_hex(&s.to_hex()), Some(s));
        assert_eq!(SpanId::from_hex("0000000000000000"), None);
        assert_eq!(SpanId::from_hex("00000000000000zz"), None);
        assert_ne!(TraceId::random(), TraceId::random());
    }

    #[test]
    fn setting_a_key_twice_replaces_it_in_place() {
        let mut a = Attributes::default();
        a.set("a", 1);
        a.set("b", "x");
        a.set("a", 2.5);
        assert_eq!(a.len(), 2);
        assert_eq!(a.get("a"), Some(&Value::Double(2.5)));
        assert_eq!(a.iter().next().unwrap().0, "a");
    }

    #[test]
    fn colliding_fingerprints_still_replace_and_find_the_right_key() {
        let mut a = Attributes::default();
        // Enough keys that fingerprints collide: every lookup must still be exact.
        let keys: Vec<String> = (0..200).map(|i| format!("key.{i}")).collect();
        for (i, k) in keys.iter().enumerate() {
            a.set(k.clone(), i as i64);
        }
        for (i, k) in keys.iter().enumerate() {
            a.set(k.clone(), i as i64 * 2);
        }
        assert_eq!(a.len(), 200);
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(a.get(k), Some(&Value::Int(i as i64 * 2)));
        }
        assert_eq!(a.get("key.200"), None);
        a.retain(|k, _| k != "key.7");
        assert_eq!(a.get("key.7"), None);
        assert_eq!(a.remove("key.8"), Some(Value::Int(16)));
        assert_eq!(a.get("key.8"), None);
        assert_eq!(a.get("key.9"), Some(&Value::Int(18)));
    }

    #[test]
    fn error_codes_round_trip() {
        for c in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(c.as_str()), Some(c));
        }
    }
}
