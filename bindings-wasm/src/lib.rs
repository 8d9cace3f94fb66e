//! wasm-bindgen binding over the core's facade, for browsers and edge runtimes: the mapping,
//! privacy, cost and encoding run here; JavaScript keeps the async context, the timing of its
//! own work and the transport. Built without the core's native runtime (no threads, clock,
//! files or sockets): finished spans wait in the client until JavaScript takes them as spool
//! lines or encoded requests. Specs cross as JSON text, errors as JS `Error`s with `code`.
//! Built twice (`make wasm`): for edge runtimes with everything, and for pages without the
//! `frameworks` feature's entry points (the AI SDK, agent and tool runs), which a page does
//! not use.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::Duration;

use llmtel_core::export::assembly::{Assembler, ORPHAN_WAIT};
use llmtel_core::export::otlp::OtlpEncoder;
use llmtel_core::export::sentry::courier::{Answer, Courier, Outgoing, PendingReports};
use llmtel_core::export::sentry::{EnvelopeSettings, segment_envelopes, spotlight_envelopes};
use llmtel_core::export::spool::SpoolFormat;
use llmtel_core::facade::{self, spec_from_json};
use llmtel_core::options::OtlpProtocol;
use llmtel_core::propagation::{self, RemoteParent};
use llmtel_core::span::SpanData;
use llmtel_core::stats::{DropCounts, ExportTally};
use llmtel_core::{
    CallHandle, CallSpec, Client, Error, FailSpec, Options, Segment, SpanContext, SpanFate,
    SpanHandle, SpanSpec, Value,
};
#[cfg(feature = "frameworks")]
use llmtel_core::{PlacementSpec, RunHandle};
use wasm_bindgen::prelude::*;

/// The facade's error as a JS `Error` with `code` (the stable name) and `field`.
fn js_error(e: Error) -> JsValue {
    let error = js_sys::Error::new(&e.to_string());
    let _ = js_sys::Reflect::set(&error, &"code".into(), &e.code().into());
    if let Some(field) = &e.field {
        let _ = js_sys::Reflect::set(&error, &"field".into(), &field.into());
    }
    error.into()
}

#[wasm_bindgen]
extern "C" {
    /// `performance.now()`: Node, browsers and workerd all have it, with sub-millisecond
    /// resolution where the runtime allows (Date.now's milliseconds cannot time a fast call).
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
    #[wasm_bindgen(thread_local_v2, js_namespace = performance, js_name = timeOrigin)]
    static TIME_ORIGIN: f64;
}

fn now_ms() -> f64 {
    TIME_ORIGIN.with(|origin| *origin) + performance_now()
}

/// A span's place in a trace: what children start under. `WasmContext.root()` is the parent
/// of a local root (wasm-bindgen passes no optional borrowed class, so "no parent" is a value).
#[wasm_bindgen]
pub struct WasmContext {
    inner: Option<SpanContext>,
    remote: Option<RemoteParent>,
}

#[wasm_bindgen]
impl WasmContext {
    /// No parent: spans started under it are local roots.
    pub fn root() -> WasmContext {
        WasmContext {
            inner: None,
            remote: None,
        }
    }

    /// Empty for the root context.
    #[wasm_bindgen(getter, js_name = traceId)]
    pub fn trace_id(&self) -> String {
        self.inner.map(|c| c.trace_id.to_hex()).unwrap_or_default()
    }

    #[wasm_bindgen(getter, js_name = spanId)]
    pub fn span_id(&self) -> String {
        self.inner.map(|c| c.span_id.to_hex()).unwrap_or_default()
    }

    #[wasm_bindgen(getter)]
    pub fn sampled(&self) -> bool {
        self.inner.is_some_and(|c| c.sampled)
    }

    /// W3C `traceparent` for an outgoing request (empty for the root context).
    pub fn traceparent(&self) -> String {
        self.inner
            .map(|c| propagation::traceparent(&c))
            .unwrap_or_default()
    }

    /// Sentry `sentry-trace` for an outgoing request (empty for the root context).
    #[wasm_bindgen(js_name = sentryTrace)]
    pub fn sentry_trace(&self) -> String {
        self.inner
            .map(|c| propagation::sentry_trace(&c))
            .unwrap_or_default()
    }
}

