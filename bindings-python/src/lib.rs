//! `llmtel._native`: the pyo3 binding over `llmtel-core`. It converts types and errors and
//! nothing else; the Python package (`python/llmtel`) holds the integration layer. Waits
//! release the GIL; the flush thread never calls into Python (`before_send_span` runs on the
//! thread that ends the span).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use llmtel_core::genai::{Api, CallError, CallStart, ContentPolicy, GenAiCall, Provider};
use llmtel_core::{
    Client as CoreClient, DropReason, ErrorCode, Options, Span as CoreSpan, SpanContext, SpanData,
    SpanFate, SpanKind, SpanStart, Status, Value,
};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyRuntimeError, PyTimeoutError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

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

/// A `ConfigError` carrying the option's name and the reason as attributes, as JS errors do.
fn config_error(e: llmtel_core::ConfigError) -> PyErr {
    Python::attach(|py| {
        let err = ConfigError::new_err(e.to_string());
        let value = err.value(py);
        // Setting attributes on a fresh exception instance cannot fail in practice; if it
        // did, the message still names the option.
        let _ = value.setattr("option", &e.option);
        let _ = value.setattr("reason", &e.reason);
        err
    })
}

fn to_value(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    // bool before int: Python's bool is an int.
    if obj.is_instance_of::<PyBool>() {
        return Ok(Value::Bool(obj.extract()?));
    }
    if obj.is_instance_of::<PyInt>() {
        return Ok(Value::Int(obj.extract()?));
    }
    if obj.is_instance_of::<PyFloat>() {
        return Ok(Value::Double(obj.extract()?));
    }
    if obj.is_instance_of::<PyString>() {
        return Ok(Value::from(obj.extract::<String>()?));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let items: Vec<Bound<'_, PyAny>> = obj.try_iter()?.collect::<PyResult<_>>()?;
        if items.iter().all(|i| i.is_instance_of::<PyBool>()) && !items.is_empty() {
            return Ok(Value::BoolArray(
                items.iter().map(|i| i.extract()).collect::<PyResult<_>>()?,
            ));
        }
        if items
            .iter()
            .all(|i| i.is_instance_of::<PyInt>() && !i.is_instance_of::<PyBool>())
            && !items.is_empty()
        {
            return Ok(Value::IntArray(
                items.iter().map(|i| i.extract()).collect::<PyResult<_>>()?,
            ));
        }
        if items
            .iter()
            .all(|i| i.is_instance_of::<PyFloat>() || i.is_instance_of::<PyInt>())
            && !items.is_empty()
        {
            return Ok(Value::DoubleArray(
                items.iter().map(|i| i.extract()).collect::<PyResult<_>>()?,
            ));
        }
        let strings: PyResult<Vec<String>> = items.iter().map(|i| i.str()?.extract()).collect();
        return Ok(Value::from(strings?));
    }
    Err(PyTypeError::new_err(format!(
        "attribute values are str, int, float, bool or lists of them, not {}",
        obj.get_type().name()?
    )))
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
fn before_send(hook: &Py<PyAny>, span: &mut SpanData) -> SpanFate {
    Python::attach(|py| {
        let mut run = || -> PyResult<SpanFate> {
            let attributes = PyDict::new(py);
            for (k, v) in span.attributes.iter() {
                attributes.set_item(k, to_py(py, v)?)?;
            }
            let view = PyDict::new(py);
            view.set_item("name", span.name.as_ref())?;
            view.set_item("op", span.op.as_deref())?;
            view.set_item("origin", span.origin.as_ref())?;
            view.set_item("trace_id", span.trace_id.to_hex())?;
            view.set_item("span_id", span.span_id.to_hex())?;
            view.set_item("attributes", &attributes)?;
            let result = hook.bind(py).call1((&view,))?;
            if result.is_none() {
                return Ok(SpanFate::Drop);
            }
            let returned = result.cast::<PyDict>()?;
            if let Some(name) = returned.get_item("name")? {
                span.name = name.extract::<String>()?.into();
            }
            if let Some(attrs) = returned.get_item("attributes")? {
                let attrs = attrs.cast::<PyDict>()?;
                let mut fresh = llmtel_core::Attributes::default();
                for (k, v) in attrs.iter() {
                    fresh.set(k.extract::<String>()?, to_value(&v)?);
                }
                span.attributes = fresh;
            }
            Ok(SpanFate::Keep)
        };
        // A hook that raises may have been meant to filter: drop rather than send unfiltered.
        run().unwrap_or(SpanFate::Drop)
    })
}

/// A configured pipeline.
#[pyclass(frozen, module = "llmtel._native")]
struct Client {
    inner: CoreClient,
}

#[pymethods]
impl Client {
    /// `options` is a list of (name, text value) pairs as `Options.set` takes them.
    #[new]
    #[pyo3(signature = (options, before_send_span=None))]
    fn new(options: Vec<(String, String)>, before_send_span: Option<Py<PyAny>>) -> PyResult<Self> {
        let mut o = Options {
            sdk_name: "llmtel.python".into(),
            sdk_language: "python".into(),
            ..Options::default()
        };
        for (name, value) in &options {
            o.set(name, value).map_err(config_error)?;
        }
        if let Some(hook) = before_send_span {
            let hook = Arc::new(hook);
            o.before_send_span = Some(Arc::new(move |span: &mut SpanData| {
                before_send(&hook, span)
            }));
        }
        let inner = CoreClient::init(o).map_err(config_error)?;
        Ok(Client { inner })
    }

    #[pyo3(signature = (name, op=None, origin=None, parent=None, attributes=None, kind=None))]
    fn start_span(
        &self,
        name: String,
        op: Option<String>,
        origin: Option<String>,
        parent: Option<&Span>,
        attributes: Option<&Bound<'_, PyDict>>,
        kind: Option<&str>,
    ) -> PyResult<Span> {
        let mut start = SpanStart::new(name).parent_opt(parent.map(|p| p.context));
        if let Some(op) = op {
            start = start.op(op);
        }
        if let Some(origin) = origin {
            start = start.origin(origin);
        }
        if let Some(kind) = kind {
            start = start.kind(
                SpanKind::parse(kind)
                    .ok_or_else(|| PyValueError::new_err(format!("unknown span kind {kind:?}")))?,
            );
        }
        if let Some(attributes) = attributes {
            for (k, v) in attributes.iter() {
                start = start.attribute(k.extract::<String>()?, to_value(&v)?);
            }
        }
        let span = self.inner.start_span(start);
        Ok(Span {
            context: span.context(),
            inner: Mutex::new(Some(span)),
        })
    }

    /// Starts a GenAI call span; returns `(call, problem)` where `problem` explains a request
    /// that could not be read (the call exists either way).
    #[pyo3(signature = (provider, api, request_json, *, server_address=None, server_port=None, parent=None, record_inputs=false, record_outputs=false, stream=false, origin=None, conversation_id=None))]
    #[allow(clippy::too_many_arguments)]
    fn begin_genai_call(
        &self,
        provider: &str,
        api: &str,
        request_json: &str,
        server_address: Option<&str>,
        server_port: Option<u16>,
        parent: Option<&Span>,
        record_inputs: bool,
        record_outputs: bool,
        stream: bool,
        origin: Option<String>,
        conversation_id: Option<&str>,
    ) -> PyResult<(GenAiCallHandle, Option<String>)> {
        let provider = Provider::parse(provider)
            .ok_or_else(|| PyValueError::new_err(format!("unknown provider {provider:?}")))?;
        let api =
            Api::parse(api).ok_or_else(|| PyValueError::new_err(format!("unknown API {api:?}")))?;
        let mut start = CallStart::new(provider, api, request_json);
        start.server_address = server_address;
        start.server_port = server_port;
        start.parent = parent.map(|p| p.context);
        start.content = ContentPolicy {
            record_inputs,
            record_outputs,
        };
        start.stream = stream;
        start.origin = origin.map(Into::into);
        start.conversation_id = conversation_id;
        let (call, begun) = self.inner.begin_genai_call(start);
        let context = call.context();
        Ok((
            GenAiCallHandle {
                inner: Mutex::new(Some(call)),
                context,
            },
            begun.err().map(|e| e.to_string()),
        ))
    }

    /// Waits (without the GIL) until what was queued has been attempted; False on timeout.
    #[pyo3(signature = (timeout=2.0))]
    fn flush(&self, py: Python<'_>, timeout: f64) -> bool {
        let wait = Duration::from_secs_f64(timeout.max(0.0));
        py.detach(|| self.inner.flush(wait).is_ok())
    }

    /// Stops intake and drains (without the GIL); False on timeout.
    #[pyo3(signature = (timeout=2.0))]
    fn close(&self, py: Python<'_>, timeout: f64) -> bool {
        let wait = Duration::from_secs_f64(timeout.max(0.0));
        py.detach(|| self.inner.close(wait).is_ok())
    }

    fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// `{"queued": n, "exported": n, "dropped": {reason: n}}`, summed over exporters.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let stats = self.inner.stats();
        let out = PyDict::new(py);
        out.set_item("queued", stats.queued)?;
        out.set_item(
            "exported",
            stats.exporters.iter().map(|e| e.exported).sum::<u64>(),
        )?;
        let dropped = PyDict::new(py);
        for reason in DropReason::ALL {
            let n = stats.dropped.get(reason)
                + stats
                    .exporters
                    .iter()
                    .map(|e| e.dropped.get(reason))
                    .sum::<u64>();
            if n > 0 {
                dropped.set_item(reason.as_str(), n)?;
            }
        }
        out.set_item("dropped", dropped)?;
        Ok(out)
    }
}

