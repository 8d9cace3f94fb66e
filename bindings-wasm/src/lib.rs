//! wasm-bindgen binding over the core's facade, for browsers and edge runtimes: the mapping,
//! privacy, cost and encoding run here; JavaScript keeps the async context, the timing of its
//! own work and the transport. Built without the core's native runtime (no threads, clock,
//! files or sockets): finished spans wait in the client until JavaScript takes them as spool
//! lines or encoded requests. Specs cross as JSON text, errors as JS `Error`s with `code`.

use llmtel_core::export::otlp::OtlpEncoder;
use llmtel_core::export::spool::SpoolFormat;
use llmtel_core::facade::spec_from_json;
use llmtel_core::options::OtlpProtocol;
use llmtel_core::propagation::{self, RemoteParent};
use llmtel_core::{
    CallHandle, CallSpec, Client, Error, FailSpec, Options, PlacementSpec, RunHandle, Segment,
    SpanContext, SpanHandle, SpanSpec, Value,
};
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

/// A remote parent from incoming headers (`sentry-trace`, `baggage`, `traceparent`,
/// `tracestate`; pass `undefined` for those absent), or `undefined` when they carry no trace.
#[wasm_bindgen(js_name = continueTrace)]
pub fn continue_trace(
    sentry_trace: Option<String>,
    baggage: Option<String>,
    traceparent: Option<String>,
    tracestate: Option<String>,
) -> Result<Option<WasmContext>, JsValue> {
    let remote = RemoteParent::from_headers(|name| match name {
        "sentry-trace" => sentry_trace.as_deref(),
        "baggage" => baggage.as_deref(),
        "traceparent" => traceparent.as_deref(),
        "tracestate" => tracestate.as_deref(),
        _ => None,
    })
    .map_err(|e| js_error(e.into()))?;
    Ok(remote.map(|r| WasmContext {
        inner: Some(r.context(|| true)),
        remote: Some(r),
    }))
}

/// A client whose finished spans wait for JavaScript.
#[wasm_bindgen]
pub struct WasmClient {
    inner: Client,
    spool: SpoolFormat,
    otlp: OtlpEncoder,
}

#[wasm_bindgen]
impl WasmClient {
    /// `options_json`: `{"name": "text value", …}` with the core's option names.
    #[wasm_bindgen(constructor)]
    pub fn new(options_json: &str) -> Result<WasmClient, JsValue> {
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
        let inner = Client::buffered(&options).map_err(|e| js_error(e.into()))?;
        let config = inner.config();
        let spool = SpoolFormat::new(config);
        let otlp = OtlpEncoder::new(OtlpProtocol::Json, config);
        Ok(WasmClient { inner, spool, otlp })
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

    /// The spans finished since the last take, as spool lines (JSONL, the native spool's
    /// exact format).
    #[wasm_bindgen(js_name = takeSpoolLines)]
    pub fn take_spool_lines(&self) -> String {
        let mut out = Vec::new();
        for span in self.inner.take_finished() {
            self.spool.write_line(&mut out, &span);
        }
        String::from_utf8(out).expect("spool lines are UTF-8")
    }

    /// The spans finished since the last take, as one OTLP/HTTP JSON request body (empty
    /// string when there are none).
    #[wasm_bindgen(js_name = takeOtlpJson)]
    pub fn take_otlp_json(&self) -> String {
        let spans = self.inner.take_finished();
        if spans.is_empty() {
            return String::new();
        }
        let segment = Segment {
            root: None,
            children: spans,
            events: Vec::new(),
        };
        String::from_utf8(self.otlp.encode(std::slice::from_ref(&segment)))
            .expect("OTLP JSON is UTF-8")
    }
}

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

    #[wasm_bindgen(js_name = setStatus)]
    pub fn set_status(&self, code: &str, message: Option<String>) -> Result<(), JsValue> {
        self.inner.set_status(code, message).map_err(js_error)
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

    #[wasm_bindgen(js_name = finishNormalized)]
    pub fn finish_normalized(&self, response_json: &str) -> Result<(), JsValue> {
        let response = spec_from_json("response", response_json).map_err(js_error)?;
        self.inner.finish_normalized(response).map_err(js_error)
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
#[wasm_bindgen]
pub struct WasmRun {
    inner: RunHandle,
}

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

/// The core's version.
#[wasm_bindgen]
pub fn version() -> String {
    llmtel_core::VERSION.to_owned()
}
