//! uniffi bindings over the core's facade (`llmtel_core::facade`), one to one as the C ABI is:
//! `make uniffi` generates Kotlin, Swift and Ruby from this crate's library. Types and errors
//! are converted here and nothing else; JSON specs (agent, tool, normalized request and
//! response, output messages) are the C ABI's, read by the core.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use llmtel_core::facade::{
    self, CallHandle, ErrorKind, PlacementSpec, RunHandle, SpanHandle, spec_from_json,
};
use llmtel_core::propagation::{self, RemoteParent};
use llmtel_core::{Options, SamplingContext, SpanContext, SpanData, SpanFate, Str, Value};

uniffi::setup_scaffolding!("llmtel");

// ---------------------------------------------------------------------------------------------
// Errors

/// The error enum, its Display and its conversion from the facade's error, from one list of the
/// facade's kinds (each variant has the same fields).
macro_rules! llmtel_error {
    ($($kind:ident),* $(,)?) => {
        /// An llmtel error: the variant is the stable code, `code` spells it as JS errors'
        /// `code` and Python's `.code` do, `field` names the option or spec field concerned,
        /// `reason` says what went wrong in words.
        #[derive(Debug, uniffi::Error)]
        pub enum LlmtelError {
            $($kind { code: String, field: Option<String>, reason: String },)*
        }

        impl std::fmt::Display for LlmtelError {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    $(LlmtelError::$kind { reason, .. })|* => f.write_str(reason),
                }
            }
        }

        impl From<facade::Error> for LlmtelError {
            fn from(e: facade::Error) -> Self {
                let code = e.code().to_owned();
                let reason = e.to_string();
                let field = e.field;
                match e.kind {
                    $(ErrorKind::$kind => LlmtelError::$kind { code, field, reason },)*
                }
            }
        }
    };
}

llmtel_error!(
    InvalidOption,
    Timeout,
    AlreadyEnded,
    MalformedJson,
    UnknownProvider,
    UnknownApi,
    InvalidArgument,
    Closed,
    Panic,
);

impl std::error::Error for LlmtelError {}

/// Runs one call of the binding: a panic inside llmtel comes back as `LlmtelError::Panic`,
/// never as an unwinding host call.
fn guard<T>(f: impl FnOnce() -> Result<T, facade::Error>) -> Result<T, LlmtelError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result.map_err(Into::into),
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_owned());
            Err(
                facade::Error::new(ErrorKind::Panic, None, format!("llmtel panicked: {what}"))
                    .into(),
            )
        }
    }
}

/// What a host callback (`BeforeSendSpan`, `TracesSampler`) may throw; anything else it throws
/// arrives as `Unexpected`. Either way llmtel goes on: a throwing `before_send_span` drops the
/// span (it may have been meant to filter), a throwing sampler leaves the default rate.
#[derive(Debug, uniffi::Error)]
pub enum CallbackError {
    Failed { reason: String },
    Unexpected { reason: String },
}

impl std::fmt::Display for CallbackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallbackError::Failed { reason } | CallbackError::Unexpected { reason } => {
                f.write_str(reason)
            }
        }
    }
}

impl std::error::Error for CallbackError {}

impl From<uniffi::UnexpectedUniFFICallbackError> for CallbackError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        CallbackError::Unexpected { reason: e.reason }
    }
}

// ---------------------------------------------------------------------------------------------
// Values, views and specs

/// An attribute value, typed (a double stays a double).
#[derive(Clone, Debug, PartialEq, uniffi::Enum)]
pub enum AttributeValue {
    String { value: String },
    Int { value: i64 },
    Double { value: f64 },
    Bool { value: bool },
    StringArray { value: Vec<String> },
    IntArray { value: Vec<i64> },
    DoubleArray { value: Vec<f64> },
    BoolArray { value: Vec<bool> },
}

