//! napi binding over the core's facade (`llmtel_core::facade`), one to one: it converts types
//! and errors and nothing else. Spans, calls and runs reach JavaScript as numbers (see
//! `handles.rs`; `lib/native.js` gives them their methods back). The JavaScript layer
//! (`bindings-node/lib`) keeps the current span in AsyncLocalStorage and wraps clients. Every export catches panics; flush and close
//! wait on the libuv pool and return Promises; the flush thread never calls into JavaScript
//! (beforeSendSpan runs in JS, on the thread that ends the span).

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;
use std::thread::ThreadId;
use std::time::Duration;

use llmtel_core::facade::{self, spec_from_json};
use llmtel_core::genai::{CallEnd, Usage};
use llmtel_core::propagation::{self, RemoteParent};
use llmtel_core::{
    CallHandle, CallSpec, Client, DropReason, FailSpec, Options, PlacementSpec, RunHandle,
    SamplingContext, SpanContext, SpanData, SpanFate, SpanHandle, SpanSpec, Value,
};
use napi::bindgen_prelude::*;
use napi_derive::napi;

mod handles;

use handles::{HANDLES, Handle};

type Outcome<T> = napi::Result<T>;

/// Throws the facade's error as a JS Error whose `code` is its stable name
/// (`error.code === 'already_ended'`), and tells napi the exception is pending.
fn thrown(env: &Env, e: llmtel_core::Error) -> napi::Error {
    match env.throw_error(&e.to_string(), Some(e.code())) {
        Ok(()) => napi::Error::from_status(napi::Status::PendingException),
        Err(_) => napi::Error::new(napi::Status::GenericFailure, e.to_string()),
    }
}

thread_local! {
    /// True while one of our span-ending methods runs, i.e. while JavaScript is on the stack and
    /// the user's hook may be called (`release` too: a FinalizationRegistry callback calls it).
    /// Spans ended elsewhere (an environment's teardown) cannot call it.
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
        match func.call(facade::span_view(span).to_string()) {
            Ok(Some(json)) => match serde_json::from_str(&json) {
                Ok(view) => facade::apply_span_view(span, &view),
                Err(_) => SpanFate::Drop,
            },
            _ => SpanFate::Drop,
        }
    }
}

/// The user's tracesSampler, adapted in JavaScript to `(contextJson) => rate | null`. Spans
/// start on the JavaScript thread; elsewhere (never, today) the default decision stands.
struct JsSampler {
    func: FunctionRef<String, Option<f64>>,
    env: napi::sys::napi_env,
    thread: ThreadId,
}

// SAFETY: as JsHook: used only on the thread that created it.
unsafe impl Send for JsSampler {}
unsafe impl Sync for JsSampler {}

impl JsSampler {
    fn run(&self, context: &SamplingContext<'_>) -> Option<f64> {
        if std::thread::current().id() != self.thread {
            return None;
        }
        let env = Env::from_raw(self.env);
        let func = self.func.borrow_back(&env).ok()?;
        func.call(facade::sampling_view(context).to_string())
            .ok()
            .flatten()
    }
}

/// A span's place in a trace: what a child is started under.
#[napi]
pub struct NativeContext {
    inner: SpanContext,
    /// What the incoming headers said, for a context from `continueTrace`.
    remote: Option<RemoteParent>,
}

#[napi]
impl NativeContext {
    #[napi(getter)]
    pub fn trace_id(&self) -> String {
        self.inner.trace_id.to_hex()
    }

    #[napi(getter)]
    pub fn span_id(&self) -> String {
        self.inner.span_id.to_hex()
    }

    #[napi(getter)]
    pub fn sampled(&self) -> bool {
        self.inner.sampled
    }

    #[napi(getter)]
    pub fn remote(&self) -> bool {
        self.inner.remote
    }

    /// W3C `traceparent` for an outgoing request.
    #[napi]
    pub fn traceparent(&self) -> String {
        propagation::traceparent(&self.inner)
    }

    /// Sentry `sentry-trace` for an outgoing request.
    #[napi]
    pub fn sentry_trace(&self) -> String {
        propagation::sentry_trace(&self.inner)
    }
}

/// Where a child starts: a handle's id (a span's, a call's or a run's; see `handles.rs`: no
/// context object made for it), or a context (a continued trace, another tracer's span).
type Parent<'a> = Either<u32, &'a NativeContext>;

/// The parent's place in its trace, without what a remote one's headers said; none for an id
/// that names no span.
fn local(parent: Parent<'_>) -> Option<SpanContext> {
    match parent {
        Either::A(id) => HANDLES.get(id).and_then(|h| h.context()),
        Either::B(context) => Some(context.inner),
    }
}

/// A `CallSpec` from `call`'s positional arguments: [provider, api, request], the parent,
/// (server address, port), [recordInputs, recordOutputs, stream], [conversationId, origin], the
/// scope's attributes and how many milliseconds ago the call started.
fn call_spec(
    [provider, api, request]: [String; 3],
    parent: Option<Parent<'_>>,
    (server_address, server_port): (Option<String>, Option<u32>),
    [record_inputs, record_outputs, stream]: [Option<bool>; 3],
    [conversation_id, origin]: [Option<String>; 2],
    scope_attributes: Option<HashMap<String, String>>,
    started_ago_ms: Option<f64>,
) -> CallSpec {
    CallSpec {
        provider,
        api,
        request,
        server_address,
        server_port: server_port.and_then(|p| u16::try_from(p).ok()),
        record_inputs: record_inputs.unwrap_or(false),
        record_outputs: record_outputs.unwrap_or(false),
        stream: stream.unwrap_or(false),
        origin,
        conversation_id,
        scope: scope(scope_attributes),
        parent: parent.and_then(local),
        started_ago_ns: started_ago_ns(started_ago_ms),
    }
}

