//! The one API every binding wraps, one to one: handles any thread may use through `&self`
//! (a span, a GenAI call, an agent / workflow / tool run) that end once, owned start specs a JS
//! object, a Python dict or a C struct all fill, and one error type with stable codes. Bindings
//! convert types and errors and nothing else.

use std::fmt;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use serde::Deserialize;

use crate::genai::{
    AgentRun, AgentSpec, Api, CallEnd, CallError, CallPlacement, CallStart, ContentPolicy,
    GenAiCall, MappingError, Message, NormalizedRequest, NormalizedResponse, Provider, SpecError,
    ToolSpec, Usage, WireRequest, aisdk, langchain,
};
use crate::imported::ImportedSpan;
use crate::propagation::{RemoteParent, TraceHeaderError};
use crate::span::{
    Attributes, ErrorCode, SpanContext, SpanData, SpanId, SpanKind, Status, Str, TraceId, Value,
};
use crate::{Client, ConfigError, Span, SpanFate, SpanStart, WaitError};

/// What went wrong, by a code that never changes meaning. The numbers are the C ABI's
/// `llmtel_result` values; the names are what JS errors carry as `code` and Python exceptions
/// as `.code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum ErrorKind {
    InvalidOption = 3,
    Timeout = 4,
    AlreadyEnded = 5,
    MalformedJson = 6,
    UnknownProvider = 7,
    UnknownApi = 8,
    InvalidArgument = 9,
    Closed = 11,
    Panic = 99,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 9] = [
        ErrorKind::InvalidOption,
        ErrorKind::Timeout,
        ErrorKind::AlreadyEnded,
        ErrorKind::MalformedJson,
        ErrorKind::UnknownProvider,
        ErrorKind::UnknownApi,
        ErrorKind::InvalidArgument,
        ErrorKind::Closed,
        ErrorKind::Panic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidOption => "invalid_option",
            ErrorKind::Timeout => "timeout",
            ErrorKind::AlreadyEnded => "already_ended",
            ErrorKind::MalformedJson => "malformed_json",
            ErrorKind::UnknownProvider => "unknown_provider",
            ErrorKind::UnknownApi => "unknown_api",
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::Closed => "closed",
            ErrorKind::Panic => "panic",
        }
    }

    pub fn number(self) -> u32 {
        self as u32
    }
}

/// An error of the facade: its kind, the field it concerns (an option's name, a spec's field,
/// `request` / `response` / `chunk` for JSON), and the reason in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub field: Option<String>,
    pub reason: String,
}

impl Error {
    pub fn new(kind: ErrorKind, field: Option<&str>, reason: impl Into<String>) -> Self {
        Error {
            kind,
            field: field.map(str::to_owned),
            reason: reason.into(),
        }
    }

    pub fn already_ended(what: &str) -> Self {
        Error::new(
            ErrorKind::AlreadyEnded,
            None,
            format!("the {what} was already ended"),
        )
    }

    pub fn code(&self) -> &'static str {
        self.kind.as_str()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.kind, &self.field) {
            (ErrorKind::InvalidOption, Some(field)) => {
                write!(f, "invalid option `{field}`: {}", self.reason)
            }
            (ErrorKind::MalformedJson, Some(field)) => {
                write!(f, "cannot read the {field} JSON: {}", self.reason)
            }
            (_, Some(field)) => write!(f, "invalid `{field}`: {}", self.reason),
            (_, None) => f.write_str(&self.reason),
        }
    }
}

impl std::error::Error for Error {}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::new(ErrorKind::InvalidOption, Some(&e.option), e.reason)
    }
}

impl From<MappingError> for Error {
    fn from(e: MappingError) -> Self {
        Error::new(ErrorKind::MalformedJson, Some(e.what), e.reason)
    }
}

impl From<SpecError> for Error {
    fn from(e: SpecError) -> Self {
        Error::new(ErrorKind::InvalidArgument, Some(e.field), e.reason)
    }
}

impl From<TraceHeaderError> for Error {
    fn from(e: TraceHeaderError) -> Self {
        Error::new(ErrorKind::InvalidArgument, Some(e.header), e.reason)
    }
}

impl From<WaitError> for Error {
    fn from(_: WaitError) -> Self {
        Error::new(
            ErrorKind::Timeout,
            None,
            "the wait ended before the work did; the flush thread carries on",
        )
    }
}

/// Reads a spec from JSON text (what the Node and wasm bindings hand over); an unknown or
/// mistyped field is an `InvalidArgument` naming it.
pub fn spec_from_json<T: for<'de> Deserialize<'de>>(what: &str, json: &str) -> Result<T, Error> {
    serde_json::from_str(json)
        .map_err(|e| Error::new(ErrorKind::InvalidArgument, Some(what), e.to_string()))
}

/// JSON read later, on the flush thread, where a problem is a `MappingError` said under `debug`.
fn late_json<T: for<'de> Deserialize<'de>>(
    what: &'static str,
    json: &str,
) -> Result<T, MappingError> {
    serde_json::from_str(json).map_err(|e| MappingError {
        what,
        reason: e.to_string(),
    })
}

