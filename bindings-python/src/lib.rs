//! `llmtel._native`: the pyo3 binding over the core's facade (`llmtel_core::facade`), one to
//! one. It converts types and errors and nothing else; the Python package (`python/llmtel`)
//! holds the integration layer. Waits release the GIL; the flush thread never calls into
//! Python (`before_send_span` runs on the thread that ends the span). A panic inside llmtel
//! becomes `LlmtelError` (an `Exception`), never pyo3's `PanicException`, which derives from
//! `BaseException` and would escape the integration layer's `except Exception`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use llmtel_core::facade::spec_from_json;
use llmtel_core::genai::Usage;
use llmtel_core::propagation::{self, RemoteParent};
use llmtel_core::{
    CallHandle, CallSpec, Client as CoreClient, Error, ErrorKind, FailSpec, Options, PlacementSpec,
    RunHandle, SamplingContext, SpanContext, SpanData, SpanFate, SpanHandle, SpanSpec, Value,
};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyRuntimeError, PyTimeoutError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

create_exception!(
    _native,
    ConfigError,
    PyValueError,
    "An option llmtel cannot use; says which and why."
);
create_exception!(
    _native,
    MappingError,
    PyValueError,
    "JSON handed to a GenAI call could not be read."
);
create_exception!(
    _native,
    InvalidArgument,
    PyValueError,
    "An argument llmtel cannot use (an unknown provider, a misspelt spec field, a bad header)."
);
create_exception!(
    _native,
    FlushTimeout,
    PyTimeoutError,
    "A flush or close ended at its timeout."
);
create_exception!(
    _native,
    SpanEnded,
    PyRuntimeError,
    "The span or call was already ended."
);
create_exception!(
    _native,
    LlmtelError,
    PyException,
    "An unexpected failure inside llmtel."
);

/// The facade's error as the exception of its kind, with `.code`, `.field` and `.reason`.
fn py_error(e: Error) -> PyErr {
    let message = e.to_string();
    let err = match e.kind {
        ErrorKind::InvalidOption => ConfigError::new_err(message),
        ErrorKind::MalformedJson => MappingError::new_err(message),
        ErrorKind::InvalidArgument | ErrorKind::UnknownProvider | ErrorKind::UnknownApi => {
            InvalidArgument::new_err(message)
        }
        ErrorKind::Timeout => FlushTimeout::new_err(message),
        ErrorKind::AlreadyEnded => SpanEnded::new_err(message),
        ErrorKind::Closed | ErrorKind::Panic => LlmtelError::new_err(message),
    };
    Python::attach(|py| {
        let value = err.value(py);
        // Attributes on a fresh exception instance; should one fail, the message still says it.
        let _ = value.setattr("code", e.code());
        let _ = value.setattr("option", e.field.as_deref());
        let _ = value.setattr("field", e.field.as_deref());
        let _ = value.setattr("reason", &e.reason);
    });
    err
}

/// Runs a binding body; a panic becomes `LlmtelError` with code `panic`.
fn guard<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(py_error(Error::new(
            ErrorKind::Panic,
            None,
            "a bug inside llmtel was caught; the call goes on",
        )))
    })
}

/// The facade's result as Python's.
fn done<T>(result: Result<T, Error>) -> PyResult<T> {
    result.map_err(py_error)
}

/// A Python value as an attribute value, coerced where it has a faithful form: an int beyond
/// 64 bits becomes its decimal string, a `str` with lone surrogates gets U+FFFD for them, UTF-8
/// `bytes` their text, a JSON-able dict its JSON. `Err` says why anything else has no attribute
/// form (`None`, sets, objects): the caller drops it and counts it, never raises.
fn to_value(obj: &Bound<'_, PyAny>) -> Result<Value, String> {
    // bool before int: Python's bool is an int.
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        return Ok(match obj.extract::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => Value::from(text(obj)),
        });
    }
    if obj.is_instance_of::<PyFloat>() {
        return obj
            .extract::<f64>()
            .map(Value::Double)
            .map_err(|e| e.to_string());
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::from(lossy(s)));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return std::str::from_utf8(b.as_bytes())
            .map(|s| Value::from(s.to_owned()))
            .map_err(|_| "bytes that are not UTF-8 text".to_owned());
    }
    if obj.is_instance_of::<PyDict>() {
        let json = obj
            .py()
            .import("json")
            .and_then(|json| json.call_method1("dumps", (obj,)));
        return json
            .map(|j| Value::from(text(&j)))
            .map_err(|_| "a dict that is not JSON".to_owned());
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        return Ok(sequence(obj));
    }
    Err(format!(
        "a {} has no attribute form (str, int, float, bool, lists of them)",
        obj.get_type()
            .name()
            .map_or_else(|_| "value".into(), |n| n.to_string())
    ))
}