fn context(inner: SpanContext) -> NativeContext {
    NativeContext {
        inner,
        remote: None,
    }
}

/// Incoming trace headers (any may be absent).
#[napi(object)]
pub struct TraceHeaders {
    pub sentry_trace: Option<String>,
    pub baggage: Option<String>,
    pub traceparent: Option<String>,
    pub tracestate: Option<String>,
}

/// The headers an outgoing request carries.
#[napi(object)]
pub struct TraceDataJs {
    pub sentry_trace: String,
    pub traceparent: String,
    pub baggage: String,
}

fn remote_parent(env: &Env, headers: &TraceHeaders) -> Outcome<Option<RemoteParent>> {
    RemoteParent::from_headers(|name| match name {
        "sentry-trace" => headers.sentry_trace.as_deref(),
        "baggage" => headers.baggage.as_deref(),
        "traceparent" => headers.traceparent.as_deref(),
        "tracestate" => headers.tracestate.as_deref(),
        _ => None,
    })
    .map_err(|e| thrown(env, e.into()))
}

/// The context of a span another tracer keeps (an OpenTelemetry span); see
/// `facade::foreign_context`.
#[napi(catch_unwind)]
pub fn foreign_context(
    env: Env,
    trace_id: String,
    span_id: String,
    sampled: bool,
    segment_id: Option<String>,
) -> Outcome<NativeContext> {
    facade::foreign_context(&trace_id, &span_id, sampled, segment_id.as_deref())
        .map(context)
        .map_err(|e| thrown(&env, e))
}

/// The candidate `name` most likely misspells, if any ("did you mean").
#[napi]
pub fn nearest_name(name: String, candidates: Vec<String>) -> Option<String> {
    llmtel_core::options::nearest(&name, candidates.iter().map(String::as_str)).map(str::to_owned)
}

/// What llmtel makes of an option it does not know: a Sentry option it does not use
/// (`sentryOnly`), or the option meant (`didYouMean`, camelCase).
#[napi(object)]
pub struct OptionAdviceJs {
    pub sentry_only: bool,
    pub did_you_mean: Option<String>,
}

#[napi]
pub fn option_advice(name: String) -> OptionAdviceJs {
    use llmtel_core::options::{UnknownOption, camel_case, unknown_option};
    match unknown_option(&name, camel_case) {
        UnknownOption::SentryOnly => OptionAdviceJs {
            sentry_only: true,
            did_you_mean: None,
        },
        UnknownOption::Unknown { did_you_mean } => OptionAdviceJs {
            sentry_only: false,
            did_you_mean,
        },
    }
}

// The hot starts (a span, a provider call, a framework's call taking a provider call over) take
// positional arguments, not an options object: napi reads an object's properties one by one,
// each a string key made and looked up. Timed in place around a traced OpenAI call, `call` and
// `startSpan` took 3 to 4 us less together (perf had put 5.4 us on reading the two objects).

/// Where a framework span goes: its content policy, origin and scope.
#[napi(object)]
pub struct PlacementJs {
    pub record_inputs: Option<bool>,
    pub record_outputs: Option<bool>,
    pub origin: Option<String>,
    pub scope: Option<HashMap<String, String>>,
}

fn scope(attributes: Option<HashMap<String, String>>) -> Vec<(String, String)> {
    attributes.map_or_else(Vec::new, |a| a.into_iter().collect())
}

/// `started_ago_ms` (how long ago JavaScript timed a span's start) as the facade takes it: a
/// negative or absurd figure (a clock that went back) starts the span now.
fn started_ago_ns(started_ago_ms: Option<f64>) -> Option<u64> {
    duration_ms(started_ago_ms)
        .map(|ago| u64::try_from(ago.as_nanos()).unwrap_or(u64::MAX))
        .filter(|&ns| ns > 0)
}

/// What a call handed over once it ended ended with: its response body, or its stream's
/// bytes, the first of which arrived `first_chunk_after_ms` after the call started.
fn call_end(end: Either<String, Uint8Array>, first_chunk_after_ms: Option<f64>) -> CallEnd {
    match end {
        Either::A(text) => CallEnd::Response(text),
        Either::B(bytes) => CallEnd::Stream {
            body: bytes.to_vec(),
            first_chunk_after: duration_ms(first_chunk_after_ms),
        },
    }
}

/// Milliseconds from JavaScript as a duration; none for a negative or absurd figure.
fn duration_ms(ms: Option<f64>) -> Option<Duration> {
    ms.filter(|ms| ms.is_finite() && *ms >= 0.0)
        .map(|ms| Duration::from_nanos((ms * 1e6) as u64))
}

/// `placement`, for a span JavaScript started `started_ago_ms` ago.
fn placement_since(
    p: Option<PlacementJs>,
    parent: Option<Parent<'_>>,
    started_ago_ms: Option<f64>,
) -> PlacementSpec {
    PlacementSpec {
        started_ago_ns: started_ago_ns(started_ago_ms),
        ..placement(p, parent)
    }
}

fn placement(p: Option<PlacementJs>, parent: Option<Parent<'_>>) -> PlacementSpec {
    let p = p.unwrap_or(PlacementJs {
        record_inputs: None,
        record_outputs: None,
        origin: None,
        scope: None,
    });
    PlacementSpec {
        record_inputs: p.record_inputs.unwrap_or(false),
        record_outputs: p.record_outputs.unwrap_or(false),
        origin: p.origin,
        scope: scope(p.scope),
        parent: parent.and_then(local),
        started_ago_ns: None,
    }
}