/// A span being recorded.
#[pyclass(frozen, module = "llmtel._native")]
struct Span {
    inner: Mutex<Option<CoreSpan>>,
    context: SpanContext,
}

impl Span {
    fn with<T>(&self, f: impl FnOnce(&mut CoreSpan) -> T) -> PyResult<T> {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        guard
            .as_mut()
            .map(f)
            .ok_or_else(|| SpanEnded::new_err("the span was already ended"))
    }
}

#[pymethods]
impl Span {
    fn set_attribute(&self, key: String, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let value = to_value(value)?;
        self.with(|s| s.set_attribute(key, value))
    }

    fn set_status_ok(&self) -> PyResult<()> {
        self.with(|s| s.set_status(Status::Ok))
    }

    /// `code` is a Sentry status (`internal_error`, `resource_exhausted`, …).
    #[pyo3(signature = (code="internal_error", message=None))]
    fn set_status_error(&self, code: &str, message: Option<String>) -> PyResult<()> {
        let code = ErrorCode::parse(code)
            .ok_or_else(|| PyValueError::new_err(format!("{code:?} is not a Sentry status")))?;
        self.with(|s| s.set_status(Status::Error { code, message }))
    }

    fn set_name(&self, name: String) -> PyResult<()> {
        self.with(|s| s.set_name(name))
    }