/// `str(obj)`, with lone surrogates replaced; never fails.
fn text(obj: &Bound<'_, PyAny>) -> String {
    obj.str().map(|s| lossy(&s)).unwrap_or_default()
}

/// The string with each lone surrogate (which UTF-8 cannot carry) replaced by one U+FFFD.
fn lossy(s: &Bound<'_, PyString>) -> String {
    if let Ok(utf8) = s.extract::<String>() {
        return utf8;
    }
    s.call_method1("encode", ("utf-16-le", "surrogatepass"))
        .ok()
        .and_then(|b| b.cast::<PyBytes>().ok().map(|b| b.as_bytes().to_vec()))
        .map(|b| {
            let units: Vec<u16> = b
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        })
        .unwrap_or_else(|| s.to_string_lossy().into_owned())
}

/// A list or tuple: a homogeneous array when it is one, else its items' text.
fn sequence(obj: &Bound<'_, PyAny>) -> Value {
    let items: Vec<Bound<'_, PyAny>> = obj
        .try_iter()
        .map(|it| it.filter_map(Result::ok).collect())
        .unwrap_or_default();
    let all = |f: &dyn Fn(&Bound<'_, PyAny>) -> bool| !items.is_empty() && items.iter().all(f);
    let is_bool = |i: &Bound<'_, PyAny>| i.is_instance_of::<PyBool>();
    let is_int = |i: &Bound<'_, PyAny>| i.is_instance_of::<PyInt>() && !is_bool(i);
    if all(&is_bool) {
        return Value::BoolArray(
            items
                .iter()
                .map(|i| i.is_truthy().unwrap_or(false))
                .collect(),
        );
    }
    if all(&|i| is_int(i) && i.extract::<i64>().is_ok()) {
        return Value::IntArray(items.iter().filter_map(|i| i.extract().ok()).collect());
    }
    if all(&|i| i.is_instance_of::<PyFloat>() || (is_int(i) && i.extract::<f64>().is_ok())) {
        return Value::DoubleArray(items.iter().filter_map(|i| i.extract().ok()).collect());
    }
    Value::from(items.iter().map(text).collect::<Vec<String>>())
}

/// Sets `key` on a span when the value has an attribute form, else counts it as dropped.
fn set_coerced(
    set: impl FnOnce(Value) -> Result<(), Error>,
    reject: impl FnOnce(&str) -> Result<(), Error>,
    value: &Bound<'_, PyAny>,
) -> PyResult<()> {
    done(match to_value(value) {
        Ok(value) => set(value),
        Err(why) => reject(&why),
    })
}

fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Int(i) => i.into_pyobject(py)?.into_any(),
        Value::Double(d) => PyFloat::new(py, *d).into_any(),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::StringArray(a) => PyList::new(py, a.iter().map(|s| s.as_ref()))?.into_any(),
        Value::IntArray(a) => PyList::new(py, a)?.into_any(),
        Value::DoubleArray(a) => PyList::new(py, a)?.into_any(),
        Value::BoolArray(a) => PyList::new(py, a)?.into_any(),
    })
}

/// Runs the user's `before_send_span(span_dict) -> dict | None` on the caller's thread.
/// Attributes as a dict of Python values (what hooks see).
fn attributes_dict<'py>(
    py: Python<'py>,
    attributes: &llmtel_core::Attributes,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (k, v) in attributes.iter() {
        dict.set_item(k, to_py(py, v)?)?;
    }
    Ok(dict)
}