/// A failed call as the JavaScript layer saw it.
#[napi(object)]
pub struct FailJs {
    pub http_status: Option<u32>,
    pub body: Option<String>,
    pub exception: Option<String>,
    pub message: Option<String>,
}

/// Token counts (the contract's meaning).
#[napi(object)]
pub struct UsageJs {
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub cache_read_input_tokens: Option<i64>,
    pub cache_creation_input_tokens: Option<i64>,
    pub reasoning_tokens: Option<i64>,
    pub total_tokens: Option<i64>,
}

/// What happened to finished spans.
#[napi(object)]
pub struct StatsJs {
    pub queued: i64,
    pub exported: i64,
    /// Non-zero drop counts by reason.
    pub dropped: std::collections::HashMap<String, i64>,
    /// Attribute values with no attribute form, dropped from their spans.
    pub invalid_attributes: i64,
}

/// A configured pipeline.
#[napi]
pub struct NativeClient {
    inner: Client,
}

#[napi]
impl NativeClient {
    /// Where spans go and how they are sampled, in one line (`debug`'s first-run line).
    #[napi(getter)]
    pub fn description(&self) -> String {
        self.inner.config().describe()
    }

    /// `max_content_bytes` (0: no cap): no string longer than this reaches an attribute, so a
    /// host may cut longer ones before handing a response over.
    #[napi(getter)]
    pub fn content_cap(&self) -> u32 {
        u32::try_from(self.inner.config().max_content_bytes).unwrap_or(u32::MAX)
    }