    fn end(&self) -> PyResult<()> {
        let taken = self.inner.lock().unwrap_or_else(|p| p.into_inner()).take();
        taken
            .map(CoreSpan::end)
            .ok_or_else(|| SpanEnded::new_err("the span was already ended"))
    }

    #[getter]
    fn is_recording(&self) -> bool {
        self.inner
            .lock()
            .map(|g| g.as_ref().is_some_and(CoreSpan::is_recording))
            .unwrap_or(false)
    }

    #[getter]
    fn trace_id(&self) -> String {
        self.context.trace_id.to_hex()
    }

    #[getter]
    fn span_id(&self) -> String {
        self.context.span_id.to_hex()
    }

    #[getter]
    fn sampled(&self) -> bool {
        self.context.sampled
    }
}

/// A GenAI call being recorded.
#[pyclass(frozen, name = "GenAiCall", module = "llmtel._native")]
struct GenAiCallHandle {
    inner: Mutex<Option<GenAiCall>>,
    context: Option<SpanContext>,
}

impl GenAiCallHandle {
    fn take(&self) -> PyResult<GenAiCall> {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or_else(|| SpanEnded::new_err("the call was already ended"))
    }
}

fn mapped(result: Result<(), llmtel_core::genai::MappingError>) -> PyResult<()> {
    result.map_err(|e| MappingError::new_err(e.to_string()))
}

#[pymethods]
impl GenAiCallHandle {
    /// One stream chunk: the SSE event name (or None) and its data.
    #[pyo3(signature = (event, data))]
    fn chunk(&self, event: Option<&str>, data: &str) -> PyResult<()> {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let call = guard
            .as_mut()
            .ok_or_else(|| SpanEnded::new_err("the call was already ended"))?;
        mapped(call.chunk(event, data))
    }

    fn finish(&self, response_json: &str) -> PyResult<()> {
        mapped(self.take()?.finish(response_json))
    }

    fn finish_stream(&self) -> PyResult<()> {
        self.take()?.finish_stream();
        Ok(())
    }

    #[pyo3(signature = (http_status=None, body=None, exception=None, message=None))]
    fn fail(
        &self,
        http_status: Option<u16>,
        body: Option<&str>,
        exception: Option<&str>,
        message: Option<&str>,
    ) -> PyResult<()> {
        mapped(self.take()?.fail(CallError {
            http_status,
            body,
            exception,
            message,
        }))
    }

    #[getter]
    fn is_ended(&self) -> bool {
        self.inner.lock().map(|g| g.is_none()).unwrap_or(true)
    }

    #[getter]
    fn span_id(&self) -> Option<String> {
        self.context.map(|c| c.span_id.to_hex())
    }

    #[getter]
    fn trace_id(&self) -> Option<String> {
        self.context.map(|c| c.trace_id.to_hex())
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
    m.add_class::<Span>()?;
    m.add_class::<GenAiCallHandle>()?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(option_table, m)?)?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("MappingError", py.get_type::<MappingError>())?;
    m.add("FlushTimeout", py.get_type::<FlushTimeout>())?;
    m.add("SpanEnded", py.get_type::<SpanEnded>())?;
    m.add("LlmtelError", py.get_type::<LlmtelError>())?;
    Ok(())
}
