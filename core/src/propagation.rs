//! Trace context that crosses process boundaries: W3C `traceparent` / `tracestate`, Sentry
//! `sentry-trace`, and `baggage` with Sentry's dynamic sampling context (DSC). Parsing and
//! writing only: no clock, no I/O. A span started under a [`RemoteParent`] is the local root of
//! its segment in the caller's trace and takes the caller's sampling decision when there is one.

use std::fmt;

use crate::span::{SpanContext, SpanId, TraceId};

/// A header that could not be read, and why; the caller starts a fresh trace instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceHeaderError {
    /// `traceparent`, `sentry-trace` or `baggage`.
    pub header: &'static str,
    pub reason: String,
}

impl fmt::Display for TraceHeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot read the {} header: {}", self.header, self.reason)
    }
}

impl std::error::Error for TraceHeaderError {}

fn bad(header: &'static str, reason: impl Into<String>) -> TraceHeaderError {
    TraceHeaderError {
        header,
        reason: reason.into(),
    }
}

/// The caller's side of a trace: what an incoming request carried.
#[derive(Clone, Debug, PartialEq)]
pub struct RemoteParent {
    pub trace_id: TraceId,
    /// The caller's span, parent of the span we start.
    pub span_id: SpanId,
    /// The caller's decision; `None` when it deferred (a `sentry-trace` without its flag).
    pub sampled: Option<bool>,
    /// W3C `tracestate`, passed on unchanged.
    pub trace_state: Option<String>,
    /// The incoming baggage, Sentry's entries and everybody else's.
    pub baggage: Baggage,
}

impl RemoteParent {
    /// Reads `traceparent` (`00-{trace}-{span}-{flags}`) and an optional `tracestate`.
    pub fn from_traceparent(
        traceparent: &str,
        tracestate: Option<&str>,
    ) -> Result<Self, TraceHeaderError> {
        const H: &str = "traceparent";
        let text = traceparent.trim();
        let mut parts = text.split('-');
        let (Some(version), Some(trace), Some(span), Some(flags)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad(
                H,
                format!("expected version-traceid-spanid-flags, got {text:?}"),
            ));
        };
        if version.len() != 2 || !version.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad(H, format!("version {version:?} is not two hex digits")));
        }
        if version.eq_ignore_ascii_case("ff") {
            return Err(bad(H, "version ff is invalid"));
        }
        // Version 00 has exactly four fields; later versions may append more (W3C §3.3).
        if version == "00" && parts.next().is_some() {
            return Err(bad(H, "version 00 has exactly four fields"));
        }
        let trace_id = lower_hex(trace)
            .and_then(TraceId::from_hex)
            .ok_or_else(|| {
                bad(
                    H,
                    format!("trace id {trace:?} is not 32 lowercase hex digits, not all zero"),
                )
            })?;
        let span_id = lower_hex(span).and_then(SpanId::from_hex).ok_or_else(|| {
            bad(
                H,
                format!("parent id {span:?} is not 16 lowercase hex digits, not all zero"),
            )
        })?;
        let flags = (flags.len() == 2)
            .then(|| u8::from_str_radix(flags, 16).ok())
            .flatten()
            .ok_or_else(|| bad(H, format!("flags {flags:?} are not two hex digits")))?;
        Ok(RemoteParent {
            trace_id,
            span_id,
            sampled: Some(flags & 1 == 1),
            trace_state: tracestate
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            baggage: Baggage::default(),
        })
    }

    /// Reads `sentry-trace` (`{trace}-{span}[-{0|1}]`) and an optional `baggage`.
    pub fn from_sentry_trace(
        sentry_trace: &str,
        baggage: Option<&str>,
    ) -> Result<Self, TraceHeaderError> {
        const H: &str = "sentry-trace";
        let text = sentry_trace.trim();
        let mut parts = text.split('-');
        let trace = parts.next().unwrap_or_default();
        let span = parts.next().ok_or_else(|| {
            bad(
                H,
                format!("expected traceid-spanid[-sampled], got {text:?}"),
            )
        })?;
        let sampled = match parts.next() {
            None => None,
            Some("1") => Some(true),
            Some("0") => Some(false),
            Some(other) => return Err(bad(H, format!("sampled flag {other:?} is not 0 or 1"))),
        };
        if parts.next().is_some() {
            return Err(bad(H, format!("too many fields in {text:?}")));
        }
        let trace_id = TraceId::from_hex(trace)
            .ok_or_else(|| bad(H, format!("trace id {trace:?} is not 32 hex digits")))?;
        let span_id = SpanId::from_hex(span)
            .ok_or_else(|| bad(H, format!("span id {span:?} is not 16 hex digits")))?;
        let baggage = match baggage {
            Some(text) => Baggage::parse(text)?,
            None => Baggage::default(),
        };
        // The DSC's own decision counts when the header deferred.
        let sampled = sampled.or_else(|| baggage.sentry("sampled").and_then(parse_flag));
        Ok(RemoteParent {
            trace_id,
            span_id,
            sampled,
            trace_state: None,
            baggage,
        })
    }

    /// Reads whichever headers a request carried, through `get(name)` (lowercase names).
    /// `sentry-trace` wins over `traceparent` when both came, as Sentry's SDKs do; `Ok(None)`
    /// when there is neither.
    pub fn from_headers<'a>(
        get: impl Fn(&str) -> Option<&'a str>,
    ) -> Result<Option<Self>, TraceHeaderError> {
        if let Some(st) = get("sentry-trace") {
            return Self::from_sentry_trace(st, get("baggage")).map(Some);
        }
        if let Some(tp) = get("traceparent") {
            let mut parent = Self::from_traceparent(tp, get("tracestate"))?;
            if let Some(b) = get("baggage") {
                parent.baggage = Baggage::parse(b)?;
            }
            return Ok(Some(parent));
        }
        Ok(None)
    }

    /// The context a child starts from: remote, and sampled as the caller decided (a deferred
    /// decision is resolved by `decide`, which the client backs with its sample rate).
    pub fn context(&self, decide: impl FnOnce() -> bool) -> SpanContext {
        SpanContext {
            trace_id: self.trace_id,
            span_id: self.span_id,
            segment_id: self.span_id,
            sampled: self.sampled.unwrap_or_else(decide),
            remote: true,
            agent: None,
        }
    }
}