impl From<AttributeValue> for Value {
    fn from(v: AttributeValue) -> Self {
        match v {
            AttributeValue::String { value } => Value::from(value),
            AttributeValue::Int { value } => Value::Int(value),
            AttributeValue::Double { value } => Value::Double(value),
            AttributeValue::Bool { value } => Value::Bool(value),
            AttributeValue::StringArray { value } => {
                Value::StringArray(value.into_iter().map(Str::Owned).collect())
            }
            AttributeValue::IntArray { value } => Value::IntArray(value),
            AttributeValue::DoubleArray { value } => Value::DoubleArray(value),
            AttributeValue::BoolArray { value } => Value::BoolArray(value),
        }
    }
}

impl From<&Value> for AttributeValue {
    fn from(v: &Value) -> Self {
        match v {
            Value::String(s) => AttributeValue::String {
                value: s.to_string(),
            },
            Value::Int(i) => AttributeValue::Int { value: *i },
            Value::Double(d) => AttributeValue::Double { value: *d },
            Value::Bool(b) => AttributeValue::Bool { value: *b },
            Value::StringArray(items) => AttributeValue::StringArray {
                value: items.iter().map(|s| s.to_string()).collect(),
            },
            Value::IntArray(items) => AttributeValue::IntArray {
                value: items.clone(),
            },
            Value::DoubleArray(items) => AttributeValue::DoubleArray {
                value: items.clone(),
            },
            Value::BoolArray(items) => AttributeValue::BoolArray {
                value: items.clone(),
            },
        }
    }
}

/// The finished span a `before_send_span` hook reads; what it returns (name, op, attributes)
/// is what is sent.
#[derive(Clone, Debug, uniffi::Record)]
pub struct SpanView {
    pub name: String,
    pub op: Option<String>,
    pub origin: String,
    pub trace_id: String,
    pub span_id: String,
    pub parent_span_id: Option<String>,
    /// `ok` or `error`.
    pub status: String,
    pub attributes: HashMap<String, AttributeValue>,
}

impl SpanView {
    fn of(span: &SpanData) -> Self {
        SpanView {
            name: span.name.to_string(),
            op: span.op.as_ref().map(|o| o.to_string()),
            origin: span.origin.to_string(),
            trace_id: span.trace_id.to_hex(),
            span_id: span.span_id.to_hex(),
            parent_span_id: span.parent_span_id.map(|p| p.to_hex()),
            status: span.status.as_str().to_owned(),
            attributes: attributes_of(&span.attributes),
        }
    }

    fn apply(self, span: &mut SpanData) {
        span.name = self.name.into();
        span.op = self.op.map(Into::into);
        let mut fresh = llmtel_core::Attributes::with_capacity(self.attributes.len());
        let mut keys: Vec<_> = self.attributes.into_iter().collect();
        keys.sort_by(|a, b| a.0.cmp(&b.0));
        for (key, value) in keys {
            fresh.set(key, Value::from(value));
        }
        span.attributes = fresh;
    }
}

fn attributes_of(attributes: &llmtel_core::Attributes) -> HashMap<String, AttributeValue> {
    attributes
        .iter()
        .map(|(k, v)| (k.to_owned(), AttributeValue::from(v)))
        .collect()
}

/// What a `traces_sampler` is told about a span that takes a sampling decision, in Sentry's
/// shape.
#[derive(Clone, Debug, uniffi::Record)]
pub struct SamplingView {
    pub name: String,
    pub op: Option<String>,
    pub attributes: HashMap<String, AttributeValue>,
    /// The caller's decision in a continued trace; none for a new trace or a deferred one.
    pub parent_sampled: Option<bool>,
}

/// `before_send_span`: returns the span to send (edited or not), or none to drop it. Runs on
/// the thread that ends each span.
#[uniffi::export(callback_interface)]
pub trait BeforeSendSpan: Send + Sync {
    fn before_send_span(&self, span: SpanView) -> Result<Option<SpanView>, CallbackError>;
}

/// `traces_sampler`: a rate from 0 to 1 for a new local root, or none for the default.
#[uniffi::export(callback_interface)]
pub trait TracesSampler: Send + Sync {
    fn sample(&self, context: SamplingView) -> Result<Option<f64>, CallbackError>;
}