impl WasmContext {
    /// The local parent, when this context is a local span's.
    fn local(&self) -> Option<SpanContext> {
        self.inner.filter(|_| self.remote.is_none())
    }
}

fn context(inner: SpanContext) -> WasmContext {
    WasmContext {
        inner: Some(inner),
        remote: None,
    }
}

/// The remote parent incoming headers name (`None` for those absent), or `None` when they carry
/// no trace.
fn remote_parent(
    sentry_trace: Option<String>,
    baggage: Option<String>,
    traceparent: Option<String>,
    tracestate: Option<String>,
) -> Result<Option<RemoteParent>, JsValue> {
    RemoteParent::from_headers(|name| match name {
        "sentry-trace" => sentry_trace.as_deref(),
        "baggage" => baggage.as_deref(),
        "traceparent" => traceparent.as_deref(),
        "tracestate" => tracestate.as_deref(),
        _ => None,
    })
    .map_err(|e| js_error(e.into()))
}

/// A JavaScript function the core calls (`before_send_span`, `traces_sampler`).
struct JsCallback(js_sys::Function);

// SAFETY: wasm32-unknown-unknown (built without the `atomics` target feature) runs on one
// thread, so the function is only ever called where it was made. The core's hook types ask for
// Send + Sync because the native runtime calls hooks from any thread.
unsafe impl Send for JsCallback {}
unsafe impl Sync for JsCallback {}

impl JsCallback {
    /// Calls it with one JSON text; a throw, or anything but a string, is `None`.
    fn call(&self, json: String) -> Option<String> {
        self.0
            .call1(&JsValue::NULL, &JsValue::from(json))
            .ok()?
            .as_string()
    }
}

/// `before_send_span(json) -> json | null`, as the Node binding's: the span as `span_view`
/// gives it, the view back (or null to drop the span).
fn before_send_hook(f: js_sys::Function) -> llmtel_core::BeforeSendSpan {
    let f = JsCallback(f);
    Arc::new(
        move |span: &mut SpanData| match f.call(facade::span_view(span).to_string()) {
            Some(text) => match serde_json::from_str(&text) {
                Ok(view) => facade::apply_span_view(span, &view),
                Err(_) => SpanFate::Drop,
            },
            None => SpanFate::Drop,
        },
    )
}

/// `traces_sampler(json) -> number | null`: the sampling context as `sampling_view` gives it.
fn sampler_hook(f: js_sys::Function) -> llmtel_core::TracesSampler {
    let f = JsCallback(f);
    Arc::new(move |context| {
        let answer =
            f.0.call1(
                &JsValue::NULL,
                &JsValue::from(facade::sampling_view(context).to_string()),
            )
            .ok()?;
        answer.as_f64()
    })
}

/// The host clock as the rate limits keep time.
fn now() -> Duration {
    Duration::from_nanos(llmtel_core::clock::now_unix_nano())
}

/// A client whose finished spans wait for JavaScript, which takes them in batches (`take`) and
/// sends what the batch encodes: Sentry envelopes (after rate limits, with client reports),
/// Spotlight's copies, OTLP/HTTP JSON, or spool lines.
#[wasm_bindgen]
pub struct WasmClient {
    inner: Client,
    spool: SpoolFormat,
    otlp: OtlpEncoder,
    envelopes: EnvelopeSettings,
    segments: RefCell<Assembler>,
    courier: RefCell<Courier<Duration>>,
    tally: RefCell<ExportTally>,
}

/// Finished segments taken from the client, encoded by its methods for each destination.
#[wasm_bindgen]
pub struct WasmBatch {
    segments: Vec<Segment>,
}

#[wasm_bindgen]
impl WasmBatch {
    /// Spans and events in the batch.
    #[wasm_bindgen(getter)]
    pub fn items(&self) -> usize {
        self.segments.iter().map(Segment::items).sum()
    }
}

/// One Sentry envelope to send; hand it back to `settleSentry` with the answer.
#[wasm_bindgen]
pub struct WasmEnvelope {
    body: String,
    outgoing: Option<Outgoing>,
    reports: Option<PendingReports>,
}