/// A user span's start. The parent is set by the binding from a handle, never from JSON.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpanSpec {
    pub name: String,
    pub op: Option<String>,
    /// `manual` when unset.
    pub origin: Option<String>,
    /// `internal` (default), `client`, `server`, `producer` or `consumer`.
    pub kind: Option<String>,
    pub start_time_unix_nano: Option<u64>,
    #[serde(skip)]
    pub parent: Option<SpanContext>,
    #[serde(skip)]
    pub remote_parent: Option<RemoteParent>,
}

/// A provider call's start: the provider's request as it went on the wire. Read from JSON (the
/// wasm binding's `call`) with unknown fields refused.
#[derive(Clone, Debug, Default)]
pub struct CallSpec {
    /// `openai`, `azure.ai.openai`, `anthropic`, `gcp.gemini`, `gcp.vertex_ai`, `gcp.gen_ai`.
    pub provider: String,
    /// `chat_completions`, `responses`, `embeddings`, `messages`, `count_tokens`,
    /// `generate_content`, `chat_send_message`, `embed_content`.
    pub api: String,
    /// The request parameters as JSON text.
    pub request: String,
    pub server_address: Option<String>,
    pub server_port: Option<u16>,
    pub record_inputs: bool,
    pub record_outputs: bool,
    /// The host called a streaming method.
    pub stream: bool,
    pub origin: Option<String>,
    pub conversation_id: Option<String>,
    /// The host's scope: attributes every span started in it carries (its tags, the user).
    pub scope: Vec<(String, String)>,
    pub parent: Option<SpanContext>,
    /// Nanoseconds since the call started, when the host timed its start and hands the call
    /// over later (see `CallStart::started_ago`); unset, it starts now.
    pub started_ago_ns: Option<u64>,
}

// By hand (`de::Object`), not derived: read on every call of a page, and the derived reader was
// 5 KB of the wasm build.
crate::genai::de::object_reader!(CallSpec, "struct CallSpec", deny, {
    "provider" => provider: value,
    "api" => api: value,
    "request" => request: value,
    "server_address" => server_address: value,
    "server_port" => server_port: value,
    "record_inputs" => record_inputs: value,
    "record_outputs" => record_outputs: value,
    "stream" => stream: value,
    "origin" => origin: value,
    "conversation_id" => conversation_id: value,
    "scope" => scope: value,
    "started_ago_ns" => started_ago_ns: value,
});

impl CallSpec {
    /// The provider and API named, with the request and where it went.
    fn start(&self) -> Result<CallStart<'_>, Error> {
        let (provider, api) = self.provider_api()?;
        let mut start = CallStart::new(provider, api, &self.request);
        start.server_address = self.server_address.as_deref();
        start.server_port = self.server_port;
        start.conversation_id = self.conversation_id.as_deref();
        start.stream = self.stream;
        start.scope = &self.scope;
        start.started_ago = self.started_ago_ns.map(std::time::Duration::from_nanos);
        Ok(start)
    }

    /// The same, owned, for a call read later (`Client::call_done`), with where it goes.
    fn into_done(self) -> Result<(WireRequest, CallPlacement), Error> {
        let (provider, api) = self.provider_api()?;
        let placement = PlacementSpec {
            record_inputs: self.record_inputs,
            record_outputs: self.record_outputs,
            origin: self.origin,
            scope: self.scope,
            parent: self.parent,
            started_ago_ns: self.started_ago_ns,
        }
        .placement();
        let wire = WireRequest {
            provider,
            api,
            request: self.request,
            server_address: self.server_address,
            server_port: self.server_port,
            conversation_id: self.conversation_id,
            stream: self.stream,
        };
        Ok((wire, placement))
    }

    fn provider_api(&self) -> Result<(Provider, Api), Error> {
        let provider = Provider::parse(&self.provider).ok_or_else(|| {
            Error::new(
                ErrorKind::UnknownProvider,
                Some("provider"),
                format!("llmtel does not map the provider {:?}", self.provider),
            )
        })?;
        let api = Api::parse(&self.api).ok_or_else(|| {
            Error::new(
                ErrorKind::UnknownApi,
                Some("api"),
                format!("llmtel does not map the API {:?}", self.api),
            )
        })?;
        Ok((provider, api))
    }
}

/// Placement of a framework span (normalized call, agent, tool): content policy and origin.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlacementSpec {
    pub record_inputs: bool,
    pub record_outputs: bool,
    pub origin: Option<String>,
    /// The host's scope (see `CallSpec::scope`).
    pub scope: Vec<(String, String)>,
    #[serde(skip)]
    pub parent: Option<SpanContext>,
    /// Nanoseconds since the span started, when the host timed its start and hands it over
    /// later (see `CallSpec::started_ago_ns`); unset, it starts now.
    pub started_ago_ns: Option<u64>,
}

impl PlacementSpec {
    /// The integration's origin unless the host named one.
    fn or_origin(mut self, origin: &str) -> Self {
        self.origin.get_or_insert_with(|| origin.to_owned());
        self
    }