fn before_send(hook: &Py<PyAny>, span: &mut SpanData) -> SpanFate {
    Python::attach(|py| {
        let mut run = || -> PyResult<SpanFate> {
            let attributes = attributes_dict(py, &span.attributes)?;
            let view = PyDict::new(py);
            view.set_item("name", span.name.as_ref())?;
            view.set_item("op", span.op.as_deref())?;
            view.set_item("origin", span.origin.as_ref())?;
            view.set_item("trace_id", span.trace_id.to_hex())?;
            view.set_item("span_id", span.span_id.to_hex())?;
            view.set_item("parent_span_id", span.parent_span_id.map(|p| p.to_hex()))?;
            view.set_item("status", span.status.as_str())?;
            view.set_item("attributes", &attributes)?;
            let result = hook.bind(py).call1((&view,))?;
            if result.is_none() {
                return Ok(SpanFate::Drop);
            }
            let Ok(returned) = result.cast::<PyDict>() else {
                // A filter whose result cannot be read must not let the span through.
                if result.hasattr("close")? && result.hasattr("send")? {
                    let _ = result.call_method0("close"); // a coroutine: never awaited, say nothing
                }
                static WARNED: std::sync::Once = std::sync::Once::new();
                WARNED.call_once(|| {
                    let what = result
                        .get_type()
                        .name()
                        .map_or_else(|_| "value".into(), |n| n.to_string());
                    eprintln!(
                        "llmtel: before_send_span returned {what}, not a span dict; such spans are dropped"
                    );
                });
                return Ok(SpanFate::Drop);
            };
            if let Some(name) = returned.get_item("name")? {
                span.name = name.extract::<String>()?.into();
            }
            if let Some(op) = returned.get_item("op")? {
                span.op = op.extract::<Option<String>>()?.map(Into::into);
            }
            // A hook that deleted the attributes (or set them to None) meant none.
            let mut fresh = llmtel_core::Attributes::default();
            if let Some(attrs) = returned.get_item("attributes")?.filter(|a| !a.is_none()) {
                for (k, v) in attrs.cast::<PyDict>()?.iter() {
                    // What the hook left without an attribute form is not kept.
                    if let Ok(value) = to_value(&v) {
                        fresh.set(k.extract::<String>()?, value);
                    }
                }
            }
            span.attributes = fresh;
            Ok(SpanFate::Keep)
        };
        // A hook that raises may have been meant to filter: drop rather than send unfiltered.
        run().unwrap_or(SpanFate::Drop)
    })
}

/// Calls the user's `traces_sampler` with Sentry's sampling context (a dict: `name`, `op`,
/// `attributes`, `parent_sampled`); a bool or a number decides, anything else (or a raise)
/// leaves the default.
fn sample(sampler: &Py<PyAny>, context: &SamplingContext<'_>) -> Option<f64> {
    Python::attach(|py| {
        let run = || -> PyResult<Option<f64>> {
            let attributes = attributes_dict(py, context.attributes)?;
            let view = PyDict::new(py);
            view.set_item("name", context.name)?;
            view.set_item("op", context.op)?;
            view.set_item("attributes", &attributes)?;
            view.set_item("parent_sampled", context.parent_sampled)?;
            let result = sampler.bind(py).call1((&view,))?;
            if let Ok(flag) = result.cast::<PyBool>() {
                return Ok(Some(if flag.is_true() { 1.0 } else { 0.0 }));
            }
            Ok(result.extract::<f64>().ok())
        };
        run().ok().flatten()
    })
}

/// A configured pipeline.
#[pyclass(frozen, module = "llmtel._native")]
struct Client {
    inner: CoreClient,
}