#[wasm_bindgen]
impl WasmEnvelope {
    #[wasm_bindgen(getter)]
    pub fn body(&self) -> String {
        self.body.clone()
    }
}

#[wasm_bindgen]
impl WasmClient {
    /// `options_json`: `{"name": "text value", …}` with the core's option names;
    /// `before_send_span(json) -> json | null` and `traces_sampler(json) -> number | null` are
    /// optional.
    #[wasm_bindgen(constructor)]
    pub fn new(
        options_json: &str,
        before_send_span: Option<js_sys::Function>,
        traces_sampler: Option<js_sys::Function>,
    ) -> Result<WasmClient, JsValue> {
        llmtel_core::clock::set_host_clock(now_ms);
        let pairs: serde_json::Map<String, serde_json::Value> =
            spec_from_json("options", options_json).map_err(js_error)?;
        let mut options = Options {
            sdk_name: "llmtel.javascript.wasm".into(),
            sdk_language: "webjs".into(),
            ..Options::default()
        };
        for (name, value) in &pairs {
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            options.set(name, &text).map_err(|e| js_error(e.into()))?;
        }
        options.before_send_span = before_send_span.map(before_send_hook);
        options.traces_sampler = traces_sampler.map(sampler_hook);
        let inner = Client::buffered(&options).map_err(|e| js_error(e.into()))?;
        let config = inner.config();
        Ok(WasmClient {
            spool: SpoolFormat::new(config),
            otlp: OtlpEncoder::new(OtlpProtocol::Json, config),
            envelopes: EnvelopeSettings::from_config(config),
            inner,
            segments: RefCell::default(),
            courier: RefCell::default(),
            tally: RefCell::default(),
        })
    }