    fn placement(self) -> CallPlacement {
        CallPlacement {
            parent: self.parent,
            content: ContentPolicy {
                record_inputs: self.record_inputs,
                record_outputs: self.record_outputs,
            },
            origin: self.origin.map(Str::Owned),
            scope: self.scope,
            started_ago: self.started_ago_ns.map(std::time::Duration::from_nanos),
        }
    }
}

/// A failed call as the host saw it (owned, for bindings).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FailSpec {
    pub http_status: Option<u16>,
    /// The provider's error body (JSON text).
    pub body: Option<String>,
    /// The exception class name.
    pub exception: Option<String>,
    pub message: Option<String>,
}

/// `Mutex<Option<T>>` for a handle that ends once; a poisoned lock is used as is (the data is
/// a span being built, never left half-written by a panic that matters).
struct Once<T>(Mutex<Option<T>>);

impl<T> Once<T> {
    fn new(value: T) -> Self {
        Once(Mutex::new(Some(value)))
    }

    fn lock(&self) -> MutexGuard<'_, Option<T>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn with<R>(&self, what: &str, f: impl FnOnce(&mut T) -> R) -> Result<R, Error> {
        self.lock()
            .as_mut()
            .map(f)
            .ok_or_else(|| Error::already_ended(what))
    }

    fn take(&self, what: &str) -> Result<T, Error> {
        self.lock().take().ok_or_else(|| Error::already_ended(what))
    }

    fn is_ended(&self) -> bool {
        self.lock().is_none()
    }
}

/// A user span any thread may use. Dropping the handle ends the span.
pub struct SpanHandle {
    span: Once<Span>,
    context: SpanContext,
}

/// A GenAI call any thread may use. Dropping the handle ends the call with what it gathered.
pub struct CallHandle {
    call: Once<GenAiCall>,
    context: Option<SpanContext>,
}

/// An agent, workflow or tool run any thread may use.
pub struct RunHandle {
    run: Once<AgentRun>,
    context: SpanContext,
}