fn lower_hex(text: &str) -> Option<&str> {
    text.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        .then_some(text)
}

fn parse_flag(text: &str) -> Option<bool> {
    match text {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// `traceparent` for an outgoing request made inside `span`.
pub fn traceparent(span: &SpanContext) -> String {
    format!(
        "00-{}-{}-{}",
        span.trace_id.to_hex(),
        span.span_id.to_hex(),
        if span.sampled { "01" } else { "00" }
    )
}

/// `sentry-trace` for an outgoing request made inside `span`.
pub fn sentry_trace(span: &SpanContext) -> String {
    format!(
        "{}-{}-{}",
        span.trace_id.to_hex(),
        span.span_id.to_hex(),
        if span.sampled { '1' } else { '0' }
    )
}

/// W3C baggage: `key=value` members, values percent-encoded, properties after `;` kept as they
/// came. Sentry's DSC lives in the `sentry-` members.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Baggage {
    /// Members in order: (key, decoded value, properties as written).
    members: Vec<(String, String, String)>,
}

/// W3C limits: 64 members, 8192 bytes; a longer header is cut at a member boundary on write.
const MAX_MEMBERS: usize = 64;
const MAX_BAGGAGE_BYTES: usize = 8192;

impl Baggage {
    pub fn parse(text: &str) -> Result<Self, TraceHeaderError> {
        let mut members = Vec::new();
        for member in text.split(',').map(str::trim).filter(|m| !m.is_empty()) {
            let (pair, properties) = member.split_once(';').unwrap_or((member, ""));
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| bad("baggage", format!("member {member:?} has no '='")))?;
            let key = key.trim();
            if key.is_empty() || !key.bytes().all(is_token_char) {
                return Err(bad("baggage", format!("key {key:?} is not a token")));
            }
            let value = percent_encoding::percent_decode_str(value.trim())
                .decode_utf8()
                .map_err(|_| bad("baggage", format!("value of {key:?} is not UTF-8")))?;
            members.push((
                key.to_owned(),
                value.into_owned(),
                properties.trim().to_owned(),
            ));
        }
        Ok(Baggage { members })
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.members
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, v, _)| v.as_str())
    }

    /// A `sentry-{name}` member of the DSC.
    pub fn sentry(&self, name: &str) -> Option<&str> {
        self.members
            .iter()
            .find(|(k, _, _)| k.strip_prefix("sentry-") == Some(name))
            .map(|(_, v, _)| v.as_str())
    }

    pub fn has_sentry_entries(&self) -> bool {
        self.members
            .iter()
            .any(|(k, _, _)| k.starts_with("sentry-"))
    }

    /// Sets `key` (replacing an earlier member of that key).
    pub fn set(&mut self, key: &str, value: &str) {
        self.members.retain(|(k, _, _)| k != key);
        self.members
            .push((key.to_owned(), value.to_owned(), String::new()));
    }

    /// Replaces the Sentry members by `dsc`'s, keeping everybody else's.
    pub fn with_dsc(mut self, dsc: &DynamicSamplingContext) -> Self {
        self.members.retain(|(k, _, _)| !k.starts_with("sentry-"));
        for (name, value) in dsc.entries() {
            self.members
                .push((format!("sentry-{name}"), value, String::new()));
        }
        self
    }

    /// The Sentry members as a DSC (the frozen context of an incoming trace).
    pub fn dsc(&self) -> Option<DynamicSamplingContext> {
        let trace_id = self.sentry("trace_id").and_then(TraceId::from_hex)?;
        Some(DynamicSamplingContext {
            trace_id,
            public_key: self.sentry("public_key").map(str::to_owned),
            release: self.sentry("release").map(str::to_owned),
            environment: self.sentry("environment").map(str::to_owned),
            transaction: self.sentry("transaction").map(str::to_owned),
            sample_rate: self.sentry("sample_rate").map(str::to_owned),
            sample_rand: self.sentry("sample_rand").map(str::to_owned),
            sampled: self.sentry("sampled").and_then(parse_flag),
        })
    }

    /// The header text, within the W3C limits (members past them are left out whole).
    pub fn to_header(&self) -> String {
        const ENCODE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
            .add(b' ')
            .add(b'"')
            .add(b',')
            .add(b';')
            .add(b'\\')
            .add(b'%')
            .add(b'=');
        let mut out = String::new();
        for (count, (key, value, properties)) in self.members.iter().enumerate() {
            let mut member = format!(
                "{key}={}",
                percent_encoding::utf8_percent_encode(value, ENCODE)
            );
            if !properties.is_empty() {
                member.push(';');
                member.push_str(properties);
            }
            let sep = usize::from(!out.is_empty());
            if count >= MAX_MEMBERS || out.len() + sep + member.len() > MAX_BAGGAGE_BYTES {
                break;
            }
            if sep == 1 {
                out.push(',');
            }
            out.push_str(&member);
        }
        out
    }
}

fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Sentry's dynamic sampling context: what the head of a trace decided, carried in baggage and
/// in the envelope header so that every service in the trace is sampled alike.
#[derive(Clone, Debug, PartialEq)]
pub struct DynamicSamplingContext {
    pub trace_id: TraceId,
    pub public_key: Option<String>,
    pub release: Option<String>,
    pub environment: Option<String>,
    pub transaction: Option<String>,
    /// As written on the wire (`0.25`), so a DSC passes through unchanged.
    pub sample_rate: Option<String>,
    pub sample_rand: Option<String>,
    pub sampled: Option<bool>,
}

impl DynamicSamplingContext {
    /// The (name, value) pairs without the `sentry-` prefix, in Sentry's order.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![("trace_id", self.trace_id.to_hex())];
        let fields = [
            ("public_key", &self.public_key),
            ("release", &self.release),
            ("environment", &self.environment),
            ("transaction", &self.transaction),
            ("sample_rate", &self.sample_rate),
            ("sample_rand", &self.sample_rand),
        ];
        out.extend(
            fields
                .into_iter()
                .filter_map(|(n, v)| v.as_ref().map(|v| (n, v.clone()))),
        );
        if let Some(s) = self.sampled {
            out.push(("sampled", s.to_string()));
        }
        out
    }
}

/// The incoming baggage of the traces this process continues, by trace id: what spans of those
/// traces carry on (the head's frozen DSC in envelope headers, every member in outgoing
/// `baggage`). Bounded: past `CAPACITY` traces the oldest is forgotten, and a span of a
/// forgotten trace writes this process's own DSC instead.
#[derive(Debug, Default)]
pub struct ContinuedTraces {
    inner: std::sync::Mutex<ContinuedInner>,
}

#[derive(Debug, Default)]
struct ContinuedInner {
    by_trace: std::collections::HashMap<TraceId, std::sync::Arc<Continued>>,
    order: std::collections::VecDeque<TraceId>,
}

/// One continued trace: the baggage as it came and the DSC it carried.
#[derive(Debug)]
pub struct Continued {
    pub baggage: Baggage,
    pub dsc: Option<std::sync::Arc<DynamicSamplingContext>>,
}

impl ContinuedTraces {
    const CAPACITY: usize = 1024;