    /// Where to send, as JSON: `sentry` (the envelope URL with the key in the query string, as
    /// browser SDKs send it), `spotlight`, `otlp` (`url`, `headers`); absent when not set.
    pub fn endpoints(&self) -> String {
        let config = self.inner.config();
        let mut out = serde_json::Map::new();
        if let Some(dsn) = &config.dsn {
            let url = format!(
                "{}?sentry_key={}&sentry_version=7&sentry_client={}%2F{}",
                dsn.envelope_url(),
                dsn.public_key,
                self.envelopes.sdk_name,
                llmtel_core::VERSION
            );
            out.insert("sentry".into(), url.into());
        }
        if let Some(spotlight) = &config.spotlight {
            out.insert("spotlight".into(), spotlight.clone().into());
        }
        if let Some(otlp) = &config.otlp {
            let headers: serde_json::Map<String, serde_json::Value> = otlp
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), v.clone().into()))
                .collect();
            out.insert(
                "otlp".into(),
                serde_json::json!({"url": otlp.url, "headers": headers}),
            );
        }
        serde_json::Value::Object(out).to_string()
    }

    /// Envelopes go through a tunnel (the application's own endpoint, which forwards them to
    /// Sentry): their header names the DSN from now on, as Sentry's browser SDKs write it.
    #[wasm_bindgen(js_name = useTunnel)]
    pub fn use_tunnel(&mut self) {
        self.envelopes.dsn = self.inner.config().dsn.as_ref().map(|d| d.public_form());
    }

    /// The finished segments ready to send. A local root's children wait for it (30 s at
    /// most), unless `all` (flush, close, the page going away) sends them without it.
    pub fn take(&self, all: bool) -> WasmBatch {
        let mut segments = self.segments.borrow_mut();
        for span in self.inner.take_finished() {
            segments.accept_span(span);
        }
        for event in self.inner.take_events() {
            segments.accept_event(event);
        }
        segments.release_orphans(if all { Duration::ZERO } else { ORPHAN_WAIT });
        WasmBatch {
            segments: segments.take_ready(usize::MAX),
        }
    }

    /// `max_content_bytes`: the longest string a content attribute keeps.
    #[wasm_bindgen(getter, js_name = contentCap)]
    pub fn content_cap(&self) -> usize {
        self.inner.config().max_content_bytes
    }

    /// Spans waiting for their local root to end.
    #[wasm_bindgen(getter, js_name = openSpans)]
    pub fn open_spans(&self) -> usize {
        self.segments.borrow().open_spans()
    }

    /// The batch's Sentry envelopes, after rate limits (what they hold back is counted and
    /// reported to Sentry in the next envelope's client report).
    #[wasm_bindgen(js_name = sentryEnvelopes)]
    pub fn sentry_envelopes(&self, batch: &WasmBatch) -> Vec<WasmEnvelope> {
        let mut courier = self.courier.borrow_mut();
        courier.sync_client(&self.inner);
        let mut tally = self.tally.borrow_mut();
        let mut out = Vec::new();
        let envelopes = batch
            .segments
            .iter()
            .flat_map(|segment| segment_envelopes(&self.envelopes, segment));
        for envelope in envelopes {
            if let Some((body, outgoing)) =
                courier.prepare(&self.envelopes, &envelope, now(), &mut tally)
            {
                out.push(WasmEnvelope {
                    body: String::from_utf8(body).expect("envelopes are UTF-8"),
                    outgoing: Some(outgoing),
                    reports: None,
                });
            }
        }
        out
    }

    /// An envelope of the pending client reports alone (on flush), if there are any.
    #[wasm_bindgen(js_name = clientReportEnvelope)]
    pub fn client_report_envelope(&self) -> Option<WasmEnvelope> {
        let mut courier = self.courier.borrow_mut();
        courier.sync_client(&self.inner);
        let (body, pending) = courier.reports_only(&self.envelopes, now())?;
        Some(WasmEnvelope {
            body: String::from_utf8(body).expect("envelopes are UTF-8"),
            outgoing: None,
            reports: Some(pending),
        })
    }

    /// Sentry's answer to an envelope: `status` 0 when no answer came (a network error),
    /// with the `X-Sentry-Rate-Limits` header and `Retry-After` in seconds when present.
    #[wasm_bindgen(js_name = settleSentry)]
    pub fn settle_sentry(
        &self,
        envelope: WasmEnvelope,
        status: u16,
        rate_limits: Option<String>,
        retry_after_secs: Option<f64>,
    ) {
        let answer = if status == 0 {
            Answer::NetworkError
        } else {
            Answer::Response {
                status,
                rate_limits: rate_limits.as_deref(),
                retry_after: retry_after_secs
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .map(Duration::from_secs_f64),
            }
        };
        let mut courier = self.courier.borrow_mut();
        if let Some(outgoing) = envelope.outgoing {
            let settled = courier.settle(outgoing, answer, now());
            self.tally.borrow_mut().merge(settled);
        } else if let Some(pending) = envelope.reports {
            courier.settle_reports(pending, answer, now());
        }
    }

    /// The batch's envelopes for Spotlight: every item, whatever Sentry's rate limits, the
    /// GenAI spans inside their transaction (where Spotlight shows them).
    #[wasm_bindgen(js_name = spotlightEnvelopes)]
    pub fn spotlight_envelopes(&self, batch: &WasmBatch) -> Vec<String> {
        let settings = self.envelopes.for_spotlight();
        batch
            .segments
            .iter()
            .flat_map(|segment| spotlight_envelopes(&settings, segment))
            .map(|body| String::from_utf8(body).expect("envelopes are UTF-8"))
            .collect()
    }

    /// The batch as one OTLP/HTTP JSON request body (empty when it holds no span).
    #[wasm_bindgen(js_name = otlpJson)]
    pub fn otlp_json(&self, batch: &WasmBatch) -> String {
        if batch.segments.iter().all(Segment::is_empty) {
            return String::new();
        }
        String::from_utf8(self.otlp.encode(&batch.segments)).expect("OTLP JSON is UTF-8")
    }

    /// The batch's spans as spool lines (JSONL, the native spool's exact format).
    #[wasm_bindgen(js_name = spoolLines)]
    pub fn spool_lines(&self, batch: &WasmBatch) -> String {
        let mut out = Vec::new();
        for span in batch.segments.iter().flat_map(Segment::spans) {
            self.spool.write_line(&mut out, span);
        }
        String::from_utf8(out).expect("spool lines are UTF-8")
    }

    /// Counts, as JSON: spans `queued` and `droppedBeforeExport` by reason (sampling,
    /// before_send_span, a full buffer), and per Sentry envelope answered, spans `exported`
    /// and `dropped` by reason.
    pub fn stats(&self) -> String {
        let by_reason = |counts: &DropCounts| -> serde_json::Map<String, serde_json::Value> {
            counts
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(reason, n)| (reason.as_str().to_owned(), n.into()))
                .collect()
        };
        let tally = self.tally.borrow();
        let client = self.inner.stats();
        serde_json::json!({
            "queued": client.queued,
            "droppedBeforeExport": by_reason(&client.dropped),
            "sentry": {"exported": tally.exported, "dropped": by_reason(&tally.dropped)},
        })
        .to_string()
    }

    #[wasm_bindgen(js_name = startSpan)]
    pub fn start_span(
        &self,
        name: String,
        op: Option<String>,
        parent: &WasmContext,
    ) -> Result<WasmSpan, JsValue> {
        let span = self
            .inner
            .span(SpanSpec {
                name,
                op,
                parent: parent.local(),
                remote_parent: parent.remote.clone(),
                ..SpanSpec::default()
            })
            .map_err(js_error)?;
        Ok(WasmSpan { inner: span })
    }

    /// A provider call: `spec_json` is a CallSpec (`provider`, `api`, `request` as JSON text,
    /// `server_address`, `record_inputs`, …). `problem` on the result explains a request that
    /// could not be read.
    pub fn call(&self, spec_json: &str, parent: &WasmContext) -> Result<WasmCall, JsValue> {
        let mut spec: CallSpec = spec_from_json("call", spec_json).map_err(js_error)?;
        spec.parent = parent.inner;
        let (inner, problem) = self.inner.call(spec).map_err(js_error)?;
        Ok(WasmCall {
            inner,
            problem: problem.map(|e| e.to_string()),
        })
    }

    /// Continues a trace from incoming headers (`sentry-trace`, `baggage`, `traceparent`,
    /// `tracestate`; `undefined` for those absent): the context its spans start under, its
    /// baggage remembered for their envelopes and `traceData`, a deferred sampling decision
    /// taken here; `undefined` when the headers carry no trace.
    #[wasm_bindgen(js_name = continueTrace)]
    pub fn continue_trace(
        &self,
        sentry_trace: Option<String>,
        baggage: Option<String>,
        traceparent: Option<String>,
        tracestate: Option<String>,
    ) -> Result<Option<WasmContext>, JsValue> {
        let remote = remote_parent(sentry_trace, baggage, traceparent, tracestate)?;
        Ok(remote.map(|r| WasmContext {
            inner: Some(self.inner.continue_trace(&r)),
            remote: Some(r),
        }))
    }

    /// The headers a request made inside `context` carries, as JSON: `sentry-trace`,
    /// `traceparent` and `baggage` (the continued trace's, or this client's DSC); `{}` for the
    /// root context.
    #[wasm_bindgen(js_name = traceData)]
    pub fn trace_data(&self, context: &WasmContext) -> String {
        let Some(span) = context.inner else {
            return "{}".into();
        };
        let data = self.inner.trace_data(&span);
        serde_json::json!({
            "sentry-trace": data.sentry_trace,
            "traceparent": data.traceparent,
            "baggage": data.baggage,
        })
        .to_string()
    }

    /// Every span finished since the last take, as spool lines (children included whether
    /// or not their root ended).
    #[wasm_bindgen(js_name = takeSpoolLines)]
    pub fn take_spool_lines(&self) -> String {
        self.spool_lines(&self.take(true))
    }

    /// Every span finished since the last take, as one OTLP/HTTP JSON request body (empty
    /// string when there are none).
    #[wasm_bindgen(js_name = takeOtlpJson)]
    pub fn take_otlp_json(&self) -> String {
        self.otlp_json(&self.take(true))
    }
}