impl Client {
    /// Starts a user span.
    pub fn span(&self, spec: SpanSpec) -> Result<SpanHandle, Error> {
        let kind = match spec.kind.as_deref() {
            None => SpanKind::Internal,
            Some(text) => SpanKind::parse(text).ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    Some("kind"),
                    format!(
                        "expected internal, client, server, producer or consumer, got {text:?}"
                    ),
                )
            })?,
        };
        let mut start = SpanStart::new(spec.name).kind(kind).parent_opt(spec.parent);
        if let Some(remote) = &spec.remote_parent {
            start = start.remote_parent(remote);
        }
        if let Some(op) = spec.op {
            start = start.op(op);
        }
        if let Some(origin) = spec.origin {
            start = start.origin(origin);
        }
        if let Some(at) = spec.start_time_unix_nano {
            start = start.start_time_unix_nano(at);
        }
        let span = self.start_span(start);
        Ok(SpanHandle {
            context: span.context(),
            span: Once::new(span),
        })
    }

    /// Starts a provider call from its wire request. The handle exists even when the request
    /// could not be read; the second value says why it could not.
    pub fn call(&self, spec: CallSpec) -> Result<(CallHandle, Option<Error>), Error> {
        let mut start = spec.start()?;
        start.parent = spec.parent;
        start.content = ContentPolicy {
            record_inputs: spec.record_inputs,
            record_outputs: spec.record_outputs,
        };
        start.origin = spec.origin.clone().map(Str::Owned);
        let (call, begun) = self.begin_genai_call(start);
        Ok((CallHandle::new(call), begun.err().map(Error::from)))
    }

    /// A provider call handed over once it ended, with its response or its stream's bytes:
    /// the span `call` then `CallHandle::finish_later` (or `feed` and `finish_stream`) give, in
    /// one step, for a host that times a call itself and crosses into the core once (Node;
    /// `spec.started_ago_ns` says when it started). Where nothing reads a span before it is
    /// exported, the caller's thread only opens and ends the span (ids, parent, sampling,
    /// timing) and the request is read with the rest, on the flush thread; otherwise it is
    /// those steps.
    pub fn call_done(&self, spec: CallSpec, end: CallEnd) -> Result<(), Error> {
        if !self.maps_later() {
            let (call, _) = self.call(spec)?;
            return call.end_with(end);
        }
        let (wire, placement) = spec.into_done()?;
        self.wire_call_done(wire, placement, end);
        Ok(())
    }

    /// A LangChain model run that a provider call took over, handed over once it ended with
    /// the provider's response: `langchain_model`, `CallHandle::adopt` and `finish_later` in
    /// one step (see `call_done`). `adopted` is the provider call's spec; its parent, content
    /// options and origin are not used (the run's stay).
    pub fn langchain_model_done(
        &self,
        start: String,
        placement: PlacementSpec,
        adopted: CallSpec,
        end: CallEnd,
    ) -> Result<(), Error> {
        if !self.maps_later() {
            let call = self.langchain_model(&start, placement)?;
            let _ = call.adopt(&adopted); // the span keeps LangChain's request, as for adopt
            return call.end_with(end);
        }
        self.normalized_call_done(
            placement.or_origin(langchain::ORIGIN).placement(),
            Box::new(move || late_json("request", &start).map(langchain::model_request)),
            adopted.into_done().ok().map(|(wire, _)| wire),
            Box::new(move |call| call.read_end(end)),
        );
        Ok(())
    }

    /// A non-streamed AI SDK model call handed over once it ended, with its result:
    /// `aisdk_model` then `CallHandle::finish_aisdk` in one step (see `call_done`).
    pub fn aisdk_model_done(
        &self,
        call: String,
        placement: PlacementSpec,
        result: String,
    ) -> Result<(), Error> {
        if !self.maps_later() {
            return self.aisdk_model(&call, placement)?.finish_aisdk(result);
        }
        self.normalized_call_done(
            placement.or_origin(aisdk::ORIGIN).placement(),
            Box::new(move || late_json("request", &call).map(aisdk::model_request)),
            None,
            Box::new(move |call| {
                let result: serde_json::Value = late_json("response", &result)?;
                call.read_normalized_response(aisdk::model_response(&result));
                Ok(())
            }),
        );
        Ok(())
    }

    /// Starts the span of a LangChain model run (`on_chat_model_start`, `handleLLMStart`, …):
    /// `start` is a `langchain::ModelStart` as JSON. A provider call the model makes joins
    /// this span through `CallHandle::adopt`.
    pub fn langchain_model(
        &self,
        start: &str,
        placement: PlacementSpec,
    ) -> Result<CallHandle, Error> {
        let start = spec_from_json("start", start)?;
        Ok(self.normalized_call(
            langchain::model_request(start),
            placement.or_origin(langchain::ORIGIN),
        ))
    }

    /// Starts the span of a LangChain chain run when it is an agent (a LangGraph graph the
    /// application invoked, an agent executor); other chains get none (`Ok(None)`).
    pub fn langchain_chain(
        &self,
        start: &str,
        placement: PlacementSpec,
    ) -> Result<Option<RunHandle>, Error> {
        let start: langchain::ChainStart = spec_from_json("start", start)?;
        match langchain::agent(&start) {
            Some(spec) => {
                let origin = langchain::chain_origin(&start);
                self.agent(spec, placement.or_origin(origin)).map(Some)
            }
            None => Ok(None),
        }
    }

    /// Starts the span of a LangChain tool run.
    pub fn langchain_tool(
        &self,
        start: &str,
        placement: PlacementSpec,
    ) -> Result<RunHandle, Error> {
        let start = spec_from_json("start", start)?;
        self.tool(
            langchain::tool(start),
            placement.or_origin(langchain::ORIGIN),
        )
    }

    /// Starts the span of one AI SDK model call (`doGenerate` / `doStream` / `doEmbed`):
    /// `call` is an `aisdk::ModelCall` as JSON.
    pub fn aisdk_model(&self, call: &str, placement: PlacementSpec) -> Result<CallHandle, Error> {
        let call = spec_from_json("call", call)?;
        Ok(self.normalized_call(
            aisdk::model_request(call),
            placement.or_origin(aisdk::ORIGIN),
        ))
    }

    /// Starts the agent span of an AI SDK run (`generateText`, `streamText`, `generateObject`,
    /// `streamObject`): `start` is an `aisdk::RunStart` as JSON.
    pub fn aisdk_run(&self, start: &str, placement: PlacementSpec) -> Result<RunHandle, Error> {
        let start = spec_from_json("start", start)?;
        self.agent(aisdk::agent(start), placement.or_origin(aisdk::ORIGIN))
    }

    /// Starts a call a framework normalized.
    pub fn normalized_call(
        &self,
        request: NormalizedRequest,
        placement: PlacementSpec,
    ) -> CallHandle {
        CallHandle::new(self.begin_normalized_call(request, placement.placement()))
    }

    /// Starts an agent or workflow run.
    pub fn agent(&self, spec: AgentSpec, placement: PlacementSpec) -> Result<RunHandle, Error> {
        Ok(RunHandle::new(
            self.start_agent(spec, placement.placement())?,
        ))
    }

    /// Starts a tool run.
    pub fn tool(&self, spec: ToolSpec, placement: PlacementSpec) -> Result<RunHandle, Error> {
        Ok(RunHandle::new(
            self.start_tool(spec, placement.placement())?,
        ))
    }

    /// Records a finished span another tracer made (an `imported::ImportedSpan` as JSON, from
    /// an OpenTelemetry span processor), with its own ids, through the privacy filter and
    /// `before_send_span` like llmtel's own spans.
    pub fn import_span(&self, span: &str) -> Result<(), Error> {
        let span: ImportedSpan = spec_from_json("span", span)?;
        self.record_finished(span.into_data(|v| value_of(v, None))?);
        Ok(())
    }

    /// Captures an event (`event::EventSpec` as JSON: an exception or a message with the
    /// scope's tags, user and contexts) in the span `parent`; returns its id.
    pub fn capture(&self, spec: &str, parent: Option<SpanContext>) -> Result<String, Error> {
        let mut spec: crate::event::EventSpec = spec_from_json("event", spec)?;
        spec.parent = parent;
        Ok(self.capture_event(spec)?)
    }

    /// `flush` with the facade's error.
    pub fn flush_within(&self, timeout: Duration) -> Result<(), Error> {
        Ok(self.flush(timeout)?)
    }

    /// `close` with the facade's error.
    pub fn close_within(&self, timeout: Duration) -> Result<(), Error> {
        Ok(self.close(timeout)?)
    }
}