/// A user span's start.
#[derive(Clone, Debug, Default, uniffi::Record)]
pub struct SpanSpec {
    pub name: String,
    #[uniffi(default = None)]
    pub op: Option<String>,
    /// `manual` when unset.
    #[uniffi(default = None)]
    pub origin: Option<String>,
    /// `internal` (default), `client`, `server`, `producer` or `consumer`.
    #[uniffi(default = None)]
    pub kind: Option<String>,
    #[uniffi(default = None)]
    pub start_time_unix_nano: Option<u64>,
}

/// A provider call's start: the request as it went on the wire.
#[derive(Clone, Debug, Default, uniffi::Record)]
pub struct CallSpec {
    /// `openai`, `azure.ai.openai`, `anthropic`, `gcp.gemini`, `gcp.vertex_ai`, `gcp.gen_ai`.
    pub provider: String,
    /// `chat_completions`, `responses`, `embeddings`, `messages`, `count_tokens`,
    /// `generate_content`, `chat_send_message`, `embed_content`.
    pub api: String,
    /// The request body (JSON text).
    pub request: String,
    #[uniffi(default = None)]
    pub server_address: Option<String>,
    #[uniffi(default = None)]
    pub server_port: Option<u16>,
    #[uniffi(default = false)]
    pub record_inputs: bool,
    #[uniffi(default = false)]
    pub record_outputs: bool,
    /// The host called a streaming method.
    #[uniffi(default = false)]
    pub stream: bool,
    #[uniffi(default = None)]
    pub origin: Option<String>,
    #[uniffi(default = None)]
    pub conversation_id: Option<String>,
}

/// Where a framework span (normalized call, agent, tool) records content, and its origin.
#[derive(Clone, Debug, Default, uniffi::Record)]
pub struct Placement {
    #[uniffi(default = false)]
    pub record_inputs: bool,
    #[uniffi(default = false)]
    pub record_outputs: bool,
    #[uniffi(default = None)]
    pub origin: Option<String>,
}

impl Placement {
    fn spec(self, parent: Option<Arc<Context>>) -> PlacementSpec {
        PlacementSpec {
            record_inputs: self.record_inputs,
            record_outputs: self.record_outputs,
            origin: self.origin,
            scope: Vec::new(),
            parent: parent.map(|p| p.context),
            started_ago_ns: None,
        }
    }
}

/// A failed call as the host saw it.
#[derive(Clone, Debug, Default, uniffi::Record)]
pub struct FailSpec {
    #[uniffi(default = None)]
    pub http_status: Option<u16>,
    /// The provider's error body (JSON text).
    #[uniffi(default = None)]
    pub body: Option<String>,
    /// The exception class name.
    #[uniffi(default = None)]
    pub exception: Option<String>,
    #[uniffi(default = None)]
    pub message: Option<String>,
}

/// Token counts as the contract defines them (input includes cached, output reasoning).
#[derive(Clone, Debug, Default, uniffi::Record)]
pub struct Usage {
    #[uniffi(default = None)]
    pub input_tokens: Option<i64>,
    #[uniffi(default = None)]
    pub output_tokens: Option<i64>,
    #[uniffi(default = None)]
    pub cache_read_input_tokens: Option<i64>,
    #[uniffi(default = None)]
    pub cache_creation_input_tokens: Option<i64>,
    #[uniffi(default = None)]
    pub reasoning_tokens: Option<i64>,
    #[uniffi(default = None)]
    pub total_tokens: Option<i64>,
}

/// Counters of a client, summed over its exporters.
#[derive(Clone, Debug, uniffi::Record)]
pub struct Stats {
    /// Sampled spans that ended and entered the queue.
    pub queued: u64,
    /// Spans delivered, summed over exporters.
    pub exported: u64,
    /// Spans dropped, by reason (`queue_overflow`, `sample_rate`, `before_send`, …).
    pub dropped: HashMap<String, u64>,
    /// Attribute values refused (no attribute form).
    pub invalid_attributes: u64,
}