#[pymethods]
impl Client {
    /// `options` is a list of (name, text value) pairs as the core's option table names them.
    #[new]
    #[pyo3(signature = (options, before_send_span=None, traces_sampler=None))]
    fn new(
        options: Vec<(String, String)>,
        before_send_span: Option<Py<PyAny>>,
        traces_sampler: Option<Py<PyAny>>,
    ) -> PyResult<Self> {
        guard(|| {
            let mut o = Options {
                sdk_name: "llmtel.python".into(),
                sdk_language: "python".into(),
                ..Options::default()
            };
            for (name, value) in &options {
                o.set(name, value).map_err(|e| py_error(e.into()))?;
            }
            if let Some(hook) = before_send_span {
                let hook = Arc::new(hook);
                o.before_send_span = Some(Arc::new(move |span: &mut SpanData| {
                    before_send(&hook, span)
                }));
            }
            if let Some(sampler) = traces_sampler {
                let sampler = Arc::new(sampler);
                o.traces_sampler =
                    Some(Arc::new(move |c: &SamplingContext<'_>| sample(&sampler, c)));
            }
            let inner = CoreClient::init(o).map_err(|e| py_error(e.into()))?;
            Ok(Client { inner })
        })
    }

    /// Continues the trace of incoming headers (None when they carry none): the context its
    /// spans start under. The trace's baggage is kept for `trace_data` and the envelopes.
    #[pyo3(signature = (*, sentry_trace=None, baggage=None, traceparent=None, tracestate=None))]
    fn continue_trace(
        &self,
        sentry_trace: Option<&str>,
        baggage: Option<&str>,
        traceparent: Option<&str>,
        tracestate: Option<&str>,
    ) -> PyResult<Option<Context>> {
        guard(|| {
            let remote = RemoteParent::from_headers(|name| match name {
                "sentry-trace" => sentry_trace,
                "baggage" => baggage,
                "traceparent" => traceparent,
                "tracestate" => tracestate,
                _ => None,
            })
            .map_err(|e| py_error(e.into()))?;
            Ok(remote.map(|r| Context {
                inner: self.inner.continue_trace(&r),
                remote: Some(r),
            }))
        })
    }

    /// The headers an outgoing request made inside `context` carries: (sentry-trace,
    /// traceparent, baggage).
    fn trace_data(&self, context: &Context) -> (String, String, String) {
        let data = self.inner.trace_data(&context.inner);
        (data.sentry_trace, data.traceparent, data.baggage)
    }

    /// Captures an event (`event::EventSpec` as JSON) in the span `parent`; returns its id.
    #[pyo3(signature = (event_json, parent=None))]
    fn capture_event(&self, event_json: &str, parent: Option<&Context>) -> PyResult<String> {
        guard(|| done(self.inner.capture(event_json, parent.map(|p| p.inner))))
    }

    /// Where spans go and how they are sampled, in one line (`debug`'s first-run line).
    fn describe(&self) -> String {
        self.inner.config().describe()
    }

    /// Records a finished span of another tracer (`imported::ImportedSpan` as JSON).
    fn import_span(&self, span_json: &str) -> PyResult<()> {
        guard(|| done(self.inner.import_span(span_json)))
    }

    /// Starts a user span under `parent` (a `Context`; a remote one from `continue_trace`
    /// makes this span the local root of its segment in the caller's trace).
    #[pyo3(signature = (name, op=None, origin=None, parent=None, attributes=None, kind=None))]
    fn start_span(
        &self,
        name: String,
        op: Option<String>,
        origin: Option<String>,
        parent: Option<&Context>,
        attributes: Option<&Bound<'_, PyDict>>,
        kind: Option<String>,
    ) -> PyResult<Span> {
        guard(|| {
            let span = done(self.inner.span(SpanSpec {
                name,
                op,
                origin,
                kind,
                start_time_unix_nano: None,
                parent: parent.filter(|p| p.remote.is_none()).map(|p| p.inner),
                remote_parent: parent.and_then(|p| p.remote.clone()),
            }))?;
            if let Some(attributes) = attributes {
                for (k, v) in attributes.iter() {
                    let key = text(&k);
                    set_coerced(
                        |value| span.set_attribute(key.clone(), value),
                        |why| span.reject_attribute(&key, why),
                        &v,
                    )?;
                }
            }
            Ok(Span { inner: span })
        })
    }

    /// Starts a provider call from its request JSON; returns `(call, problem)` where `problem`
    /// explains a request that could not be read (the call exists either way).
    #[pyo3(signature = (provider, api, request_json, *, server_address=None, server_port=None, parent=None, record_inputs=false, record_outputs=false, stream=false, origin=None, conversation_id=None, scope=None))]
    #[allow(clippy::too_many_arguments)]
    fn call(
        &self,
        provider: String,
        api: String,
        request_json: String,
        server_address: Option<String>,
        server_port: Option<u16>,
        parent: Option<&Context>,
        record_inputs: bool,
        record_outputs: bool,
        stream: bool,
        origin: Option<String>,
        conversation_id: Option<String>,
        scope: Option<Vec<(String, String)>>,
    ) -> PyResult<(GenAiCallHandle, Option<String>)> {
        guard(|| {
            let (inner, problem) = done(self.inner.call(CallSpec {
                provider,
                api,
                request: request_json,
                server_address,
                server_port,
                record_inputs,
                record_outputs,
                stream,
                origin,
                conversation_id,
                scope: scope.unwrap_or_default(),
                parent: parent.map(|p| p.inner),
                started_ago_ns: None,
            }))?;
            Ok((GenAiCallHandle { inner }, problem.map(|e| e.to_string())))
        })
    }

    /// Starts a call a framework normalized; `request_json` is a NormalizedRequest.
    #[pyo3(signature = (request_json, *, parent=None, record_inputs=false, record_outputs=false, origin=None, scope=None))]
    fn normalized_call(
        &self,
        request_json: &str,
        parent: Option<&Context>,
        record_inputs: bool,
        record_outputs: bool,
        origin: Option<String>,
        scope: Option<Vec<(String, String)>>,
    ) -> PyResult<GenAiCallHandle> {
        guard(|| {
            let request = done(spec_from_json("request", request_json))?;
            let placement = placement(parent, record_inputs, record_outputs, origin, scope);
            Ok(GenAiCallHandle {
                inner: self.inner.normalized_call(request, placement),
            })
        })
    }

    /// Starts an agent or workflow run; `spec_json` is an AgentSpec.
    #[pyo3(signature = (spec_json, *, parent=None, record_inputs=false, record_outputs=false, origin=None, scope=None))]
    fn agent(
        &self,
        spec_json: &str,
        parent: Option<&Context>,
        record_inputs: bool,
        record_outputs: bool,
        origin: Option<String>,
        scope: Option<Vec<(String, String)>>,
    ) -> PyResult<Run> {
        guard(|| {
            let spec = done(spec_from_json("agent", spec_json))?;
            let placement = placement(parent, record_inputs, record_outputs, origin, scope);
            Ok(Run {
                inner: done(self.inner.agent(spec, placement))?,
            })
        })
    }

    /// Starts a tool run; `spec_json` is a ToolSpec.
    #[pyo3(signature = (spec_json, *, parent=None, record_inputs=false, record_outputs=false, origin=None, scope=None))]
    fn tool(
        &self,
        spec_json: &str,
        parent: Option<&Context>,
        record_inputs: bool,
        record_outputs: bool,
        origin: Option<String>,
        scope: Option<Vec<(String, String)>>,
    ) -> PyResult<Run> {
        guard(|| {
            let spec = done(spec_from_json("tool", spec_json))?;
            let placement = placement(parent, record_inputs, record_outputs, origin, scope);
            Ok(Run {
                inner: done(self.inner.tool(spec, placement))?,
            })
        })
    }

    /// Starts a LangChain model run's span; `start_json` is a `langchain::ModelStart`.
    #[pyo3(signature = (start_json, *, parent=None, record_inputs=false, record_outputs=false, origin=None, scope=None))]
    fn langchain_model(
        &self,
        start_json: &str,
        parent: Option<&Context>,
        record_inputs: bool,
        record_outputs: bool,
        origin: Option<String>,
        scope: Option<Vec<(String, String)>>,
    ) -> PyResult<GenAiCallHandle> {
        guard(|| {
            let placement = placement(parent, record_inputs, record_outputs, origin, scope);
            Ok(GenAiCallHandle {
                inner: done(self.inner.langchain_model(start_json, placement))?,
            })
        })
    }

    /// Starts a LangChain chain run's span when the chain is an agent; None otherwise.
    #[pyo3(signature = (start_json, *, parent=None, record_inputs=false, record_outputs=false, origin=None, scope=None))]
    fn langchain_chain(
        &self,
        start_json: &str,
        parent: Option<&Context>,
        record_inputs: bool,
        record_outputs: bool,
        origin: Option<String>,
        scope: Option<Vec<(String, String)>>,
    ) -> PyResult<Option<Run>> {
        guard(|| {
            let placement = placement(parent, record_inputs, record_outputs, origin, scope);
            let run = done(self.inner.langchain_chain(start_json, placement))?;
            Ok(run.map(|inner| Run { inner }))
        })
    }

    /// Starts a LangChain tool run's span.
    #[pyo3(signature = (start_json, *, parent=None, record_inputs=false, record_outputs=false, origin=None, scope=None))]
    fn langchain_tool(
        &self,
        start_json: &str,
        parent: Option<&Context>,
        record_inputs: bool,
        record_outputs: bool,
        origin: Option<String>,
        scope: Option<Vec<(String, String)>>,
    ) -> PyResult<Run> {
        guard(|| {
            let placement = placement(parent, record_inputs, record_outputs, origin, scope);
            Ok(Run {
                inner: done(self.inner.langchain_tool(start_json, placement))?,
            })
        })
    }

    /// Waits (without the GIL) until what was queued has been attempted; raises
    /// `FlushTimeout` when the timeout comes first.
    #[pyo3(signature = (timeout=2.0))]
    fn flush(&self, py: Python<'_>, timeout: f64) -> PyResult<()> {
        let wait = Duration::from_secs_f64(timeout.max(0.0));
        guard(|| done(py.detach(|| self.inner.flush_within(wait))))
    }

    /// Stops intake and drains (without the GIL); raises `FlushTimeout` at the timeout.
    #[pyo3(signature = (timeout=2.0))]
    fn close(&self, py: Python<'_>, timeout: f64) -> PyResult<()> {
        let wait = Duration::from_secs_f64(timeout.max(0.0));
        guard(|| done(py.detach(|| self.inner.close_within(wait))))
    }

    fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// `max_content_bytes` (0: no cap): no string longer than this reaches an attribute, so a
    /// response may have longer ones cut before it is handed over.
    #[getter]
    fn content_cap(&self) -> usize {
        self.inner.config().max_content_bytes
    }

    /// `{"queued": n, "exported": n, "dropped": {reason: n}, "invalid_attributes": n}`, summed
    /// over exporters.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        guard(|| {
            let stats = self.inner.stats();
            let out = PyDict::new(py);
            out.set_item("queued", stats.queued)?;
            out.set_item("exported", stats.exported_total())?;
            let dropped = PyDict::new(py);
            for (reason, n) in stats.dropped_total().iter() {
                dropped.set_item(reason.as_str(), n)?;
            }
            out.set_item("dropped", dropped)?;
            out.set_item("invalid_attributes", stats.invalid_attributes)?;
            Ok(out)
        })
    }
}