    /// Remembers `parent`'s baggage for its trace (nothing when it carried none).
    pub fn remember(&self, parent: &RemoteParent) {
        if parent.baggage.members.is_empty() {
            return;
        }
        // A DSC for another trace is not this trace's.
        let dsc = parent
            .baggage
            .dsc()
            .filter(|d| d.trace_id == parent.trace_id)
            .map(std::sync::Arc::new);
        let entry = std::sync::Arc::new(Continued {
            baggage: parent.baggage.clone(),
            dsc,
        });
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.by_trace.insert(parent.trace_id, entry).is_none() {
            inner.order.push_back(parent.trace_id);
            if inner.order.len() > Self::CAPACITY
                && let Some(old) = inner.order.pop_front()
            {
                inner.by_trace.remove(&old);
            }
        }
    }

    /// The DSC the head of `trace_id` froze, when this process continued that trace with one.
    pub fn dsc(&self, trace_id: TraceId) -> Option<std::sync::Arc<DynamicSamplingContext>> {
        self.get(trace_id).and_then(|c| c.dsc.clone())
    }

    pub fn get(&self, trace_id: TraceId) -> Option<std::sync::Arc<Continued>> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.by_trace.is_empty() {
            return None;
        }
        inner.by_trace.get(&trace_id).cloned()
    }
}

/// The headers an outgoing request carries to continue `span`'s trace elsewhere.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceData {
    pub sentry_trace: String,
    pub traceparent: String,
    pub baggage: String,
}