/// The headers an outgoing request made inside a span carries.
#[derive(Clone, Debug, uniffi::Record)]
pub struct TraceData {
    pub sentry_trace: String,
    pub traceparent: String,
    pub baggage: String,
}

// ---------------------------------------------------------------------------------------------
// Objects

/// A span's place in a trace: the parent of what starts beneath it.
#[derive(uniffi::Object)]
pub struct Context {
    context: SpanContext,
    /// Set for a context `continue_trace` made: a span started beneath it is a local root of
    /// the caller's trace, sampled by the caller's decision (or ours when deferred).
    remote: Option<RemoteParent>,
}

impl Context {
    fn local(context: SpanContext) -> Arc<Self> {
        Arc::new(Context {
            context,
            remote: None,
        })
    }
}

#[uniffi::export]
impl Context {
    pub fn trace_id(&self) -> String {
        self.context.trace_id.to_hex()
    }

    pub fn span_id(&self) -> String {
        self.context.span_id.to_hex()
    }

    pub fn is_sampled(&self) -> bool {
        self.context.sampled
    }

    /// The W3C `traceparent` header value.
    pub fn traceparent(&self) -> String {
        propagation::traceparent(&self.context)
    }

    /// The `sentry-trace` header value.
    pub fn sentry_trace(&self) -> String {
        propagation::sentry_trace(&self.context)
    }
}

/// A configured pipeline: spool, Sentry, OTLP or Spotlight, with one background flush thread.
#[derive(uniffi::Object)]
pub struct Client {
    inner: llmtel_core::Client,
}