#[cfg(feature = "frameworks")]
fn placement(json: &str, parent: &WasmContext) -> Result<PlacementSpec, JsValue> {
    let mut spec: PlacementSpec = if json.trim().is_empty() {
        PlacementSpec::default()
    } else {
        spec_from_json("placement", json).map_err(js_error)?
    };
    // A remote context is a parent too: the run becomes the local root in the caller's trace.
    spec.parent = parent.inner;
    Ok(spec)
}

/// A user span.
#[wasm_bindgen]
pub struct WasmSpan {
    inner: SpanHandle,
}

#[wasm_bindgen]
impl WasmSpan {
    pub fn context(&self) -> WasmContext {
        context(self.inner.context())
    }

    #[wasm_bindgen(js_name = setString)]
    pub fn set_string(&self, key: String, value: String) -> Result<(), JsValue> {
        self.inner.set_attribute(key, value).map_err(js_error)
    }

    /// Whole numbers become integers, others doubles.
    #[wasm_bindgen(js_name = setNumber)]
    pub fn set_number(&self, key: String, value: f64) -> Result<(), JsValue> {
        let value = if value.fract() == 0.0 && value.abs() < 9.0e15 {
            Value::Int(value as i64)
        } else {
            Value::Double(value)
        };
        self.inner.set_attribute(key, value).map_err(js_error)
    }