fn placement(
    parent: Option<&Context>,
    record_inputs: bool,
    record_outputs: bool,
    origin: Option<String>,
    scope: Option<Vec<(String, String)>>,
) -> PlacementSpec {
    PlacementSpec {
        record_inputs,
        record_outputs,
        origin,
        scope: scope.unwrap_or_default(),
        parent: parent.map(|p| p.inner),
        started_ago_ns: None,
    }
}

/// A span's place in a trace: what children start under.
#[pyclass(frozen, module = "llmtel._native")]
struct Context {
    inner: SpanContext,
    /// What the incoming headers said, for a context from `continue_trace`.
    remote: Option<RemoteParent>,
}

fn context(inner: SpanContext) -> Context {
    Context {
        inner,
        remote: None,
    }
}

#[pymethods]
impl Context {
    #[getter]
    fn trace_id(&self) -> String {
        self.inner.trace_id.to_hex()
    }

    #[getter]
    fn span_id(&self) -> String {
        self.inner.span_id.to_hex()
    }

    #[getter]
    fn sampled(&self) -> bool {
        self.inner.sampled
    }

    #[getter]
    fn remote(&self) -> bool {
        self.inner.remote
    }

    /// W3C `traceparent` for an outgoing request.
    fn traceparent(&self) -> String {
        propagation::traceparent(&self.inner)
    }