#[uniffi::export]
impl Client {
    /// `options` by the names the README lists (`dsn`, `spool`, `traces_sample_rate`, …) with
    /// their text values; unset options read the environment (`SENTRY_DSN`, `LLMTEL_SPOOL`, …)
    /// as everywhere. `sdk_name` and `sdk_language` name the host in envelopes and resources.
    #[uniffi::constructor(default(before_send_span = None, traces_sampler = None))]
    pub fn new(
        options: HashMap<String, String>,
        before_send_span: Option<Box<dyn BeforeSendSpan>>,
        traces_sampler: Option<Box<dyn TracesSampler>>,
    ) -> Result<Arc<Self>, LlmtelError> {
        guard(|| {
            let mut o = Options {
                sdk_name: "llmtel.uniffi".into(),
                sdk_language: "other".into(),
                ..Options::default()
            };
            let mut pairs: Vec<_> = options.iter().collect();
            pairs.sort();
            for (name, value) in pairs {
                o.set(name, value)?;
            }
            if let Some(hook) = before_send_span {
                o.before_send_span = Some(Arc::new(move |span: &mut SpanData| {
                    match hook.before_send_span(SpanView::of(span)) {
                        Ok(Some(view)) => {
                            view.apply(span);
                            SpanFate::Keep
                        }
                        // Dropped, or a hook that threw (it may have been meant to filter).
                        Ok(None) | Err(_) => SpanFate::Drop,
                    }
                }));
            }
            if let Some(sampler) = traces_sampler {
                o.traces_sampler = Some(Arc::new(move |context: &SamplingContext<'_>| {
                    sampler
                        .sample(SamplingView {
                            name: context.name.to_owned(),
                            op: context.op.map(str::to_owned),
                            attributes: attributes_of(context.attributes),
                            parent_sampled: context.parent_sampled,
                        })
                        .ok()
                        .flatten()
                }));
            }
            Ok(Arc::new(Client {
                inner: llmtel_core::Client::init(o)?,
            }))
        })
    }

    /// Starts a user span, under `parent` (a span's, a call's or a run's context, or a
    /// continued trace) or as a new root.
    #[uniffi::method(default(parent = None))]
    pub fn start_span(
        &self,
        spec: SpanSpec,
        parent: Option<Arc<Context>>,
    ) -> Result<Arc<Span>, LlmtelError> {
        guard(|| {
            let (parent, remote_parent) = match parent {
                Some(p) => match &p.remote {
                    Some(remote) => (None, Some(remote.clone())),
                    None => (Some(p.context), None),
                },
                None => (None, None),
            };
            let handle = self.inner.span(facade::SpanSpec {
                name: spec.name,
                op: spec.op,
                origin: spec.origin,
                kind: spec.kind,
                start_time_unix_nano: spec.start_time_unix_nano,
                parent,
                remote_parent,
            })?;
            Ok(Arc::new(Span { inner: handle }))
        })
    }

    /// Starts a provider call from its wire request. A request that cannot be read still
    /// gives a call (without its request attributes): `GenAiCall::problem` says why.
    #[uniffi::method(default(parent = None))]
    pub fn call(
        &self,
        spec: CallSpec,
        parent: Option<Arc<Context>>,
    ) -> Result<Arc<GenAiCall>, LlmtelError> {
        guard(|| {
            let (inner, problem) = self.inner.call(facade::CallSpec {
                provider: spec.provider,
                api: spec.api,
                request: spec.request,
                server_address: spec.server_address,
                server_port: spec.server_port,
                record_inputs: spec.record_inputs,
                record_outputs: spec.record_outputs,
                stream: spec.stream,
                origin: spec.origin,
                conversation_id: spec.conversation_id,
                // As in C: a host without a scope sets its attributes on its own spans.
                scope: Vec::new(),
                parent: parent.map(|p| p.context),
                started_ago_ns: None,
            })?;
            Ok(Arc::new(GenAiCall {
                inner,
                problem: problem.map(|e| e.to_string()),
            }))
        })
    }

    /// Starts a call a framework normalized: `request_json` is a NormalizedRequest (model,
    /// provider, parameters, messages in the contract's schema).
    #[uniffi::method(default(parent = None))]
    pub fn normalized_call(
        &self,
        request_json: String,
        placement: Placement,
        parent: Option<Arc<Context>>,
    ) -> Result<Arc<GenAiCall>, LlmtelError> {
        guard(|| {
            let request = spec_from_json("request", &request_json)?;
            Ok(Arc::new(GenAiCall {
                inner: self.inner.normalized_call(request, placement.spec(parent)),
                problem: None,
            }))
        })
    }

    /// Starts an `invoke_agent` / `create_agent` / `invoke_workflow` span: `spec_json` is an
    /// AgentSpec (`{"name": …, "operation": …, "model": …}`). The model calls beneath it add
    /// their token usage and cost to it.
    #[uniffi::method(default(parent = None))]
    pub fn agent(
        &self,
        spec_json: String,
        placement: Placement,
        parent: Option<Arc<Context>>,
    ) -> Result<Arc<Run>, LlmtelError> {
        guard(|| {
            let spec = spec_from_json("agent", &spec_json)?;
            let inner = self.inner.agent(spec, placement.spec(parent))?;
            Ok(Arc::new(Run { inner }))
        })
    }

    /// Starts an `execute_tool` span: `spec_json` is a ToolSpec (`{"name": …, "call_id": …,
    /// "arguments": …}`).
    #[uniffi::method(default(parent = None))]
    pub fn tool(
        &self,
        spec_json: String,
        placement: Placement,
        parent: Option<Arc<Context>>,
    ) -> Result<Arc<Run>, LlmtelError> {
        guard(|| {
            let spec = spec_from_json("tool", &spec_json)?;
            let inner = self.inner.tool(spec, placement.spec(parent))?;
            Ok(Arc::new(Run { inner }))
        })
    }

    /// Continues the trace an incoming request carries (`sentry-trace` and `baggage`, or
    /// `traceparent` and `tracestate`; header names in any case); none when it carries none.
    pub fn continue_trace(
        &self,
        headers: HashMap<String, String>,
    ) -> Result<Option<Arc<Context>>, LlmtelError> {
        guard(|| {
            let lower: HashMap<String, &String> = headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect();
            let found = RemoteParent::from_headers(|name| lower.get(name).map(|v| v.as_str()))?;
            Ok(found.map(|remote| {
                Arc::new(Context {
                    context: self.inner.continue_trace(&remote),
                    remote: Some(remote),
                })
            }))
        })
    }

    /// The headers a request made inside `context` carries to continue its trace.
    pub fn trace_data(&self, context: Arc<Context>) -> TraceData {
        let data = self.inner.trace_data(&context.context);
        TraceData {
            sentry_trace: data.sentry_trace,
            traceparent: data.traceparent,
            baggage: data.baggage,
        }
    }

    /// Waits up to `timeout_ms` until everything queued before the call has been attempted.
    pub fn flush(&self, timeout_ms: u32) -> Result<(), LlmtelError> {
        guard(|| {
            self.inner
                .flush_within(Duration::from_millis(timeout_ms.into()))
        })
    }

    /// Stops intake, exports what is queued and stops the flush thread, waiting up to
    /// `timeout_ms`. A second call returns at once.
    pub fn close(&self, timeout_ms: u32) -> Result<(), LlmtelError> {
        guard(|| {
            self.inner
                .close_within(Duration::from_millis(timeout_ms.into()))
        })
    }

    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    pub fn stats(&self) -> Stats {
        let stats = self.inner.stats();
        Stats {
            queued: stats.queued,
            exported: stats.exported_total(),
            dropped: stats
                .dropped_total()
                .iter()
                .map(|(reason, n)| (reason.as_str().to_owned(), n))
                .collect(),
            invalid_attributes: stats.invalid_attributes,
        }
    }
}