    #[wasm_bindgen(js_name = setBool)]
    pub fn set_bool(&self, key: String, value: bool) -> Result<(), JsValue> {
        self.inner.set_attribute(key, value).map_err(js_error)
    }

    #[wasm_bindgen(js_name = setStringArray)]
    pub fn set_string_array(&self, key: String, value: Vec<String>) -> Result<(), JsValue> {
        self.inner
            .set_attribute(key, Value::from(value))
            .map_err(js_error)
    }

    /// Whole numbers become an integer array, others a double array.
    #[wasm_bindgen(js_name = setNumberArray)]
    pub fn set_number_array(&self, key: String, value: Vec<f64>) -> Result<(), JsValue> {
        let value = if value.iter().all(|v| v.fract() == 0.0 && v.abs() < 9.0e15) {
            Value::IntArray(value.iter().map(|v| *v as i64).collect())
        } else {
            Value::DoubleArray(value)
        };
        self.inner.set_attribute(key, value).map_err(js_error)
    }

    #[wasm_bindgen(js_name = setStatus)]
    pub fn set_status(&self, code: &str, message: Option<String>) -> Result<(), JsValue> {
        self.inner.set_status(code, message).map_err(js_error)
    }

    /// Renames the span (Sentry's `updateName`).
    #[wasm_bindgen(js_name = setName)]
    pub fn set_name(&self, name: String) -> Result<(), JsValue> {
        self.inner.set_name(name).map_err(js_error)
    }

    /// False for an unsampled span and once it ended.
    #[wasm_bindgen(getter)]
    pub fn recording(&self) -> bool {
        self.inner.is_recording()
    }

    /// `usage_json` is a Usage (`input_tokens`, `output_tokens`, `cache_read_input_tokens`,
    /// `reasoning_tokens`, …).
    #[wasm_bindgen(js_name = recordUsage)]
    pub fn record_usage(&self, usage_json: &str) -> Result<(), JsValue> {
        let usage = spec_from_json("usage", usage_json).map_err(js_error)?;
        self.inner.record_usage(&usage).map_err(js_error)
    }

    pub fn end(&self) -> Result<(), JsValue> {
        self.inner.end().map_err(js_error)
    }
}

/// A GenAI call.
#[wasm_bindgen]
pub struct WasmCall {
    inner: CallHandle,
    problem: Option<String>,
}

#[wasm_bindgen]
impl WasmCall {
    #[wasm_bindgen(getter)]
    pub fn problem(&self) -> Option<String> {
        self.problem.clone()
    }

    pub fn context(&self) -> Option<WasmContext> {
        self.inner.context().map(context)
    }

    #[wasm_bindgen(getter)]
    pub fn ended(&self) -> bool {
        self.inner.is_ended()
    }

    /// One stream event as received: SSE event name (or undefined) and data text.
    pub fn chunk(&self, event: Option<String>, data: &str) -> Result<(), JsValue> {
        self.inner.chunk(event.as_deref(), data).map_err(js_error)
    }