impl SpanHandle {
    pub fn context(&self) -> SpanContext {
        self.context
    }

    pub fn is_recording(&self) -> bool {
        self.span.lock().as_ref().is_some_and(Span::is_recording)
    }

    pub fn is_ended(&self) -> bool {
        self.span.is_ended()
    }

    pub fn set_attribute(&self, key: impl Into<Str>, value: impl Into<Value>) -> Result<(), Error> {
        self.span.with("span", |s| s.set_attribute(key, value))
    }

    pub fn remove_attribute(&self, key: &str) -> Result<(), Error> {
        self.span.with("span", |s| s.remove_attribute(key))
    }

    /// A value the host could not turn into an attribute: counted, never stored.
    pub fn reject_attribute(&self, key: &str, why: &str) -> Result<(), Error> {
        self.span.with("span", |s| s.reject_attribute(key, why))
    }

    pub fn set_name(&self, name: impl Into<Str>) -> Result<(), Error> {
        self.span.with("span", |s| s.set_name(name))
    }

    pub fn set_op(&self, op: impl Into<Str>) -> Result<(), Error> {
        self.span.with("span", |s| s.set_op(op))
    }

    /// `ok`, `error`, or a Sentry status name (`internal_error`, `resource_exhausted`, …),
    /// with a message for errors.
    pub fn set_status(&self, code: &str, message: Option<String>) -> Result<(), Error> {
        let status = match code {
            "ok" => Status::Ok,
            "error" => Status::Error {
                code: ErrorCode::InternalError,
                message,
            },
            other => Status::Error {
                code: ErrorCode::parse(other).ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidArgument,
                        Some("status"),
                        format!("{other:?} is not a Sentry status"),
                    )
                })?,
                message,
            },
        };
        self.span.with("span", |s| s.set_status(status))
    }

    /// Token counts as the contract defines them (input includes cached, output reasoning);
    /// the total is input + output unless given. Counts below zero are refused.
    pub fn record_usage(&self, usage: &Usage) -> Result<(), Error> {
        for (field, value) in usage.fields() {
            if value.is_some_and(|v| v < 0) {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    Some(field),
                    "token counts are never negative",
                ));
            }
        }
        self.span.with("span", |s| {
            if let Some(attrs) = s.attributes_mut() {
                usage.record(attrs);
            }
        })
    }

    pub fn end(&self) -> Result<(), Error> {
        self.span.take("span").map(Span::end)
    }
}

impl CallHandle {
    fn new(call: GenAiCall) -> Self {
        CallHandle {
            context: call.context(),
            call: Once::new(call),
        }
    }

    /// The call span's context (none when unsampled and nothing records).
    pub fn context(&self) -> Option<SpanContext> {
        self.context
    }

    pub fn is_ended(&self) -> bool {
        self.call.is_ended()
    }

    /// One stream event as received: SSE event name and data text.
    pub fn chunk(&self, event: Option<&str>, data: &str) -> Result<(), Error> {
        Ok(self.call.with("call", |c| c.chunk(event, data))??)
    }

    /// The stream's raw bytes as read off the wire (server-sent events, in any pieces).
    pub fn feed(&self, bytes: &[u8]) -> Result<(), Error> {
        Ok(self.call.with("call", |c| c.feed(bytes))??)
    }

    /// The same, for bytes the host kept and hands over now: they arrived `arrived_ago` (the
    /// first of them marks the time to first chunk then).
    pub fn feed_arrived(&self, bytes: &[u8], arrived_ago: Duration) -> Result<(), Error> {
        Ok(self.call.with("call", |c| {
            if c.is_recording() {
                c.mark_chunk_ago(arrived_ago);
            }
            c.feed(bytes)
        })??)
    }

    /// Ends the call with what a call handed over once it ended ended with (see
    /// `Client::call_done`): its response, read later, or its stream's bytes.
    fn end_with(&self, end: CallEnd) -> Result<(), Error> {
        if let CallEnd::Response(text) = end {
            return self.finish_later(text);
        }
        let fed = self.call.with("call", |c| c.read_end(end))?;
        self.finish_stream()?; // ended with what could be read
        Ok(fed?)
    }

    /// A chunk arrived that the host reads itself (normalized streams).
    pub fn mark_chunk(&self) -> Result<(), Error> {
        self.call.with("call", GenAiCall::mark_chunk)
    }