    /// Sentry `sentry-trace` for an outgoing request.
    fn sentry_trace(&self) -> String {
        propagation::sentry_trace(&self.inner)
    }
}

/// The context of a span another tracer keeps (an OpenTelemetry span); see
/// `facade::foreign_context`.
#[pyfunction]
#[pyo3(signature = (trace_id, span_id, sampled, segment_id=None))]
fn foreign_context(
    trace_id: &str,
    span_id: &str,
    sampled: bool,
    segment_id: Option<&str>,
) -> PyResult<Context> {
    guard(|| {
        done(llmtel_core::facade::foreign_context(
            trace_id, span_id, sampled, segment_id,
        ))
        .map(context)
    })
}

/// The candidate `name` most likely misspells, if any ("did you mean").
#[pyfunction]
fn nearest_name(name: &str, candidates: Vec<String>) -> Option<String> {
    llmtel_core::options::nearest(name, candidates.iter().map(String::as_str)).map(str::to_owned)
}

/// What llmtel makes of an option it does not know: (a Sentry option it does not use, the
/// option meant).
#[pyfunction]
fn option_advice(name: &str) -> (bool, Option<String>) {
    use llmtel_core::options::{UnknownOption, unknown_option};
    match unknown_option(name, str::to_owned) {
        UnknownOption::SentryOnly => (true, None),
        UnknownOption::Unknown { did_you_mean } => (false, did_you_mean),
    }
}

/// A span being recorded.
#[pyclass(frozen, module = "llmtel._native")]
struct Span {
    inner: SpanHandle,
}

#[pymethods]
impl Span {
    /// Never raises for the value: one without an attribute form is dropped and counted.
    fn set_attribute(&self, key: String, value: &Bound<'_, PyAny>) -> PyResult<()> {
        guard(|| {
            set_coerced(
                |v| self.inner.set_attribute(key.clone(), v),
                |why| self.inner.reject_attribute(&key, why),
                value,
            )
        })
    }

    fn remove_attribute(&self, key: &str) -> PyResult<()> {
        guard(|| done(self.inner.remove_attribute(key)))
    }