    /// The stream's bytes as read off the wire; the core reads the server-sent events.
    pub fn feed(&self, bytes: &[u8]) -> Result<(), JsValue> {
        self.inner.feed(bytes).map_err(js_error)
    }

    #[wasm_bindgen(js_name = markChunk)]
    pub fn mark_chunk(&self) -> Result<(), JsValue> {
        self.inner.mark_chunk().map_err(js_error)
    }

    pub fn finish(&self, response_json: &str) -> Result<(), JsValue> {
        self.inner.finish(response_json).map_err(js_error)
    }

    #[wasm_bindgen(js_name = finishStream)]
    pub fn finish_stream(&self) -> Result<(), JsValue> {
        self.inner.finish_stream().map_err(js_error)
    }

    /// `error_json` is a FailSpec (`http_status`, `body`, `exception`, `message`).
    pub fn fail(&self, error_json: &str) -> Result<(), JsValue> {
        let error: FailSpec = spec_from_json("error", error_json).map_err(js_error)?;
        self.inner.fail(&error).map_err(js_error)
    }
}

/// An agent, workflow or tool run.
#[cfg(feature = "frameworks")]
#[wasm_bindgen]
pub struct WasmRun {
    inner: RunHandle,
}

#[cfg(feature = "frameworks")]
#[wasm_bindgen]
impl WasmRun {
    pub fn context(&self) -> WasmContext {
        context(self.inner.context())
    }

    #[wasm_bindgen(js_name = setOutput)]
    pub fn set_output(&self, messages_json: &str) -> Result<(), JsValue> {
        let messages = spec_from_json("messages", messages_json).map_err(js_error)?;
        self.inner.set_output(messages).map_err(js_error)
    }

    #[wasm_bindgen(getter)]
    pub fn ended(&self) -> bool {
        self.inner.is_ended()
    }

    /// Ends an AI SDK run with its output (`text` or `object`, `finishReason`).
    #[wasm_bindgen(js_name = endAisdkRun)]
    pub fn end_aisdk_run(&self, output_json: &str) -> Result<(), JsValue> {
        self.inner.end_aisdk_run(output_json).map_err(js_error)
    }

    #[wasm_bindgen(js_name = setResult)]
    pub fn set_result(&self, result: &str) -> Result<(), JsValue> {
        self.inner.set_result(result).map_err(js_error)
    }

    pub fn end(&self) -> Result<(), JsValue> {
        self.inner.end().map_err(js_error)
    }

    pub fn fail(&self, error_type: &str, message: Option<String>) -> Result<(), JsValue> {
        self.inner
            .fail(error_type, message.as_deref())
            .map_err(js_error)
    }
}

// The framework entry points (the Vercel AI SDK's runs and model calls, agent and tool runs, calls
// a framework normalized), for edge runtimes. The browser build leaves them out (`make wasm`
// builds it with `--no-default-features`): a page traces its provider clients, and these were
// a tenth of the gzipped core.
#[cfg(feature = "frameworks")]
#[wasm_bindgen]
impl WasmClient {
    /// A call a framework normalized (`request_json` is a NormalizedRequest, `placement_json`
    /// a PlacementSpec).
    #[wasm_bindgen(js_name = normalizedCall)]
    pub fn normalized_call(
        &self,
        request_json: &str,
        placement_json: &str,
        parent: &WasmContext,
    ) -> Result<WasmCall, JsValue> {
        let request = spec_from_json("request", request_json).map_err(js_error)?;
        let placement = placement(placement_json, parent)?;
        Ok(WasmCall {
            inner: self.inner.normalized_call(request, placement),
            problem: None,
        })
    }

    /// An agent or workflow run (`spec_json` is an AgentSpec).
    pub fn agent(
        &self,
        spec_json: &str,
        placement_json: &str,
        parent: &WasmContext,
    ) -> Result<WasmRun, JsValue> {
        let spec = spec_from_json("agent", spec_json).map_err(js_error)?;
        let placement = placement(placement_json, parent)?;
        let inner = self.inner.agent(spec, placement).map_err(js_error)?;
        Ok(WasmRun { inner })
    }