/// A user span any thread may use; it ends once (a second end is `AlreadyEnded`).
#[derive(uniffi::Object)]
pub struct Span {
    inner: SpanHandle,
}

#[uniffi::export]
impl Span {
    pub fn context(&self) -> Arc<Context> {
        Context::local(self.inner.context())
    }

    pub fn is_recording(&self) -> bool {
        self.inner.is_recording()
    }

    pub fn is_ended(&self) -> bool {
        self.inner.is_ended()
    }

    pub fn set_attribute(&self, key: String, value: AttributeValue) -> Result<(), LlmtelError> {
        guard(|| self.inner.set_attribute(key, Value::from(value)))
    }

    pub fn remove_attribute(&self, key: String) -> Result<(), LlmtelError> {
        guard(|| self.inner.remove_attribute(&key))
    }

    pub fn set_name(&self, name: String) -> Result<(), LlmtelError> {
        guard(|| self.inner.set_name(name))
    }

    pub fn set_op(&self, op: String) -> Result<(), LlmtelError> {
        guard(|| self.inner.set_op(op))
    }

    /// `ok`, `error`, or a Sentry status name (`internal_error`, `resource_exhausted`, …),
    /// with a message for errors.
    #[uniffi::method(default(message = None))]
    pub fn set_status(&self, code: String, message: Option<String>) -> Result<(), LlmtelError> {
        guard(|| self.inner.set_status(&code, message))
    }

    /// Token counts; the total is input + output unless given. Negative counts are refused.
    pub fn record_usage(&self, usage: Usage) -> Result<(), LlmtelError> {
        guard(|| {
            self.inner.record_usage(&llmtel_core::genai::Usage {
                input: usage.input_tokens,
                output: usage.output_tokens,
                cache_read: usage.cache_read_input_tokens,
                cache_creation: usage.cache_creation_input_tokens,
                reasoning: usage.reasoning_tokens,
                total: usage.total_tokens,
            })
        })
    }

    pub fn end(&self) -> Result<(), LlmtelError> {
        guard(|| self.inner.end())
    }
}

/// A GenAI call any thread may use; it ends once, by finish, finish_stream or fail.
#[derive(uniffi::Object)]
pub struct GenAiCall {
    inner: CallHandle,
    problem: Option<String>,
}

