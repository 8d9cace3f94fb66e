//! napi binding over `llmtel-core`: converts types and errors, nothing else. The JavaScript
//! layer (`bindings-node/lib`) keeps the current span in AsyncLocalStorage and wraps clients.
//! Every export catches panics; flush and close wait on the libuv pool and return Promises; the
//! flush thread never calls into JavaScript (beforeSendSpan runs in JS before the span ends).

use std::cell::Cell;
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::Duration;

use llmtel_core::genai::{Api, CallError, CallStart, ContentPolicy, GenAiCall, Provider};
use llmtel_core::{
    Attributes, Client, DropReason, ErrorCode, Options, Span, SpanContext, SpanData, SpanFate,
    SpanStart, Status, Value,
};
use napi::bindgen_prelude::*;
use napi_derive::napi;

fn invalid(reason: impl std::fmt::Display) -> Error {
    Error::new(napi::Status::InvalidArg, reason.to_string())
}

thread_local! {
    /// True while one of our span-ending methods runs, i.e. while JavaScript is on the stack and
    /// the user's hook may be called. Spans ended elsewhere (a GC finalizer) cannot call it.
    static IN_CALL: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with the hook callable.
fn in_call<T>(f: impl FnOnce() -> T) -> T {
    let before = IN_CALL.with(|c| c.replace(true));
    let result = f();
    IN_CALL.with(|c| c.set(before));
    result
}

/// The user's beforeSendSpan, adapted in JavaScript to `(spanJson) => spanJson | null`.
struct JsHook {
    func: FunctionRef<String, Option<String>>,
    env: napi::sys::napi_env,
    thread: ThreadId,
}

// SAFETY: the reference is only used on the thread that created it (checked in `run`), while
// JavaScript is on that thread's stack.
unsafe impl Send for JsHook {}
unsafe impl Sync for JsHook {}

impl JsHook {
    fn run(&self, span: &mut SpanData) -> SpanFate {
        if std::thread::current().id() != self.thread || !IN_CALL.with(Cell::get) {
            return SpanFate::Drop; // the hook may be a privacy filter: never send unfiltered
        }
        let env = Env::from_raw(self.env);
        let Ok(func) = self.func.borrow_back(&env) else {
            return SpanFate::Drop;
        };
        match func.call(span_view(span)) {
            Ok(Some(json)) => apply_view(span, &json),
            _ => SpanFate::Drop,
        }
    }
}

fn json_value(value: &Value) -> serde_json::Value {
    match value {
        Value::String(s) => s.as_ref().into(),
        Value::Int(i) => (*i).into(),
        Value::Double(d) => (*d).into(),
        Value::Bool(b) => (*b).into(),
        Value::StringArray(a) => a.iter().map(|s| s.as_ref()).collect::<Vec<_>>().into(),
        Value::IntArray(a) => a.clone().into(),
        Value::DoubleArray(a) => a.clone().into(),
        Value::BoolArray(a) => a.clone().into(),
    }
}

fn span_view(span: &SpanData) -> String {
    let attributes: serde_json::Map<String, serde_json::Value> = span
        .attributes
        .iter()
        .map(|(k, v)| (k.to_owned(), json_value(v)))
        .collect();
    serde_json::json!({
        "name": span.name.as_ref(),
        "op": span.op.as_deref(),
        "origin": span.origin.as_ref(),
        "traceId": span.trace_id.to_hex(),
        "spanId": span.span_id.to_hex(),
        "parentSpanId": span.parent_span_id.map(|p| p.to_hex()),
        "attributes": attributes,
    })
    .to_string()
}

/// Takes back the name and attributes the hook returned.
fn apply_view(span: &mut SpanData, json: &str) -> SpanFate {
    let Ok(view) = serde_json::from_str::<serde_json::Value>(json) else {
        return SpanFate::Drop;
    };
    if let Some(name) = view.get("name").and_then(|n| n.as_str()) {
        span.name = name.to_owned().into();
    }
    if let Some(attrs) = view.get("attributes").and_then(|a| a.as_object()) {
        let mut fresh = Attributes::default();
        for (key, value) in attrs {
            let value: Option<Value> = match value {
                serde_json::Value::String(s) => Some(s.clone().into()),
                serde_json::Value::Bool(b) => Some((*b).into()),
                serde_json::Value::Number(n) => {
                    n.as_i64().map(Value::Int).or(n.as_f64().map(Value::Double))
                }
                serde_json::Value::Array(items) => {
                    if items.iter().all(|i| i.is_string()) {
                        Some(
                            items
                                .iter()
                                .filter_map(|i| i.as_str().map(str::to_owned))
                                .collect::<Vec<_>>()
                                .into(),
                        )
                    } else if items.iter().all(|i| i.is_i64()) {
                        Some(
                            items
                                .iter()
                                .filter_map(|i| i.as_i64())
                                .collect::<Vec<_>>()
                                .into(),
                        )
                    } else if items.iter().all(|i| i.is_number()) {
                        Some(
                            items
                                .iter()
                                .filter_map(|i| i.as_f64())
                                .collect::<Vec<_>>()
                                .into(),
                        )
                    } else {
                        None
                    }
                }
                _ => None,
            };
            if let Some(value) = value {
                fresh.set(key.clone(), value);
            }
        }
        span.attributes = fresh;
    }
    SpanFate::Keep
}

/// A configured pipeline.
#[napi]
pub struct NativeClient {
    inner: Client,
}

#[napi]
impl NativeClient {
    /// `options`: [name, text value] pairs as the README's option table names them.
    #[napi(constructor, catch_unwind)]
    pub fn new(
        env: Env,
        options: Vec<Vec<String>>,
        before_send_span: Option<Function<String, Option<String>>>,
    ) -> Result<Self> {
        let mut o = Options {
            sdk_name: "llmtel.javascript.node".into(),
            sdk_language: "nodejs".into(),
            ..Options::default()
        };
        for pair in &options {
            let [name, value] = pair.as_slice() else {
                return Err(invalid("each option is a [name, value] pair"));
            };
            o.set(name, value).map_err(invalid)?;
        }
        if let Some(func) = before_send_span {
            let hook = Arc::new(JsHook {
                func: func.create_ref()?,
                env: env.raw(),
                thread: std::thread::current().id(),
            });
            o.before_send_span = Some(Arc::new(move |span: &mut SpanData| hook.run(span)));
        }
        let inner = Client::init(o).map_err(invalid)?;
        Ok(NativeClient { inner })
    }

    #[napi(catch_unwind)]
    pub fn start_span(
        &self,
        name: String,
        op: Option<String>,
        origin: Option<String>,
        parent: Option<&NativeSpan>,
    ) -> NativeSpan {
        let mut start = SpanStart::new(name).parent_opt(parent.map(|p| p.context));
        if let Some(op) = op {
            start = start.op(op);
        }
        if let Some(origin) = origin {
            start = start.origin(origin);
        }
        let span = self.inner.start_span(start);
        NativeSpan {
            context: span.context(),
            inner: Mutex::new(Some(span)),
        }
    }

    /// Starts a GenAI call span; `problem` on the result explains a request that could not be
    /// read (the call exists either way).
    #[napi(catch_unwind)]
    #[allow(clippy::too_many_arguments)]
    pub fn begin_genai_call(
        &self,
        provider: String,
        api: String,
        request_json: String,
        server_address: Option<String>,
        server_port: Option<u32>,
        parent: Option<&NativeSpan>,
        record_inputs: bool,
        record_outputs: bool,
        stream: bool,
        conversation_id: Option<String>,
    ) -> Result<NativeCall> {
        let provider = Provider::parse(&provider)
            .ok_or_else(|| invalid(format!("unknown provider {provider:?}")))?;
        let api = Api::parse(&api).ok_or_else(|| invalid(format!("unknown API {api:?}")))?;
        let mut start = CallStart::new(provider, api, &request_json);
        start.server_address = server_address.as_deref();
        start.server_port = server_port.and_then(|p| u16::try_from(p).ok());
        start.parent = parent.map(|p| p.context);
        start.content = ContentPolicy {
            record_inputs,
            record_outputs,
        };
        start.stream = stream;
        start.conversation_id = conversation_id.as_deref();
        let (call, begun) = self.inner.begin_genai_call(start);
        Ok(NativeCall {
            inner: Mutex::new(Some(call)),
            problem: begun.err().map(|e| e.to_string()),
        })
    }

    /// Resolves true once what was queued has been attempted, false at the timeout.
    #[napi(catch_unwind)]
    pub fn flush(&self, timeout_ms: u32) -> AsyncTask<Wait> {
        AsyncTask::new(Wait {
            client: self.inner.clone(),
            timeout: Duration::from_millis(timeout_ms.into()),
            close: false,
        })
    }

    /// Stops intake and drains; resolves false at the timeout.
    #[napi(catch_unwind)]
    pub fn close(&self, timeout_ms: u32) -> AsyncTask<Wait> {
        AsyncTask::new(Wait {
            client: self.inner.clone(),
            timeout: Duration::from_millis(timeout_ms.into()),
            close: true,
        })
    }

    /// The same, blocking: for process exit hooks, where no Promise can be awaited.
    #[napi(catch_unwind)]
    pub fn close_sync(&self, timeout_ms: u32) -> bool {
        self.inner
            .close(Duration::from_millis(timeout_ms.into()))
            .is_ok()
    }

    /// `{"queued", "exported", "dropped": {reason: n}}` as JSON.
    #[napi(catch_unwind)]
    pub fn stats_json(&self) -> String {
        let stats = self.inner.stats();
        let dropped: serde_json::Map<String, serde_json::Value> = DropReason::ALL
            .iter()
            .map(|r| {
                let n = stats.dropped.get(*r)
                    + stats
                        .exporters
                        .iter()
                        .map(|e| e.dropped.get(*r))
                        .sum::<u64>();
                (r.as_str().to_owned(), n.into())
            })
            .filter(|(_, n)| n != &serde_json::Value::from(0))
            .collect();
        serde_json::json!({
            "queued": stats.queued,
            "exported": stats.exporters.iter().map(|e| e.exported).sum::<u64>(),
            "dropped": dropped,
        })
        .to_string()
    }
}

/// A flush or close waiting on the libuv pool.
pub struct Wait {
    client: Client,
    timeout: Duration,
    close: bool,
}

impl Task for Wait {
    type Output = bool;
    type JsValue = bool;

    fn compute(&mut self) -> Result<bool> {
        Ok(if self.close {
            self.client.close(self.timeout).is_ok()
        } else {
            self.client.flush(self.timeout).is_ok()
        })
    }

    fn resolve(&mut self, _env: Env, output: bool) -> Result<bool> {
        Ok(output)
    }
}

/// A span being recorded.
#[napi]
pub struct NativeSpan {
    inner: Mutex<Option<Span>>,
    context: SpanContext,
}

impl NativeSpan {
    fn with(&self, f: impl FnOnce(&mut Span)) {
        if let Some(span) = self
            .inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_mut()
        {
            f(span);
        }
    }
}

#[napi]
impl NativeSpan {
    #[napi(catch_unwind)]
    pub fn set_string(&self, key: String, value: String) {
        self.with(|s| s.set_attribute(key, value));
    }

    /// Whole numbers become integers, others doubles.
    #[napi(catch_unwind)]
    pub fn set_number(&self, key: String, value: f64) {
        self.with(|s| {
            if value.fract() == 0.0 && value.abs() < 9.0e15 {
                s.set_attribute(key, value as i64)
            } else {
                s.set_attribute(key, value)
            }
        });
    }

    #[napi(catch_unwind)]
    pub fn set_bool(&self, key: String, value: bool) {
        self.with(|s| s.set_attribute(key, value));
    }

    #[napi(catch_unwind)]
    pub fn set_string_array(&self, key: String, value: Vec<String>) {
        self.with(|s| s.set_attribute(key, value));
    }

    #[napi(catch_unwind)]
    pub fn set_number_array(&self, key: String, value: Vec<f64>) {
        self.with(|s| {
            if value.iter().all(|v| v.fract() == 0.0 && v.abs() < 9.0e15) {
                s.set_attribute(key, value.iter().map(|v| *v as i64).collect::<Vec<i64>>())
            } else {
                s.set_attribute(key, value)
            }
        });
    }

    #[napi(catch_unwind)]
    pub fn set_status_ok(&self) {
        self.with(|s| s.set_status(Status::Ok));
    }

    /// `code` is a Sentry status (`internal_error`, `resource_exhausted`, …).
    #[napi(catch_unwind)]
    pub fn set_status_error(&self, code: Option<String>, message: Option<String>) -> Result<()> {
        let code = match code {
            None => ErrorCode::InternalError,
            Some(c) => ErrorCode::parse(&c)
                .ok_or_else(|| invalid(format!("{c:?} is not a Sentry status")))?,
        };
        self.with(|s| s.set_status(Status::Error { code, message }));
        Ok(())
    }

    /// Ends the span; false when it was already ended.
    #[napi(catch_unwind)]
    pub fn end(&self) -> bool {
        let taken = self.inner.lock().unwrap_or_else(|p| p.into_inner()).take();
        in_call(|| taken.map(Span::end).is_some())
    }

    #[napi(getter)]
    pub fn trace_id(&self) -> String {
        self.context.trace_id.to_hex()
    }

    #[napi(getter)]
    pub fn span_id(&self) -> String {
        self.context.span_id.to_hex()
    }
}

/// A GenAI call being recorded.
#[napi]
pub struct NativeCall {
    inner: Mutex<Option<GenAiCall>>,
    problem: Option<String>,
}

impl NativeCall {
    fn take(&self) -> Option<GenAiCall> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

#[napi]
impl NativeCall {
    /// Why the request could not be read, if it could not.
    #[napi(getter)]
    pub fn problem(&self) -> Option<String> {
        self.problem.clone()
    }

    #[napi(getter)]
    pub fn ended(&self) -> bool {
        self.inner.lock().map(|g| g.is_none()).unwrap_or(true)
    }

    /// One stream chunk; returns a problem description instead of throwing.
    #[napi(catch_unwind)]
    pub fn chunk(&self, event: Option<String>, data: String) -> Option<String> {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let call = guard.as_mut()?;
        call.chunk(event.as_deref(), &data)
            .err()
            .map(|e| e.to_string())
    }

    #[napi(catch_unwind)]
    pub fn finish(&self, response_json: String) -> Option<String> {
        let call = self.take()?;
        in_call(|| call.finish(&response_json))
            .err()
            .map(|e| e.to_string())
    }

    #[napi(catch_unwind)]
    pub fn finish_stream(&self) {
        if let Some(call) = self.take() {
            in_call(|| call.finish_stream());
        }
    }

    #[napi(catch_unwind)]
    pub fn fail(
        &self,
        http_status: Option<u32>,
        body: Option<String>,
        exception: Option<String>,
        message: Option<String>,
    ) -> Option<String> {
        let call = self.take()?;
        in_call(|| {
            call.fail(CallError {
                http_status: http_status.and_then(|s| u16::try_from(s).ok()),
                body: body.as_deref(),
                exception: exception.as_deref(),
                message: message.as_deref(),
            })
        })
        .err()
        .map(|e| e.to_string())
    }
}

/// The core's version.
#[napi]
pub fn version() -> &'static str {
    llmtel_core::VERSION
}

/// One row of the core's option table.
#[napi(object)]
pub struct OptionRow {
    pub name: String,
    pub camel_name: String,
    pub kind: String,
    pub example: String,
    pub public: bool,
}

/// The core's option table, so the JavaScript layer spells and converts options from it.
#[napi]
pub fn option_table() -> Vec<OptionRow> {
    llmtel_core::options::OPTIONS
        .iter()
        .map(|o| OptionRow {
            name: o.name.to_owned(),
            camel_name: llmtel_core::options::camel_case(o.name),
            kind: o.kind.as_str().to_owned(),
            example: o.example.to_owned(),
            public: o.public,
        })
        .collect()
}