    pub fn finish(&self, response_json: &str) -> Result<(), Error> {
        Ok(self.call.take("call")?.finish(response_json)?)
    }

    /// Ends the call now and reads its response JSON later, on the flush thread when nothing
    /// needs the span before export (see `GenAiCall::finish_later`): the caller's thread only
    /// hands the text over. A response that cannot be read is not reported here.
    pub fn finish_later(&self, response_json: String) -> Result<(), Error> {
        self.call.take("call")?.finish_later(response_json);
        Ok(())
    }

    /// A provider call made inside this framework call takes this span over (one model call,
    /// one span): the wire request is read onto it and the provider layer finishes it. The
    /// spec's parent, content options and origin are not used (the framework's stay). The
    /// second value says why the request could not be read, as for `Client::call`.
    pub fn adopt(&self, spec: &CallSpec) -> Result<Option<Error>, Error> {
        let start = spec.start()?;
        Ok(self
            .call
            .with("call", |c| c.adopt_wire(start))?
            .err()
            .map(Error::from))
    }

    /// Ends a LangChain model run with its `LLMResult` as JSON. A call a provider call already
    /// ended (see `adopt`) is `AlreadyEnded`, which hosts may ignore.
    pub fn finish_langchain(&self, result: &str) -> Result<(), Error> {
        let result: serde_json::Value = spec_from_json("result", result)?;
        self.finish_normalized(langchain::model_response(&result))
    }

    /// Ends an AI SDK model call with its result as JSON (a stream's parts gathered into
    /// `doGenerate`'s result shape), read later as `finish_later` reads a response: a result
    /// that cannot be read leaves the span without it (said under `debug`).
    pub fn finish_aisdk(&self, result: String) -> Result<(), Error> {
        self.call
            .take("call")?
            .finish_normalized_later(result, |text| {
                let result: serde_json::Value = late_json("response", text)?;
                Ok(aisdk::model_response(&result))
            });
        Ok(())
    }

    pub fn finish_normalized(&self, response: NormalizedResponse) -> Result<(), Error> {
        self.call.take("call")?.finish_normalized(response);
        Ok(())
    }

    pub fn finish_stream(&self) -> Result<(), Error> {
        self.call.take("call")?.finish_stream();
        Ok(())
    }

    pub fn fail(&self, error: &FailSpec) -> Result<(), Error> {
        let call = self.call.take("call")?;
        Ok(call.fail(CallError {
            http_status: error.http_status,
            body: error.body.as_deref(),
            exception: error.exception.as_deref(),
            message: error.message.as_deref(),
        })?)
    }
}

impl RunHandle {
    fn new(run: AgentRun) -> Self {
        RunHandle {
            context: run.context(),
            run: Once::new(run),
        }
    }

    pub fn context(&self) -> SpanContext {
        self.context
    }

    pub fn is_ended(&self) -> bool {
        self.run.is_ended()
    }

    pub fn set_attribute(&self, key: impl Into<Str>, value: impl Into<Value>) -> Result<(), Error> {
        self.run
            .with("run", |r| r.span_mut().set_attribute(key, value))
    }

    /// A value the host could not turn into an attribute: counted, never stored.
    pub fn reject_attribute(&self, key: &str, why: &str) -> Result<(), Error> {
        self.run
            .with("run", |r| r.span_mut().reject_attribute(key, why))
    }

    /// An agent's output messages (recorded when outputs are).
    pub fn set_output(&self, messages: Vec<Message>) -> Result<(), Error> {
        self.run.with("run", |r| r.set_output(messages))
    }

    /// A tool's result (recorded when outputs are): JSON when it parses, else the text as
    /// it came.
    pub fn set_result(&self, result: &str) -> Result<(), Error> {
        let value = serde_json::from_str(result)
            .unwrap_or_else(|_| serde_json::Value::String(result.to_owned()));
        self.run.with("run", |r| r.set_result(value))
    }

    pub fn end(&self) -> Result<(), Error> {
        self.run.take("run").map(AgentRun::end)
    }

    /// A LangChain agent's input (its chain inputs as JSON), recorded when inputs are.
    pub fn set_langchain_input(&self, inputs: &str) -> Result<(), Error> {
        let inputs: serde_json::Value = spec_from_json("inputs", inputs)?;
        self.run
            .with("run", |r| r.set_input(langchain::chain_messages(&inputs)))
    }

    /// Ends a LangChain agent run with its chain outputs as JSON (the last message is the
    /// agent's output, recorded when outputs are).
    pub fn end_langchain_agent(&self, outputs: &str) -> Result<(), Error> {
        let outputs: serde_json::Value = spec_from_json("outputs", outputs)?;
        self.set_output(langchain::agent_output(&outputs))?;
        self.end()
    }

    /// Ends a LangChain tool run with its output as JSON (a `ToolMessage` or the value).
    pub fn end_langchain_tool(&self, output: &str) -> Result<(), Error> {
        let output: serde_json::Value = spec_from_json("output", output)?;
        let result = match langchain::tool_result(&output) {
            serde_json::Value::String(text) => text,
            other => other.to_string(),
        };
        self.set_result(&result)?;
        self.end()
    }