    /// One AI SDK model call (`call_json` is an `aisdk::ModelCall`).
    #[wasm_bindgen(js_name = aisdkModel)]
    pub fn aisdk_model(
        &self,
        call_json: &str,
        placement_json: &str,
        parent: &WasmContext,
    ) -> Result<WasmCall, JsValue> {
        let placement = placement(placement_json, parent)?;
        let inner = self
            .inner
            .aisdk_model(call_json, placement)
            .map_err(js_error)?;
        Ok(WasmCall {
            inner,
            problem: None,
        })
    }

    /// The agent span of an AI SDK run (`start_json` is an `aisdk::RunStart`).
    #[wasm_bindgen(js_name = aisdkRun)]
    pub fn aisdk_run(
        &self,
        start_json: &str,
        placement_json: &str,
        parent: &WasmContext,
    ) -> Result<WasmRun, JsValue> {
        let placement = placement(placement_json, parent)?;
        let inner = self
            .inner
            .aisdk_run(start_json, placement)
            .map_err(js_error)?;
        Ok(WasmRun { inner })
    }

    /// A tool run (`spec_json` is a ToolSpec).
    pub fn tool(
        &self,
        spec_json: &str,
        placement_json: &str,
        parent: &WasmContext,
    ) -> Result<WasmRun, JsValue> {
        let spec = spec_from_json("tool", spec_json).map_err(js_error)?;
        let placement = placement(placement_json, parent)?;
        let inner = self.inner.tool(spec, placement).map_err(js_error)?;
        Ok(WasmRun { inner })
    }
}

#[cfg(feature = "frameworks")]
#[wasm_bindgen]
impl WasmCall {
    #[wasm_bindgen(js_name = finishNormalized)]
    pub fn finish_normalized(&self, response_json: &str) -> Result<(), JsValue> {
        let response = spec_from_json("response", response_json).map_err(js_error)?;
        self.inner.finish_normalized(response).map_err(js_error)
    }

    /// An AI SDK model call's result (its `doGenerate` result, or a stream's parts gathered).
    #[wasm_bindgen(js_name = finishAisdk)]
    pub fn finish_aisdk(&self, result_json: &str) -> Result<(), JsValue> {
        self.inner
            .finish_aisdk(result_json.to_owned())
            .map_err(js_error)
    }
}

/// The core's option table, as JSON rows (`name`, `camelName`, `kind`, `example`,
/// `public`): what `init` accepts, converted by bindings-node/lib/option_pairs.js as for Node.
#[wasm_bindgen(js_name = optionTable)]
pub fn option_table() -> String {
    let rows: Vec<serde_json::Value> = llmtel_core::options::OPTIONS
        .iter()
        .map(|o| {
            serde_json::json!({
                "name": o.name,
                "camelName": llmtel_core::options::camel_case(o.name),
                "kind": o.kind.as_str(),
                "example": o.example,
                "public": o.public,
            })
        })
        .collect();
    serde_json::Value::Array(rows).to_string()
}

/// What llmtel makes of an option it does not know, as JSON: `sentryOnly` (a Sentry option it
/// does not use) or `didYouMean` (the option meant, camelCase).
#[wasm_bindgen(js_name = optionAdvice)]
pub fn option_advice(name: &str) -> String {
    use llmtel_core::options::{UnknownOption, camel_case, unknown_option};
    match unknown_option(name, camel_case) {
        UnknownOption::SentryOnly => r#"{"sentryOnly":true}"#.to_owned(),
        UnknownOption::Unknown { did_you_mean } => {
            serde_json::json!({"sentryOnly": false, "didYouMean": did_you_mean}).to_string()
        }
    }
}

/// The candidate nearest to `name` (a misspelt integration name), if one is near enough.
#[wasm_bindgen(js_name = nearestName)]
pub fn nearest_name(name: &str, candidates: Vec<String>) -> Option<String> {
    llmtel_core::options::nearest(name, candidates.iter().map(String::as_str)).map(str::to_owned)
}

/// The core's version.
#[wasm_bindgen]
pub fn version() -> String {
    llmtel_core::VERSION.to_owned()
}