    /// "ok", "error", or a Sentry status ("resource_exhausted", …).
    #[pyo3(signature = (code, message=None))]
    fn set_status(&self, code: &str, message: Option<String>) -> PyResult<()> {
        guard(|| done(self.inner.set_status(code, message)))
    }

    fn set_name(&self, name: String) -> PyResult<()> {
        guard(|| done(self.inner.set_name(name)))
    }

    fn set_op(&self, op: String) -> PyResult<()> {
        guard(|| done(self.inner.set_op(op)))
    }

    /// Token counts as the contract defines them; the total is input + output unless given.
    #[pyo3(signature = (*, input_tokens=None, output_tokens=None, cache_read_input_tokens=None, cache_creation_input_tokens=None, reasoning_tokens=None, total_tokens=None))]
    fn record_usage(
        &self,
        input_tokens: Option<i64>,
        output_tokens: Option<i64>,
        cache_read_input_tokens: Option<i64>,
        cache_creation_input_tokens: Option<i64>,
        reasoning_tokens: Option<i64>,
        total_tokens: Option<i64>,
    ) -> PyResult<()> {
        guard(|| {
            done(self.inner.record_usage(&Usage {
                input: input_tokens,
                output: output_tokens,
                cache_read: cache_read_input_tokens,
                cache_creation: cache_creation_input_tokens,
                reasoning: reasoning_tokens,
                total: total_tokens,
            }))
        })
    }

    fn end(&self) -> PyResult<()> {
        guard(|| done(self.inner.end()))
    }

    #[getter]
    fn context(&self) -> Context {
        context(self.inner.context())
    }

    #[getter]
    fn is_recording(&self) -> bool {
        self.inner.is_recording()
    }

    #[getter]
    fn is_ended(&self) -> bool {
        self.inner.is_ended()
    }

    #[getter]
    fn trace_id(&self) -> String {
        self.inner.context().trace_id.to_hex()
    }

    #[getter]
    fn span_id(&self) -> String {
        self.inner.context().span_id.to_hex()
    }

    #[getter]
    fn sampled(&self) -> bool {
        self.inner.context().sampled
    }
}

/// A GenAI call being recorded.
#[pyclass(frozen, name = "GenAiCall", module = "llmtel._native")]
struct GenAiCallHandle {
    inner: CallHandle,
}

#[pymethods]
impl GenAiCallHandle {
    /// One stream event as received: the SSE event name (or None) and its data text.
    #[pyo3(signature = (event, data))]
    fn chunk(&self, event: Option<&str>, data: &str) -> PyResult<()> {
        guard(|| done(self.inner.chunk(event, data)))
    }

    /// The stream's bytes as read off the wire; the core reads the server-sent events.
    fn feed(&self, data: &[u8]) -> PyResult<()> {
        guard(|| done(self.inner.feed(data)))
    }

    /// A chunk the host reads itself arrived (normalized streams: time to first chunk).
    fn mark_chunk(&self) -> PyResult<()> {
        guard(|| done(self.inner.mark_chunk()))
    }

    fn finish(&self, response_json: &str) -> PyResult<()> {
        guard(|| done(self.inner.finish(response_json)))
    }

    /// Ends a normalized call; `response_json` is a NormalizedResponse.
    fn finish_normalized(&self, response_json: &str) -> PyResult<()> {
        guard(|| {
            let response = done(spec_from_json("response", response_json))?;
            done(self.inner.finish_normalized(response))
        })
    }

    fn finish_stream(&self) -> PyResult<()> {
        guard(|| done(self.inner.finish_stream()))
    }

    /// A provider call made inside this framework call takes its span over; returns why the
    /// request could not be read, if it could not.
    #[pyo3(signature = (provider, api, request_json, *, server_address=None, server_port=None, stream=false, conversation_id=None))]
    #[allow(clippy::too_many_arguments)]
    fn adopt(
        &self,
        provider: String,
        api: String,
        request_json: String,
        server_address: Option<String>,
        server_port: Option<u16>,
        stream: bool,
        conversation_id: Option<String>,
    ) -> PyResult<Option<String>> {
        guard(|| {
            let spec = CallSpec {
                provider,
                api,
                request: request_json,
                server_address,
                server_port,
                stream,
                conversation_id,
                ..CallSpec::default()
            };
            Ok(done(self.inner.adopt(&spec))?.map(|e| e.to_string()))
        })
    }

    /// Ends a LangChain model run with its LLMResult as JSON.
    fn finish_langchain(&self, result_json: &str) -> PyResult<()> {
        guard(|| done(self.inner.finish_langchain(result_json)))
    }