#[uniffi::export]
impl GenAiCall {
    /// The call span's context (none when unsampled and nothing records).
    pub fn context(&self) -> Option<Arc<Context>> {
        self.inner.context().map(Context::local)
    }

    pub fn is_ended(&self) -> bool {
        self.inner.is_ended()
    }

    /// Why the request could not be read, when it could not.
    pub fn problem(&self) -> Option<String> {
        self.problem.clone()
    }

    /// One stream event as received: SSE event name and data text.
    #[uniffi::method(default(event = None))]
    pub fn chunk(&self, data: String, event: Option<String>) -> Result<(), LlmtelError> {
        guard(|| self.inner.chunk(event.as_deref(), &data))
    }

    /// The stream's raw bytes as read off the wire (server-sent events, in any pieces).
    pub fn feed(&self, bytes: Vec<u8>) -> Result<(), LlmtelError> {
        guard(|| self.inner.feed(&bytes))
    }

    /// A chunk arrived that the host reads itself (normalized streams).
    pub fn mark_chunk(&self) -> Result<(), LlmtelError> {
        guard(|| self.inner.mark_chunk())
    }

    /// Ends the call with the provider's response body (JSON text).
    pub fn finish(&self, response_json: String) -> Result<(), LlmtelError> {
        guard(|| self.inner.finish(&response_json))
    }

    /// Ends a normalized call with a NormalizedResponse (JSON text).
    pub fn finish_normalized(&self, response_json: String) -> Result<(), LlmtelError> {
        guard(|| {
            let response = spec_from_json("response", &response_json)?;
            self.inner.finish_normalized(response)
        })
    }

    /// Ends a streamed call with what its chunks carried.
    pub fn finish_stream(&self) -> Result<(), LlmtelError> {
        guard(|| self.inner.finish_stream())
    }

    pub fn fail(&self, error: FailSpec) -> Result<(), LlmtelError> {
        guard(|| {
            self.inner.fail(&facade::FailSpec {
                http_status: error.http_status,
                body: error.body,
                exception: error.exception,
                message: error.message,
            })
        })
    }
}

/// An agent, workflow or tool run any thread may use; it ends once.
#[derive(uniffi::Object)]
pub struct Run {
    inner: RunHandle,
}

#[uniffi::export]
impl Run {
    pub fn context(&self) -> Arc<Context> {
        Context::local(self.inner.context())
    }

    pub fn is_ended(&self) -> bool {
        self.inner.is_ended()
    }

    pub fn set_attribute(&self, key: String, value: AttributeValue) -> Result<(), LlmtelError> {
        guard(|| self.inner.set_attribute(key, Value::from(value)))
    }

    /// An agent's output messages (JSON: a list of messages in the contract's schema),
    /// recorded when outputs are.
    pub fn set_output(&self, messages_json: String) -> Result<(), LlmtelError> {
        guard(|| {
            let messages = spec_from_json("messages", &messages_json)?;
            self.inner.set_output(messages)
        })
    }

    /// A tool's result, recorded when outputs are: JSON when it parses, else the text.
    pub fn set_result(&self, result: String) -> Result<(), LlmtelError> {
        guard(|| self.inner.set_result(&result))
    }

    pub fn end(&self) -> Result<(), LlmtelError> {
        guard(|| self.inner.end())
    }

    /// Ends the run as failed: `error_type` is the exception class (or `tool_error`).
    #[uniffi::method(default(message = None))]
    pub fn fail(&self, error_type: String, message: Option<String>) -> Result<(), LlmtelError> {
        guard(|| self.inner.fail(&error_type, message.as_deref()))
    }
}

/// The names of the options `Client::new` takes, as the README lists them.
#[uniffi::export]
pub fn option_names() -> Vec<String> {
    llmtel_core::options::OPTIONS
        .iter()
        .filter(|o| o.public)
        .map(|o| o.name.to_owned())
        .collect()
}

/// llmtel's version.
#[uniffi::export]
pub fn version() -> String {
    llmtel_core::VERSION.to_owned()
}