    /// Ends an AI SDK run with its result as JSON (`text`, or `object`, and `finishReason`):
    /// the agent's output, recorded when outputs are.
    pub fn end_aisdk_run(&self, output: &str) -> Result<(), Error> {
        let output: serde_json::Value = spec_from_json("output", output)?;
        self.set_output(aisdk::agent_output(&output))?;
        self.end()
    }

    pub fn fail(&self, error_type: &str, message: Option<&str>) -> Result<(), Error> {
        self.run.take("run").map(|r| r.fail(error_type, message))
    }
}

/// The span a `before_send_span` hook sees, as JSON (for hosts that hand the hook an object):
/// name, op, origin, ids, status and typed attributes.
pub fn span_view(span: &SpanData) -> serde_json::Value {
    let attributes = attributes_json(&span.attributes);
    serde_json::json!({
        "name": span.name.as_ref(),
        "op": span.op.as_deref(),
        "origin": span.origin.as_ref(),
        "traceId": span.trace_id.to_hex(),
        "spanId": span.span_id.to_hex(),
        "parentSpanId": span.parent_span_id.map(|p| p.to_hex()),
        "status": span.status.as_str(),
        "attributes": attributes,
    })
}

/// The context of a span another tracer keeps (an OpenTelemetry span), from its hex ids:
/// `segment_id` is the local root it belongs to when llmtel records that tracer's spans too;
/// without one the span is treated as remote, and a child of it is a local root.
pub fn foreign_context(
    trace_id: &str,
    span_id: &str,
    sampled: bool,
    segment_id: Option<&str>,
) -> Result<SpanContext, Error> {
    let invalid = |field: &str, text: &str| {
        Error::new(
            ErrorKind::InvalidArgument,
            Some(field),
            format!("{text:?} is not a hex id"),
        )
    };
    let trace = TraceId::from_hex(trace_id).ok_or_else(|| invalid("trace_id", trace_id))?;
    let span = SpanId::from_hex(span_id).ok_or_else(|| invalid("span_id", span_id))?;
    let segment = segment_id
        .map(|s| SpanId::from_hex(s).ok_or_else(|| invalid("segment_id", s)))
        .transpose()?;
    Ok(SpanContext {
        trace_id: trace,
        span_id: span,
        segment_id: segment.unwrap_or(span),
        sampled,
        remote: segment.is_none(),
        agent: None,
    })
}

/// What a `traces_sampler` hook sees, as JSON, in Sentry's shape: name, op, attributes and
/// `parentSampled` (absent for a new trace or a deferred decision).
pub fn sampling_view(context: &crate::SamplingContext<'_>) -> serde_json::Value {
    let mut view = serde_json::json!({
        "name": context.name,
        "attributes": attributes_json(context.attributes),
    });
    if let Some(op) = context.op {
        view["op"] = op.into();
    }
    if let Some(parent) = context.parent_sampled {
        view["parentSampled"] = parent.into();
    }
    view
}

/// Attributes as a JSON object of plain values (what hooks see).
fn attributes_json(attributes: &Attributes) -> serde_json::Map<String, serde_json::Value> {
    attributes
        .iter()
        .map(|(k, v)| (k.to_owned(), json_of(v)))
        .collect()
}

/// An attribute as plain JSON, as the spool and Sentry write it (non-finite doubles as null).
fn json_of(value: &Value) -> serde_json::Value {
    serde_json::to_value(crate::export::values::PlainValue(value))
        .unwrap_or(serde_json::Value::Null)
}

/// Takes back the name, op and attributes a hook returned. A number keeps the type the
/// attribute had (JSON cannot tell `1.0` from `1`); a new whole number is an integer. Values
/// JSON cannot carry as an attribute (objects, mixed arrays) are left out, and a view without
/// `attributes` (the hook deleted them) leaves the span none.
pub fn apply_span_view(span: &mut SpanData, view: &serde_json::Value) -> SpanFate {
    let Some(view) = view.as_object() else {
        return SpanFate::Drop;
    };
    if let Some(name) = view.get("name").and_then(|n| n.as_str()) {
        span.name = name.to_owned().into();
    }
    match view.get("op") {
        Some(serde_json::Value::String(op)) => span.op = Some(op.clone().into()),
        Some(serde_json::Value::Null) => span.op = None,
        _ => {}
    }
    // A hook that deleted (or nulled) the attributes meant none.
    let empty = serde_json::Map::new();
    let attrs = view
        .get("attributes")
        .and_then(|a| a.as_object())
        .unwrap_or(&empty);
    let mut fresh = Attributes::with_capacity(attrs.len());
    for (key, value) in attrs {
        let was = span.attributes.get(key);
        if let Some(value) = value_of(value, was) {
            fresh.set(key.clone(), value);
        }
    }
    span.attributes = fresh;
    SpanFate::Keep
}