    #[pyo3(signature = (http_status=None, body=None, exception=None, message=None))]
    fn fail(
        &self,
        http_status: Option<u16>,
        body: Option<String>,
        exception: Option<String>,
        message: Option<String>,
    ) -> PyResult<()> {
        guard(|| {
            done(self.inner.fail(&FailSpec {
                http_status,
                body,
                exception,
                message,
            }))
        })
    }

    #[getter]
    fn is_ended(&self) -> bool {
        self.inner.is_ended()
    }

    /// None when the call is not sampled.
    #[getter]
    fn context(&self) -> Option<Context> {
        self.inner.context().map(context)
    }

    #[getter]
    fn span_id(&self) -> Option<String> {
        self.inner.context().map(|c| c.span_id.to_hex())
    }

    #[getter]
    fn trace_id(&self) -> Option<String> {
        self.inner.context().map(|c| c.trace_id.to_hex())
    }
}

/// An agent, workflow or tool run.
#[pyclass(frozen, module = "llmtel._native")]
struct Run {
    inner: RunHandle,
}

#[pymethods]
impl Run {
    /// Never raises for the value: one without an attribute form is dropped and counted.
    fn set_attribute(&self, key: String, value: &Bound<'_, PyAny>) -> PyResult<()> {
        guard(|| {
            set_coerced(
                |v| self.inner.set_attribute(key.clone(), v),
                |why| self.inner.reject_attribute(&key, why),
                value,
            )
        })
    }

    /// An agent's output messages (a JSON array of messages), recorded when outputs are.
    fn set_output(&self, messages_json: &str) -> PyResult<()> {
        guard(|| {
            let messages = done(spec_from_json("messages", messages_json))?;
            done(self.inner.set_output(messages))
        })
    }

    /// A tool's result (JSON, or text as it came), recorded when outputs are.
    fn set_result(&self, result: &str) -> PyResult<()> {
        guard(|| done(self.inner.set_result(result)))
    }

    fn end(&self) -> PyResult<()> {
        guard(|| done(self.inner.end()))
    }

    /// A LangChain agent's chain inputs (JSON), recorded when inputs are.
    fn set_langchain_input(&self, inputs_json: &str) -> PyResult<()> {
        guard(|| done(self.inner.set_langchain_input(inputs_json)))
    }

    /// Ends a LangChain agent run with its chain outputs (JSON).
    fn end_langchain_agent(&self, outputs_json: &str) -> PyResult<()> {
        guard(|| done(self.inner.end_langchain_agent(outputs_json)))
    }

    /// Ends a LangChain tool run with its output (JSON).
    fn end_langchain_tool(&self, output_json: &str) -> PyResult<()> {
        guard(|| done(self.inner.end_langchain_tool(output_json)))
    }

    #[pyo3(signature = (error_type, message=None))]
    fn fail(&self, error_type: &str, message: Option<&str>) -> PyResult<()> {
        guard(|| done(self.inner.fail(error_type, message)))
    }

    #[getter]
    fn context(&self) -> Context {
        context(self.inner.context())
    }

    #[getter]
    fn is_ended(&self) -> bool {
        self.inner.is_ended()
    }
}

/// The core's version.
#[pyfunction]
fn version() -> &'static str {
    llmtel_core::VERSION
}

/// The core's option table: `(name, kind, example, public)` per option, so the Python layer
/// converts options from it.
#[pyfunction]
fn option_table() -> Vec<(&'static str, &'static str, &'static str, bool)> {
    llmtel_core::options::OPTIONS
        .iter()
        .map(|o| (o.name, o.kind.as_str(), o.example, o.public))
        .collect()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<Client>()?;
    m.add_class::<Context>()?;
    m.add_class::<Span>()?;
    m.add_class::<GenAiCallHandle>()?;
    m.add_class::<Run>()?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(option_table, m)?)?;
    m.add_function(wrap_pyfunction!(foreign_context, m)?)?;
    m.add_function(wrap_pyfunction!(option_advice, m)?)?;
    m.add_function(wrap_pyfunction!(nearest_name, m)?)?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("MappingError", py.get_type::<MappingError>())?;
    m.add("InvalidArgument", py.get_type::<InvalidArgument>())?;
    m.add("FlushTimeout", py.get_type::<FlushTimeout>())?;
    m.add("SpanEnded", py.get_type::<SpanEnded>())?;
    m.add("LlmtelError", py.get_type::<LlmtelError>())?;
    Ok(())
}