/// `sentry-trace`, `traceparent` and `baggage` for a request made inside `span`. The baggage is
/// the incoming one when the trace was continued with one (its DSC frozen, as the head wrote
/// it), else `own`, this process's DSC.
pub fn trace_data(
    span: &SpanContext,
    continued: Option<&Continued>,
    own: impl FnOnce() -> DynamicSamplingContext,
) -> TraceData {
    let baggage = match continued {
        Some(c) if c.dsc.is_some() => c.baggage.clone(),
        Some(c) => c.baggage.clone().with_dsc(&own()),
        None => Baggage::default().with_dsc(&own()),
    };
    TraceData {
        sentry_trace: sentry_trace(span),
        traceparent: traceparent(span),
        baggage: baggage.to_header(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
    const SPAN: &str = "00f067aa0ba902b7";

    #[test]
    fn traceparent_reads_the_w3c_examples_and_writes_them_back() {
        let p = RemoteParent::from_traceparent(
            &format!("00-{TRACE}-{SPAN}-01"),
            Some("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"),
        )
        .unwrap();
        assert_eq!(p.trace_id.to_hex(), TRACE);
        assert_eq!(p.span_id.to_hex(), SPAN);
        assert_eq!(p.sampled, Some(true));
        assert_eq!(
            p.trace_state.as_deref(),
            Some("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")
        );
        let ctx = p.context(|| unreachable!("the caller decided"));
        assert!(ctx.remote && ctx.sampled);
        assert_eq!(traceparent(&ctx), format!("00-{TRACE}-{SPAN}-01"));
        let unsampled = RemoteParent::from_traceparent(&format!("00-{TRACE}-{SPAN}-00"), None);
        assert_eq!(unsampled.unwrap().sampled, Some(false));
        // Other flag bits do not change the sampled bit; a future version may add fields.
        let future = RemoteParent::from_traceparent(&format!("cc-{TRACE}-{SPAN}-09-what"), None);
        assert_eq!(future.unwrap().sampled, Some(true));
    }

    #[test]
    fn bad_traceparents_say_what_is_wrong() {
        for (text, needle) in [
            ("", "expected"),
            (&format!("ff-{TRACE}-{SPAN}-01") as &str, "ff"),
            (&format!("00-{TRACE}-{SPAN}-01-x"), "exactly four"),
            (&format!("00-{}-{SPAN}-01", "0".repeat(32)), "trace id"),
            (
                &format!("00-{}-{SPAN}-01", TRACE.to_uppercase()),
                "lowercase",
            ),
            (&format!("00-{TRACE}-{}-01", "0".repeat(16)), "parent id"),
            (&format!("00-{TRACE}-{SPAN}-1"), "flags"),
            (&format!("0x-{TRACE}-{SPAN}-01"), "version"),
        ] {
            let e = RemoteParent::from_traceparent(text, None).unwrap_err();
            assert_eq!(e.header, "traceparent");
            assert!(e.reason.contains(needle), "{text:?}: {e}");
        }
    }

    #[test]
    fn sentry_trace_with_and_without_a_decision() {
        let p = RemoteParent::from_sentry_trace(&format!("{TRACE}-{SPAN}-0"), None).unwrap();
        assert_eq!(p.sampled, Some(false));
        let ctx = p.context(|| unreachable!());
        assert_eq!(sentry_trace(&ctx), format!("{TRACE}-{SPAN}-0"));
        let deferred = RemoteParent::from_sentry_trace(&format!("{TRACE}-{SPAN}"), None).unwrap();
        assert_eq!(deferred.sampled, None);
        assert!(deferred.context(|| true).sampled);
        assert!(!deferred.context(|| false).sampled);
        // A deferred header with a DSC that decided takes the DSC's decision.
        let dsc = RemoteParent::from_sentry_trace(
            &format!("{TRACE}-{SPAN}"),
            Some(&format!("sentry-trace_id={TRACE},sentry-sampled=true")),
        )
        .unwrap();
        assert_eq!(dsc.sampled, Some(true));
        for text in [
            TRACE.to_owned(),
            format!("{TRACE}-{SPAN}-2"),
            format!("{TRACE}-{SPAN}-1-1"),
            format!("{TRACE}-xyz-1"),
        ] {
            let e = RemoteParent::from_sentry_trace(&text, None).unwrap_err();
            assert_eq!(e.header, "sentry-trace", "{text}");
        }
    }

    #[test]
    fn sentry_trace_wins_over_traceparent_and_baggage_comes_along() {
        let other_trace = "0af7651916cd43dd8448eb211c80319c";
        let baggage = format!(
            "other=x%2Cy;prop=1, sentry-trace_id={TRACE},sentry-public_key=49d0f7386ad645858ae85020e393bef3,sentry-sample_rate=0.25,sentry-release=app%401.0,sentry-environment=prod,sentry-sampled=true"
        );
        let headers = [
            ("sentry-trace", format!("{TRACE}-{SPAN}-1")),
            ("traceparent", format!("00-{other_trace}-{SPAN}-01")),
            ("baggage", baggage),
        ];
        let get = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
        };
        let p = RemoteParent::from_headers(get).unwrap().unwrap();
        assert_eq!(p.trace_id.to_hex(), TRACE);
        assert_eq!(p.baggage.get("other"), Some("x,y"));
        let dsc = p.baggage.dsc().unwrap();
        assert_eq!(dsc.trace_id.to_hex(), TRACE);
        assert_eq!(dsc.release.as_deref(), Some("app@1.0"));
        assert_eq!(dsc.sample_rate.as_deref(), Some("0.25"));
        assert_eq!(dsc.sampled, Some(true));
        // Written back: other members keep their properties, sentry members are re-encoded.
        let header = p.baggage.to_header();
        assert!(
            header.starts_with("other=x%2Cy;prop=1,sentry-trace_id="),
            "{header}"
        );
        assert!(header.contains("sentry-release=app@1.0"), "{header}");
        assert_eq!(Baggage::parse(&header).unwrap(), p.baggage);
        assert!(RemoteParent::from_headers(|_| None).unwrap().is_none());
    }

    #[test]
    fn baggage_replaces_the_dsc_and_keeps_within_the_w3c_limits() {
        let b = Baggage::parse("a=1,sentry-trace_id=x,sentry-release=old").unwrap();
        let dsc = DynamicSamplingContext {
            trace_id: TraceId::from_hex(TRACE).unwrap(),
            public_key: Some("pk".into()),
            release: None,
            environment: None,
            transaction: None,
            sample_rate: Some("1".into()),
            sample_rand: None,
            sampled: Some(false),
        };
        let b = b.with_dsc(&dsc);
        assert_eq!(b.get("a"), Some("1"));
        assert_eq!(b.sentry("release"), None);
        assert_eq!(
            b.to_header(),
            format!(
                "a=1,sentry-trace_id={TRACE},sentry-public_key=pk,sentry-sample_rate=1,sentry-sampled=false"
            )
        );
        let mut big = Baggage::default();
        for i in 0..100 {
            big.set(&format!("k{i}"), &"v".repeat(200));
        }
        let header = big.to_header();
        assert!(header.len() <= MAX_BAGGAGE_BYTES);
        assert!(Baggage::parse(&header).unwrap().members.len() <= MAX_MEMBERS);
        for bad_text in ["novalue", "bad key=1", "=1"] {
            assert_eq!(Baggage::parse(bad_text).unwrap_err().header, "baggage");
        }
    }
}