fn value_of(json: &serde_json::Value, was: Option<&Value>) -> Option<Value> {
    use serde_json::Value as J;
    let doubles = matches!(was, Some(Value::Double(_) | Value::DoubleArray(_)));
    Some(match json {
        J::String(s) => Value::from(s.clone()),
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) if doubles => Value::Double(n.as_f64()?),
        J::Number(n) => n
            .as_i64()
            .map(Value::Int)
            .or(n.as_f64().map(Value::Double))?,
        J::Array(items) if items.iter().all(J::is_string) => Value::StringArray(
            items
                .iter()
                .filter_map(|i| i.as_str().map(|s| Str::Owned(s.to_owned())))
                .collect(),
        ),
        J::Array(items) if items.iter().all(J::is_boolean) && !items.is_empty() => {
            Value::BoolArray(items.iter().filter_map(J::as_bool).collect())
        }
        J::Array(items) if !doubles && items.iter().all(J::is_i64) => {
            Value::IntArray(items.iter().filter_map(J::as_i64).collect())
        }
        J::Array(items) if items.iter().all(J::is_number) => {
            Value::DoubleArray(items.iter().filter_map(J::as_f64).collect())
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_spec_is_read_from_json_and_refuses_fields_it_does_not_have() {
        let spec: CallSpec = spec_from_json(
            "call",
            r#"{"provider": "openai", "api": "chat_completions", "request": "{}",
                "server_address": "api.openai.com", "server_port": 443, "record_inputs": true,
                "record_outputs": false, "stream": true, "origin": "auto.ai.openai",
                "conversation_id": null, "scope": [["user.id", "u1"]]}"#,
        )
        .unwrap();
        assert_eq!(
            (
                spec.provider.as_str(),
                spec.api.as_str(),
                spec.request.as_str()
            ),
            ("openai", "chat_completions", "{}")
        );
        assert_eq!(
            (spec.server_address.as_deref(), spec.server_port),
            (Some("api.openai.com"), Some(443))
        );
        assert_eq!(
            (spec.record_inputs, spec.record_outputs, spec.stream),
            (true, false, true)
        );
        assert_eq!(
            (spec.origin.as_deref(), spec.conversation_id),
            (Some("auto.ai.openai"), None)
        );
        assert_eq!(spec.scope, [("user.id".to_owned(), "u1".to_owned())]);
        let defaults: CallSpec = spec_from_json("call", "{}").unwrap();
        assert!(defaults.provider.is_empty() && !defaults.stream && defaults.scope.is_empty());
        for (json, says) in [
            (
                r#"{"provider": "openai", "parent": 1}"#,
                "unknown field `parent`, expected one of `provider`",
            ),
            (r#"{"server_port": 70000}"#, "u16"),
            (
                r#"{"provider": null}"#,
                "invalid type: null, expected a string",
            ),
            (r#"["openai"]"#, "expected struct CallSpec"),
        ] {
            let e = spec_from_json::<CallSpec>("call", json).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("call"));
            assert!(e.reason.contains(says), "{json}: {}", e.reason);
        }
    }

    #[test]
    fn a_hook_round_trip_through_json_keeps_doubles_doubles() {
        let mut span = SpanData::for_tests("chat");
        span.attributes.set("gen_ai.request.temperature", 1.0);
        span.attributes.set("gen_ai.usage.input_tokens", 5i64);
        span.attributes.set("scores", vec![1.0, 2.0]);
        let text = span_view(&span).to_string();
        // What JavaScript's JSON.parse + JSON.stringify gives back: 1.0 becomes 1.
        let back: serde_json::Value =
            serde_json::from_str(&text.replace("1.0", "1").replace("2.0", "2")).unwrap();
        assert_eq!(apply_span_view(&mut span, &back), SpanFate::Keep);
        assert_eq!(
            span.attributes.get("gen_ai.request.temperature"),
            Some(&Value::Double(1.0))
        );
        assert_eq!(
            span.attributes.get("gen_ai.usage.input_tokens"),
            Some(&Value::Int(5))
        );
        assert_eq!(
            span.attributes.get("scores"),
            Some(&Value::DoubleArray(vec![1.0, 2.0]))
        );
        assert_eq!(
            apply_span_view(&mut span, &serde_json::json!("drop")),
            SpanFate::Drop
        );
    }

    #[test]
    fn error_kinds_keep_their_numbers_and_names() {
        let numbers: Vec<(u32, &str)> = ErrorKind::ALL
            .iter()
            .map(|k| (k.number(), k.as_str()))
            .collect();
        assert_eq!(
            numbers,
            [
                (3, "invalid_option"),
                (4, "timeout"),
                (5, "already_ended"),
                (6, "malformed_json"),
                (7, "unknown_provider"),
                (8, "unknown_api"),
                (9, "invalid_argument"),
                (11, "closed"),
                (99, "panic"),
            ]
        );
        let e = Error::from(ConfigError::new("dsn", "no public key"));
        assert_eq!(e.to_string(), "invalid option `dsn`: no public key");
        assert_eq!(e.code(), "invalid_option");
    }
}