    /// `options`: [name, text value] pairs as the core's option table names them.
    #[napi(constructor, catch_unwind)]
    pub fn new(
        env: Env,
        options: Vec<Vec<String>>,
        before_send_span: Option<Function<String, Option<String>>>,
        traces_sampler: Option<Function<String, Option<f64>>>,
    ) -> Result<Self> {
        let mut o = Options {
            sdk_name: "llmtel.javascript.node".into(),
            sdk_language: "nodejs".into(),
            ..Options::default()
        };
        for pair in &options {
            let [name, value] = pair.as_slice() else {
                return Err(thrown(
                    &env,
                    llmtel_core::Error::new(
                        llmtel_core::ErrorKind::InvalidArgument,
                        Some("options"),
                        "each option is a [name, value] pair",
                    ),
                ));
            };
            o.set(name, value).map_err(|e| thrown(&env, e.into()))?;
        }
        if let Some(func) = before_send_span {
            let hook = Arc::new(JsHook {
                func: func.create_ref()?,
                env: env.raw(),
                thread: std::thread::current().id(),
            });
            o.before_send_span = Some(Arc::new(move |span: &mut SpanData| hook.run(span)));
        }
        if let Some(func) = traces_sampler {
            let sampler = Arc::new(JsSampler {
                func: func.create_ref()?,
                env: env.raw(),
                thread: std::thread::current().id(),
            });
            o.traces_sampler = Some(Arc::new(move |c: &SamplingContext<'_>| sampler.run(c)));
        }
        let inner = Client::init(o).map_err(|e| thrown(&env, e.into()))?;
        release_handles_at_teardown(&env); // best effort: a client without it still works
        Ok(NativeClient { inner })
    }

    /// Continues the trace of incoming headers (null when they carry none): the context its
    /// spans start under; the trace's baggage is kept for `traceData` and the envelopes.
    #[napi(catch_unwind)]
    pub fn continue_trace(
        &self,
        env: Env,
        headers: TraceHeaders,
    ) -> Outcome<Option<NativeContext>> {
        let remote = remote_parent(&env, &headers)?;
        Ok(remote.map(|r| NativeContext {
            inner: self.inner.continue_trace(&r),
            remote: Some(r),
        }))
    }

    /// The headers an outgoing request made inside `context` carries (null for a span id that
    /// names no span).
    #[napi(catch_unwind)]
    pub fn trace_data(&self, context: Parent<'_>) -> Option<TraceDataJs> {
        let data = self.inner.trace_data(&local(context)?);
        Some(TraceDataJs {
            sentry_trace: data.sentry_trace,
            traceparent: data.traceparent,
            baggage: data.baggage,
        })
    }

    /// Captures an event (`event::EventSpec` as JSON) in the span `parent`; returns its id.
    #[napi(catch_unwind)]
    pub fn capture_event(
        &self,
        env: Env,
        event: String,
        parent: Option<Parent<'_>>,
    ) -> Outcome<String> {
        self.inner
            .capture(&event, parent.and_then(local))
            .map_err(|e| thrown(&env, e))
    }

    /// Records a finished span of another tracer (`imported::ImportedSpan` as JSON).
    #[napi(catch_unwind)]
    pub fn import_span(&self, env: Env, span: String) -> Outcome<()> {
        self.inner.import_span(&span).map_err(|e| thrown(&env, e))
    }

    /// A user span: `startSpan(name, op?, parent?, origin?, kind?)`; returns its id for the
    /// `span*` functions (lib/native.js wraps it in a NativeSpan).
    #[napi(catch_unwind)]
    pub fn start_span(
        &self,
        env: Env,
        name: String,
        op: Option<String>,
        parent: Option<Parent<'_>>,
        origin: Option<String>,
        kind: Option<String>,
    ) -> Outcome<u32> {
        let remote_parent = match &parent {
            Some(Either::B(context)) => context.remote.clone(),
            _ => None,
        };
        let span = self
            .inner
            .span(SpanSpec {
                name,
                op,
                origin,
                kind,
                start_time_unix_nano: None,
                parent: parent.filter(|_| remote_parent.is_none()).and_then(local),
                remote_parent,
            })
            .map_err(|e| thrown(&env, e))?;
        Ok(HANDLES.insert(Handle::Span(span)))
    }

    /// Starts a provider call: `call(provider, api, requestJson, parent?, serverAddress?,
    /// serverPort?, recordInputs?, recordOutputs?, stream?, conversationId?, origin?, scope?,
    /// startedAgoMs?)`, `scope` the scope's attributes (tags, the user), `startedAgoMs` how long
    /// ago the call started when JavaScript timed it (else now). Returns the call's id for the
    /// `call*` functions (lib/native.js wraps it in a NativeCall); `callProblem` explains a
    /// request that could not be read (the call exists either way).
    #[napi(catch_unwind)]
    #[allow(clippy::too_many_arguments)] // positional on purpose: see above
    pub fn call(
        &self,
        env: Env,
        provider: String,
        api: String,
        request: String,
        parent: Option<Parent<'_>>,
        server_address: Option<String>,
        server_port: Option<u32>,
        record_inputs: Option<bool>,
        record_outputs: Option<bool>,
        stream: Option<bool>,
        conversation_id: Option<String>,
        origin: Option<String>,
        scope_attributes: Option<HashMap<String, String>>,
        started_ago_ms: Option<f64>,
    ) -> Outcome<u32> {
        let (inner, problem) = self
            .inner
            .call(call_spec(
                [provider, api, request],
                parent,
                (server_address, server_port),
                [record_inputs, record_outputs, stream],
                [conversation_id, origin],
                scope_attributes,
                started_ago_ms,
            ))
            .map_err(|e| thrown(&env, e))?;
        Ok(call_id(inner, problem))
    }

    /// A provider call handed over once, when it ended: `call`'s arguments (`startedAgoMs`,
    /// timed in JavaScript, given), then what it ended with: the response body (text, as
    /// `callFinishLater` takes it) or every byte of its stream as it came off the wire, with
    /// when the first arrived after the start (`firstChunkAfterMs`, none when none did). One
    /// crossing and no handle: such a call is never a parent, and nothing asks it anything
    /// before it ends (lib/native.js's DeferredCall).
    #[napi(catch_unwind)]
    #[allow(clippy::too_many_arguments)] // positional on purpose: see `call`
    pub fn call_finished(
        &self,
        env: Env,
        provider: String,
        api: String,
        request: String,
        parent: Option<Parent<'_>>,
        server_address: Option<String>,
        server_port: Option<u32>,
        record_inputs: Option<bool>,
        record_outputs: Option<bool>,
        stream: Option<bool>,
        conversation_id: Option<String>,
        origin: Option<String>,
        scope_attributes: Option<HashMap<String, String>>,
        started_ago_ms: f64,
        end: Either<String, Uint8Array>,
        first_chunk_after_ms: Option<f64>,
    ) -> Outcome<()> {
        let spec = call_spec(
            [provider, api, request],
            parent,
            (server_address, server_port),
            [record_inputs, record_outputs, stream],
            [conversation_id, origin],
            scope_attributes,
            Some(started_ago_ms),
        );
        let end = call_end(end, first_chunk_after_ms);
        in_call(|| self.inner.call_done(spec, end)).map_err(|e| thrown(&env, e))
    }

    /// Starts a call a framework normalized; `request` is a NormalizedRequest as JSON.
    #[napi(catch_unwind)]
    pub fn normalized_call(
        &self,
        env: Env,
        request: String,
        placement_js: Option<PlacementJs>,
        parent: Option<Parent<'_>>,
    ) -> Outcome<u32> {
        let request = spec_from_json("request", &request).map_err(|e| thrown(&env, e))?;
        let inner = self
            .inner
            .normalized_call(request, placement(placement_js, parent));
        Ok(call_id(inner, None))
    }

    /// Starts an agent or workflow run; `spec` is an AgentSpec as JSON.
    #[napi(catch_unwind)]
    pub fn agent(
        &self,
        env: Env,
        spec: String,
        placement_js: Option<PlacementJs>,
        parent: Option<Parent<'_>>,
    ) -> Outcome<u32> {
        let spec = spec_from_json("agent", &spec).map_err(|e| thrown(&env, e))?;
        let inner = self
            .inner
            .agent(spec, placement(placement_js, parent))
            .map_err(|e| thrown(&env, e))?;
        Ok(HANDLES.insert(Handle::Run(inner)))
    }

    /// Starts a tool run; `spec` is a ToolSpec as JSON.
    #[napi(catch_unwind)]
    pub fn tool(
        &self,
        env: Env,
        spec: String,
        placement_js: Option<PlacementJs>,
        parent: Option<Parent<'_>>,
    ) -> Outcome<u32> {
        let spec = spec_from_json("tool", &spec).map_err(|e| thrown(&env, e))?;
        let inner = self
            .inner
            .tool(spec, placement(placement_js, parent))
            .map_err(|e| thrown(&env, e))?;
        Ok(HANDLES.insert(Handle::Run(inner)))
    }

    /// Starts a LangChain model run's span; `start` is a `langchain::ModelStart` as JSON.
    #[napi(catch_unwind)]
    pub fn langchain_model(
        &self,
        env: Env,
        start: String,
        placement_js: Option<PlacementJs>,
        parent: Option<Parent<'_>>,
        started_ago_ms: Option<f64>,
    ) -> Outcome<u32> {
        let inner = self
            .inner
            .langchain_model(
                &start,
                placement_since(placement_js, parent, started_ago_ms),
            )
            .map_err(|e| thrown(&env, e))?;
        Ok(call_id(inner, None))
    }

    /// A LangChain model run whose provider call took it over, handed over once it ended (as
    /// `callFinished` for a plain call): `langchainModel`'s arguments, `callAdopt`'s, then what
    /// the provider call ended with, as `callFinished` takes it.
    #[napi(catch_unwind)]
    #[allow(clippy::too_many_arguments)] // positional on purpose: see `call`
    pub fn langchain_model_finished(
        &self,
        env: Env,
        start: String,
        placement_js: Option<PlacementJs>,
        parent: Option<Parent<'_>>,
        started_ago_ms: f64,
        provider: String,
        api: String,
        request: String,
        server_address: Option<String>,
        server_port: Option<u32>,
        stream: Option<bool>,
        conversation_id: Option<String>,
        end: Either<String, Uint8Array>,
        first_chunk_after_ms: Option<f64>,
    ) -> Outcome<()> {
        let placement = placement_since(placement_js, parent, Some(started_ago_ms));
        let adopted = adopted(
            [provider, api, request],
            (server_address, server_port),
            stream,
            conversation_id,
        );
        let end = call_end(end, first_chunk_after_ms);
        in_call(|| {
            self.inner
                .langchain_model_done(start, placement, adopted, end)
        })
        .map_err(|e| thrown(&env, e))
    }

    /// Starts a LangChain chain run's span when the chain is an agent; null otherwise.
    #[napi(catch_unwind)]
    pub fn langchain_chain(
        &self,
        env: Env,
        start: String,
        placement_js: Option<PlacementJs>,
        parent: Option<Parent<'_>>,
    ) -> Outcome<Option<u32>> {
        let run = self
            .inner
            .langchain_chain(&start, placement(placement_js, parent))
            .map_err(|e| thrown(&env, e))?;
        Ok(run.map(|inner| HANDLES.insert(Handle::Run(inner))))
    }

    /// Starts a LangChain tool run's span, `started_ago_ms` ago when given (a run made in the
    /// binding when it ends: see lib/native.js's DeferredRun).
    #[napi(catch_unwind)]
    pub fn langchain_tool(
        &self,
        env: Env,
        start: String,
        placement_js: Option<PlacementJs>,
        parent: Option<Parent<'_>>,
        started_ago_ms: Option<f64>,
    ) -> Outcome<u32> {
        let inner = self
            .inner
            .langchain_tool(
                &start,
                placement_since(placement_js, parent, started_ago_ms),
            )
            .map_err(|e| thrown(&env, e))?;
        Ok(HANDLES.insert(Handle::Run(inner)))
    }

    /// Starts the span of one AI SDK model call; `call` is an `aisdk::ModelCall` as JSON.
    #[napi(catch_unwind)]
    pub fn aisdk_model(
        &self,
        env: Env,
        call: String,
        placement_js: Option<PlacementJs>,
        parent: Option<Parent<'_>>,
        started_ago_ms: Option<f64>,
    ) -> Outcome<u32> {
        let inner = self
            .inner
            .aisdk_model(&call, placement_since(placement_js, parent, started_ago_ms))
            .map_err(|e| thrown(&env, e))?;
        Ok(call_id(inner, None))
    }

    /// A non-streamed AI SDK model call handed over once, with its result (as
    /// `call_finished_later` for a provider call): `aisdkModel`'s arguments, then
    /// `callFinishAisdk`'s result.
    #[napi(catch_unwind)]
    pub fn aisdk_model_finished(
        &self,
        env: Env,
        call: String,
        placement_js: Option<PlacementJs>,
        parent: Option<Parent<'_>>,
        started_ago_ms: f64,
        result: String,
    ) -> Outcome<()> {
        let placement = placement_since(placement_js, parent, Some(started_ago_ms));
        in_call(|| self.inner.aisdk_model_done(call, placement, result))
            .map_err(|e| thrown(&env, e))
    }

    /// Starts the agent span of an AI SDK run; `start` is an `aisdk::RunStart` as JSON.
    #[napi(catch_unwind)]
    pub fn aisdk_run(
        &self,
        env: Env,
        start: String,
        placement_js: Option<PlacementJs>,
        parent: Option<Parent<'_>>,
    ) -> Outcome<u32> {
        let inner = self
            .inner
            .aisdk_run(&start, placement(placement_js, parent))
            .map_err(|e| thrown(&env, e))?;
        Ok(HANDLES.insert(Handle::Run(inner)))
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

    #[napi(catch_unwind)]
    pub fn stats(&self) -> StatsJs {
        let stats = self.inner.stats();
        StatsJs {
            queued: stats.queued as i64,
            exported: stats.exported_total() as i64,
            dropped: stats
                .dropped_total()
                .iter()
                .map(|(r, n)| (DropReason::as_str(r).to_owned(), n as i64))
                .collect(),
            invalid_attributes: stats.invalid_attributes as i64,
        }
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

/// Whole numbers within 2^53 become integers, others doubles (JavaScript has one number type).
fn number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        Value::Int(value as i64)
    } else {
        Value::Double(value)
    }
}

fn numbers(values: Vec<f64>) -> Value {
    if values.iter().all(|v| v.fract() == 0.0 && v.abs() < 9.0e15) {
        Value::IntArray(values.iter().map(|v| *v as i64).collect())
    } else {
        Value::DoubleArray(values)
    }
}

/// The handle JavaScript names by `id` (see `handles.rs`), when it is of the kind `pick`
/// takes; `what` names the kind for the error.
fn handle<T>(
    env: &Env,
    id: u32,
    what: &str,
    pick: impl FnOnce(&Handle) -> Option<T>,
) -> Outcome<T> {
    HANDLES.get(id).as_deref().and_then(pick).ok_or_else(|| {
        let e = llmtel_core::Error::new(
            llmtel_core::ErrorKind::InvalidArgument,
            Some(what),
            format!("no {what} has the id {id}"),
        );
        thrown(env, e)
    })
}

type CoreResult<T> = std::result::Result<T, llmtel_core::Error>;

/// Runs `f` on span `id`, throwing its error as a JS Error with a code.
fn on_span<T>(env: &Env, id: u32, f: impl FnOnce(&SpanHandle) -> CoreResult<T>) -> Outcome<T> {
    let span = |h: &Handle| match h {
        Handle::Span(span) => Some(f(span)),
        _ => None,
    };
    handle(env, id, "span", span)?.map_err(|e| thrown(env, e))
}

/// Runs `f` on the span of span or run `id` (the attribute setters both have).
fn on_attributes<T>(env: &Env, id: u32, f: impl FnOnce(&Handle) -> CoreResult<T>) -> Outcome<T> {
    handle(env, id, "span or run", |h| Some(f(h)))?.map_err(|e| thrown(env, e))
}

/// An attribute on span or run `id`: `setString(id, key, value)` and the other setters below,
/// which lib/native.js's NativeSpan and NativeRun share.
#[napi(catch_unwind)]
pub fn set_string(env: Env, id: u32, key: String, value: String) -> Outcome<()> {
    on_attributes(&env, id, |h| h.set_attribute(key, value))
}

/// Whole numbers become integers, others doubles.
#[napi(catch_unwind)]
pub fn set_number(env: Env, id: u32, key: String, value: f64) -> Outcome<()> {
    on_attributes(&env, id, |h| h.set_attribute(key, number(value)))
}

#[napi(catch_unwind)]
pub fn set_bool(env: Env, id: u32, key: String, value: bool) -> Outcome<()> {
    on_attributes(&env, id, |h| h.set_attribute(key, value))
}

#[napi(catch_unwind)]
pub fn set_string_array(env: Env, id: u32, key: String, value: Vec<String>) -> Outcome<()> {
    on_attributes(&env, id, |h| h.set_attribute(key, value))
}

#[napi(catch_unwind)]
pub fn set_number_array(env: Env, id: u32, key: String, value: Vec<f64>) -> Outcome<()> {
    on_attributes(&env, id, |h| h.set_attribute(key, numbers(value)))
}

/// A value with no attribute form (null, a function, a circular object): counted, not kept.
#[napi(catch_unwind)]
pub fn reject_attribute(env: Env, id: u32, key: String, why: String) -> Outcome<()> {
    on_attributes(&env, id, |h| h.reject_attribute(&key, &why))
}

/// Frees handle `id`'s slot (its JavaScript object was collected); a span, call or run still
/// open ends with what it gathered, through the user's `beforeSendSpan` like any other.
#[napi(catch_unwind)]
pub fn release(id: u32) {
    in_call(|| drop(HANDLES.remove(id)));
}

thread_local! {
    /// Whether this thread's environment releases its handles when it ends.
    static TEARDOWN_HOOKED: Cell<bool> = const { Cell::new(false) };
}

/// Handles are made through a client, so the first client of a thread (the main thread's, or a
/// worker's) registers the cleanup hook that frees the thread's slots when its environment
/// ends: a worker that exits runs no finalizer, and its slots would stay taken for the life of
/// the process. Spans still open then end, but no JavaScript may run during teardown, so the
/// user's hooks do not (they run only inside a call from JavaScript): such a span is dropped
/// where a `beforeSendSpan` is set.
fn release_handles_at_teardown(env: &Env) {
    if TEARDOWN_HOOKED.with(Cell::get) {
        return;
    }
    let hooked = env.add_env_cleanup_hook(handles::Owner::current(), |owner| {
        drop(HANDLES.remove_owned(owner));
    });
    TEARDOWN_HOOKED.with(|flag| flag.set(hooked.is_ok()));
}

/// How many handles hold a slot, in every thread (for tests: a worker's are freed when it ends).
#[napi]
pub fn live_handles() -> u32 {
    u32::try_from(HANDLES.len()).unwrap_or(u32::MAX)
}

/// A user span's functions, by the id `startSpan` returned (lib/native.js's NativeSpan wraps
/// them as methods).
#[napi(catch_unwind)]
pub fn span_context(env: Env, id: u32) -> Outcome<NativeContext> {
    on_span(&env, id, |s| Ok(context(s.context())))
}

#[napi(catch_unwind)]
pub fn span_trace_id(env: Env, id: u32) -> Outcome<String> {
    on_span(&env, id, |s| Ok(s.context().trace_id.to_hex()))
}

#[napi(catch_unwind)]
pub fn span_span_id(env: Env, id: u32) -> Outcome<String> {
    on_span(&env, id, |s| Ok(s.context().span_id.to_hex()))
}

#[napi(catch_unwind)]
pub fn span_ended(env: Env, id: u32) -> Outcome<bool> {
    on_span(&env, id, |s| Ok(s.is_ended()))
}

/// False for an unsampled span and once it ended.
#[napi(catch_unwind)]
pub fn span_recording(env: Env, id: u32) -> Outcome<bool> {
    on_span(&env, id, |s| Ok(s.is_recording()))
}

#[napi(catch_unwind)]
pub fn span_remove_attribute(env: Env, id: u32, key: String) -> Outcome<()> {
    on_span(&env, id, |s| s.remove_attribute(&key))
}

#[napi(catch_unwind)]
pub fn span_set_name(env: Env, id: u32, name: String) -> Outcome<()> {
    on_span(&env, id, |s| s.set_name(name))
}

#[napi(catch_unwind)]
pub fn span_set_op(env: Env, id: u32, op: String) -> Outcome<()> {
    on_span(&env, id, |s| s.set_op(op))
}

/// `ok`, `error`, or a Sentry status (`internal_error`, `resource_exhausted`, …).
#[napi(catch_unwind)]
pub fn span_set_status(env: Env, id: u32, code: String, message: Option<String>) -> Outcome<()> {
    on_span(&env, id, |s| s.set_status(&code, message))
}

#[napi(catch_unwind)]
pub fn span_record_usage(env: Env, id: u32, usage: UsageJs) -> Outcome<()> {
    let usage = Usage {
        input: usage.input_tokens,
        output: usage.output_tokens,
        cache_read: usage.cache_read_input_tokens,
        cache_creation: usage.cache_creation_input_tokens,
        reasoning: usage.reasoning_tokens,
        total: usage.total_tokens,
    };
    on_span(&env, id, |s| s.record_usage(&usage))
}

/// Ends the span; a second end throws `already_ended`.
#[napi(catch_unwind)]
pub fn span_end(env: Env, id: u32) -> Outcome<()> {
    on_span(&env, id, |s| in_call(|| s.end()))
}

/// Runs `f` on call `id` (and why its request could not be read), throwing its error as a JS
/// Error with a code.
fn on_call_entry<T>(
    env: &Env,
    id: u32,
    f: impl FnOnce(&CallHandle, &Option<String>) -> CoreResult<T>,
) -> Outcome<T> {
    let call = |h: &Handle| match h {
        Handle::Call(call) => Some(f(&call.0, &call.1)),
        _ => None,
    };
    handle(env, id, "call", call)?.map_err(|e| thrown(env, e))
}

/// Runs `f` on call `id`, throwing its error as a JS Error with a code.
fn on_call<T>(env: &Env, id: u32, f: impl FnOnce(&CallHandle) -> CoreResult<T>) -> Outcome<T> {
    on_call_entry(env, id, |call, _| f(call))
}

/// A new call's id.
fn call_id(handle: CallHandle, problem: Option<llmtel_core::Error>) -> u32 {
    HANDLES.insert(Handle::Call(Box::new((
        handle,
        problem.map(|e| e.to_string()),
    ))))
}

/// A GenAI call's functions, by the id a call starter returned (lib/native.js's NativeCall
/// wraps them as methods). Why the request could not be read, if it could not:
#[napi(catch_unwind)]
pub fn call_problem(env: Env, id: u32) -> Outcome<Option<String>> {
    on_call_entry(&env, id, |_, problem| Ok(problem.clone()))
}

#[napi(catch_unwind)]
pub fn call_ended(env: Env, id: u32) -> Outcome<bool> {
    on_call(&env, id, |c| Ok(c.is_ended()))
}

/// Null when the call is not sampled.
#[napi(catch_unwind)]
pub fn call_context(env: Env, id: u32) -> Outcome<Option<NativeContext>> {
    on_call(&env, id, |c| Ok(c.context().map(context)))
}

/// One stream event as received (SSE event name, data text).
#[napi(catch_unwind)]
pub fn call_chunk(env: Env, id: u32, event: Option<String>, data: String) -> Outcome<()> {
    on_call(&env, id, |c| c.chunk(event.as_deref(), &data))
}

/// The stream's bytes as read off the wire; the core reads the server-sent events.
#[napi(catch_unwind)]
pub fn call_feed(env: Env, id: u32, bytes: &[u8]) -> Outcome<()> {
    on_call(&env, id, |c| c.feed(bytes))
}

/// Bytes JavaScript kept and hands over now, which arrived `arrivedAgoMs` ago (a call made
/// late: see lib/native.js's DeferredCall).
#[napi(catch_unwind)]
pub fn call_feed_arrived(env: Env, id: u32, bytes: &[u8], arrived_ago_ms: f64) -> Outcome<()> {
    let ago = duration_ms(Some(arrived_ago_ms)).unwrap_or_default();
    on_call(&env, id, |c| c.feed_arrived(bytes, ago))
}

/// A chunk the host reads itself arrived (normalized streams: time to first chunk).
#[napi(catch_unwind)]
pub fn call_mark_chunk(env: Env, id: u32) -> Outcome<()> {
    on_call(&env, id, CallHandle::mark_chunk)
}

#[napi(catch_unwind)]
pub fn call_finish(env: Env, id: u32, response_json: String) -> Outcome<()> {
    on_call(&env, id, |c| in_call(|| c.finish(&response_json)))
}

/// Ends the call now and reads its response JSON on the flush thread (see the facade's
/// `finish_later`): what the caller's thread pays is the text handed over.
#[napi(catch_unwind)]
pub fn call_finish_later(env: Env, id: u32, response_json: String) -> Outcome<()> {
    on_call(&env, id, |c| in_call(|| c.finish_later(response_json)))
}

/// Ends a normalized call; `response` is a NormalizedResponse as JSON.
#[napi(catch_unwind)]
pub fn call_finish_normalized(env: Env, id: u32, response: String) -> Outcome<()> {
    let response = spec_from_json("response", &response).map_err(|e| thrown(&env, e))?;
    on_call(&env, id, |c| in_call(|| c.finish_normalized(response)))
}

#[napi(catch_unwind)]
pub fn call_finish_stream(env: Env, id: u32) -> Outcome<()> {
    on_call(&env, id, |c| in_call(|| c.finish_stream()))
}

/// A provider call made inside this framework call takes its span over: `callAdopt(id,
/// provider, api, requestJson, serverAddress?, serverPort?, stream?, conversationId?)` (the
/// call's placement stays the framework's). Returns why the request could not be read, if it
/// could not.
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)] // positional on purpose: see NativeClient.call
pub fn call_adopt(
    env: Env,
    id: u32,
    provider: String,
    api: String,
    request: String,
    server_address: Option<String>,
    server_port: Option<u32>,
    stream: Option<bool>,
    conversation_id: Option<String>,
) -> Outcome<Option<String>> {
    let spec = adopted(
        [provider, api, request],
        (server_address, server_port),
        stream,
        conversation_id,
    );
    let problem = on_call(&env, id, |c| c.adopt(&spec))?;
    Ok(problem.map(|e| e.to_string()))
}

/// What `callAdopt` hands a framework call: the provider call's request and where it went.
fn adopted(
    [provider, api, request]: [String; 3],
    (server_address, server_port): (Option<String>, Option<u32>),
    stream: Option<bool>,
    conversation_id: Option<String>,
) -> CallSpec {
    CallSpec {
        provider,
        api,
        request,
        server_address,
        server_port: server_port.and_then(|p| u16::try_from(p).ok()),
        stream: stream.unwrap_or(false),
        conversation_id,
        ..CallSpec::default()
    }
}

/// Ends a LangChain model run with its LLMResult as JSON.
#[napi(catch_unwind)]
pub fn call_finish_langchain(env: Env, id: u32, result: String) -> Outcome<()> {
    on_call(&env, id, |c| in_call(|| c.finish_langchain(&result)))
}

/// Ends an AI SDK model call with its result as JSON.
#[napi(catch_unwind)]
pub fn call_finish_aisdk(env: Env, id: u32, result: String) -> Outcome<()> {
    on_call(&env, id, |c| in_call(|| c.finish_aisdk(result)))
}

#[napi(catch_unwind)]
pub fn call_fail(env: Env, id: u32, error: FailJs) -> Outcome<()> {
    let spec = FailSpec {
        http_status: error.http_status.and_then(|s| u16::try_from(s).ok()),
        body: error.body,
        exception: error.exception,
        message: error.message,
    };
    on_call(&env, id, |c| in_call(|| c.fail(&spec)))
}

/// Runs `f` on run `id`, throwing its error as a JS Error with a code.
fn on_run<T>(env: &Env, id: u32, f: impl FnOnce(&RunHandle) -> CoreResult<T>) -> Outcome<T> {
    let run = |h: &Handle| match h {
        Handle::Run(run) => Some(f(run)),
        _ => None,
    };
    handle(env, id, "run", run)?.map_err(|e| thrown(env, e))
}

/// An agent, workflow or tool run's functions, by the id a run starter returned
/// (lib/native.js's NativeRun wraps them as methods).
#[napi(catch_unwind)]
pub fn run_context(env: Env, id: u32) -> Outcome<NativeContext> {
    on_run(&env, id, |r| Ok(context(r.context())))
}

#[napi(catch_unwind)]
pub fn run_ended(env: Env, id: u32) -> Outcome<bool> {
    on_run(&env, id, |r| Ok(r.is_ended()))
}

/// An agent's output messages (JSON array of messages), recorded when outputs are.
#[napi(catch_unwind)]
pub fn run_set_output(env: Env, id: u32, messages: String) -> Outcome<()> {
    let messages = spec_from_json("messages", &messages).map_err(|e| thrown(&env, e))?;
    on_run(&env, id, |r| r.set_output(messages))
}

/// A tool's result (JSON text), recorded when outputs are.
#[napi(catch_unwind)]
pub fn run_set_result(env: Env, id: u32, result: String) -> Outcome<()> {
    on_run(&env, id, |r| r.set_result(&result))
}

#[napi(catch_unwind)]
pub fn run_end(env: Env, id: u32) -> Outcome<()> {
    on_run(&env, id, |r| in_call(|| r.end()))
}

/// A LangChain agent's chain inputs (JSON), recorded when inputs are.
#[napi(catch_unwind)]
pub fn run_set_langchain_input(env: Env, id: u32, inputs: String) -> Outcome<()> {
    on_run(&env, id, |r| r.set_langchain_input(&inputs))
}

/// Ends a LangChain agent run with its chain outputs (JSON).
#[napi(catch_unwind)]
pub fn run_end_langchain_agent(env: Env, id: u32, outputs: String) -> Outcome<()> {
    on_run(&env, id, |r| in_call(|| r.end_langchain_agent(&outputs)))
}

/// Ends a LangChain tool run with its output (JSON).
#[napi(catch_unwind)]
pub fn run_end_langchain_tool(env: Env, id: u32, output: String) -> Outcome<()> {
    on_run(&env, id, |r| in_call(|| r.end_langchain_tool(&output)))
}

/// Ends an AI SDK run with its result (`text` or `object`) as JSON.
#[napi(catch_unwind)]
pub fn run_end_aisdk_run(env: Env, id: u32, output: String) -> Outcome<()> {
    on_run(&env, id, |r| in_call(|| r.end_aisdk_run(&output)))
}

#[napi(catch_unwind)]
pub fn run_fail(env: Env, id: u32, error_type: String, message: Option<String>) -> Outcome<()> {
    on_run(&env, id, |r| {
        in_call(|| r.fail(&error_type, message.as_deref()))
    })
}

/// True for a debug build of this binding: its figures are several times a release build's,
/// and the benchmarks refuse to run on one.
#[napi]
pub fn debug_build() -> bool {
    cfg!(debug_assertions)
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

/// The facade's error codes, the stable names JS errors carry as `code`.
#[napi]
pub fn error_codes() -> Vec<String> {
    llmtel_core::ErrorKind::ALL
        .iter()
        .map(|k| k.as_str().to_owned())
        .collect()
}
