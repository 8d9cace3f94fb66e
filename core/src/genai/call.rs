//! One GenAI call's life: begun from the provider's request JSON (or from a request a framework
//! already normalized), fed stream chunks, finished with the response (or failed), and written
//! onto its span from the neutral outcome. Wire and normalized calls share every rule after the
//! request: content gating, scrubbing, capping, usage, cost, timing, status.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::content;
use super::cost::Cost;
use super::normalized::{NormalizedRequest, NormalizedResponse};
use super::wire::{ErrorObject, Wire};
use super::{
    Api, CallError, CallStart, ContentPolicy, Failure, GenAiSettings, MapContext, MappingError,
    Outcome, Provider, RequestFacts, StreamState, Usage, code_for_error_type, code_for_http_status,
    parse,
};
use crate::keys as k;
use crate::span::{Attributes, ErrorCode, SpanContext, SpanData, SpanKind, Status, Str};
use crate::{Client, Span, SpanStart};

/// A GenAI call being recorded. Dropping it without `finish`, `finish_stream` or `fail` ends
/// the span with what was gathered so far.
pub struct GenAiCall {
    span: Option<Span>,
    /// The provider's wire format and API; `None` for a normalized call.
    wire: Option<(&'static Wire, Api)>,
    /// Whose error bodies a normalized call's failures carry, when its provider is one llmtel
    /// knows (a framework hands over the provider's own error body).
    errors: Option<&'static Wire>,
    operation: Str,
    content: ContentPolicy,
    settings: Arc<GenAiSettings>,
    started: crate::clock::Stopwatch,
    first_chunk: Option<Duration>,
    streamed: bool,
    request_model: Option<String>,
    outcome: Outcome,
    stream: StreamState,
    /// Server-sent events being read from raw bytes (`feed`).
    sse: super::sse::Decoder,
}

/// Where a call sits and what it may record, for calls begun from normalized input.
#[derive(Clone, Debug, Default)]
pub struct CallPlacement {
    pub parent: Option<SpanContext>,
    pub content: ContentPolicy,
    /// The integration's origin (`auto.ai.langchain`, …); `manual` when unset.
    pub origin: Option<Str>,
    /// The host's scope: attributes every span started in it carries (see `SpanStart::scope`).
    pub scope: Vec<(String, String)>,
    /// How long ago the span started, when the host timed its start and hands it over later
    /// (see `CallStart::started_ago`); else it starts now.
    pub started_ago: Option<Duration>,
}

impl CallPlacement {
    /// The wall time the span started at, when the host timed it.
    pub(crate) fn start_time_unix_nano(&self) -> Option<u64> {
        self.started_ago
            .map(|ago| crate::span::now_unix_nano().saturating_sub(nanos(ago)))
    }
}

/// The agent above a call and the sums it goes on, for a call completed on the flush thread.
type UsageSink = Option<(crate::span::SpanId, Arc<crate::rollup::Rollups>)>;

fn usage_sink(span: &Span) -> UsageSink {
    span.usage_sink()
        .map(|(agent, rollups)| (agent, rollups.clone()))
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// What a call handed over once it ended reads onto its span later (see `done_later`).
type ReadDone = Box<dyn FnOnce(&mut GenAiCall, Span) -> Result<(), MappingError> + Send>;
/// A framework's request, read later (see `normalized_call_done`).
pub(crate) type ReadRequest = Box<dyn FnOnce() -> Result<NormalizedRequest, MappingError> + Send>;
/// What a call ended with, read later onto its outcome (see `normalized_call_done`).
pub(crate) type ReadResponse = Box<dyn FnOnce(&mut GenAiCall) -> Result<(), MappingError> + Send>;

/// How a call handed over once it ended ended (see `Client::call_done`).
pub enum CallEnd {
    /// Its response body (a call that did not stream).
    Response(String),
    /// A stream's bytes as they came off the wire, all of them, and when the first arrived
    /// after the call started (none when no byte did).
    Stream {
        body: Vec<u8>,
        first_chunk_after: Option<Duration>,
    },
}

/// A provider call's wire request, owned (read later by `wire_call_done`, or taken over by a
/// framework call in `normalized_call_done`).
pub(crate) struct WireRequest {
    pub provider: Provider,
    pub api: Api,
    pub request: String,
    pub server_address: Option<String>,
    pub server_port: Option<u16>,
    pub conversation_id: Option<String>,
    pub stream: bool,
}

impl WireRequest {
    fn start(&self) -> CallStart<'_> {
        let mut start = CallStart::new(self.provider, self.api, &self.request);
        start.server_address = self.server_address.as_deref();
        start.server_port = self.server_port;
        start.conversation_id = self.conversation_id.as_deref();
        start.stream = self.stream;
        start
    }
}

impl Client {
    /// Starts a GenAI call span with the request's attributes, read from the provider's
    /// request JSON. The call exists even when the request could not be read.
    pub fn begin_genai_call(&self, start: CallStart<'_>) -> (GenAiCall, Result<(), MappingError>) {
        let wire = start.provider.wire();
        let operation = Str::Borrowed(start.api.operation());
        let origin = start.origin.clone().unwrap_or(Str::Borrowed(wire.origin));
        let (mut call, mut span) = self.open_call(
            operation,
            start.provider.name().into(),
            origin,
            start.parent,
            start.content,
            start.scope,
        );
        if let Some(ago) = start.started_ago {
            call.started_earlier(&mut span, ago);
        }
        let result = call.read_wire_request(span, &start);
        (call, result)
    }

    /// Starts a GenAI call from a request a framework already normalized (model, messages,
    /// parameters); the provider is named as the framework knows it.
    pub fn begin_normalized_call(
        &self,
        request: NormalizedRequest,
        placement: CallPlacement,
    ) -> GenAiCall {
        let operation: Str = request
            .operation
            .clone()
            .filter(|o| !o.is_empty())
            .map_or(Str::Borrowed("chat"), Str::Owned);
        let origin = placement.origin.unwrap_or(Str::Borrowed("manual"));
        let provider = request.provider.clone().unwrap_or_else(|| "unknown".into());
        let errors = Provider::parse(&provider).map(Provider::wire);
        let (mut call, mut span) = self.open_call(
            operation,
            provider.into(),
            origin,
            placement.parent,
            placement.content,
            &placement.scope,
        );
        call.errors = errors;
        if let Some(ago) = placement.started_ago {
            call.started_earlier(&mut span, ago);
        }
        call.read_normalized_request(span, request);
        call
    }

    /// A provider call handed over once it ended, with its response (see `Client::call_done`):
    /// its span opens and ends now, and the request and the response are read onto it where
    /// `finish_later` reads a response. Only where `maps_later`.
    pub(crate) fn wire_call_done(&self, wire: WireRequest, placement: CallPlacement, end: CallEnd) {
        let operation = Str::Borrowed(wire.api.operation());
        let provider = Str::Borrowed(wire.provider.name());
        let origin = placement
            .origin
            .clone()
            .unwrap_or(Str::Borrowed(wire.provider.wire().origin));
        self.done_later(
            [operation, provider, origin],
            placement,
            Box::new(move |call, span| {
                let request = call.read_wire_request(span, &wire.start());
                let end = call.read_end(end);
                request.and(end)
            }),
        );
    }

    /// A framework's model call handed over once it ended (see `Client::call_done`): `request`
    /// reads its normalized request, `adopted` is the provider call that took it over, if any,
    /// and `response` reads what it ended with onto the call's outcome. Only where
    /// `maps_later`.
    pub(crate) fn normalized_call_done(
        &self,
        placement: CallPlacement,
        request: ReadRequest,
        adopted: Option<WireRequest>,
        response: ReadResponse,
    ) {
        let origin = placement.origin.clone().unwrap_or(Str::Borrowed("manual"));
        // The operation and provider are the request's, read later; these hold their place.
        let opening = [Str::Borrowed("chat"), Str::Borrowed("unknown"), origin];
        self.done_later(
            opening,
            placement,
            Box::new(move |call, span| {
                let (request, read) = match request() {
                    Ok(request) => (request, Ok(())),
                    Err(problem) => (NormalizedRequest::default(), Err(problem)),
                };
                call.read_normalized_request(span, request);
                let adopt = adopted.map_or(Ok(()), |wire| call.adopt_wire(wire.start()));
                let response = response(call);
                read.and(adopt).and(response)
            }),
        );
    }

    /// Opens a call's span (ids, parent, sampling, timing: what must be decided on the
    /// caller's thread) with `[operation, provider, origin]`, ends it at once, and has `read`
    /// write the rest where `finish_later` reads a response: on the flush thread, onto the span
    /// detached from the pipeline, then the outcome as `end` writes it. `read` must leave the
    /// span in the call (`read_wire_request` and `read_normalized_request` do).
    fn done_later(
        &self,
        [operation, provider, origin]: [Str; 3],
        placement: CallPlacement,
        read: ReadDone,
    ) {
        let (mut call, mut span) = self.open_call(
            operation,
            provider,
            origin,
            placement.parent,
            placement.content,
            &placement.scope,
        );
        if let Some(ago) = placement.started_ago {
            call.started_earlier(&mut span, ago);
        }
        if !span.is_recording() {
            call.span = Some(span);
            return call.end(None);
        }
        let elapsed = call.started.elapsed();
        let usage_sink = usage_sink(&span);
        let context = span.context();
        span.end_later(Box::new(move |data| {
            let result = read(&mut call, Span::detached(context, data.take()));
            if let Some(read) = call.span.take().and_then(Span::into_data) {
                *data = read;
            }
            call.complete_later(data, elapsed, usage_sink);
            result
        }));
    }

    fn open_call(
        &self,
        operation: Str,
        provider: Str,
        origin: Str,
        parent: Option<SpanContext>,
        content: ContentPolicy,
        scope: &[(String, String)],
    ) -> (GenAiCall, Span) {
        let span = self.start_span(
            SpanStart::new(operation.clone())
                .scope(scope)
                .op(op_for(&operation))
                .origin(origin)
                .kind(SpanKind::Client)
                .parent_opt(parent)
                .attribute(k::GEN_AI_OPERATION_NAME, operation.clone())
                .attribute(k::GEN_AI_PROVIDER_NAME, provider),
        );
        let call = GenAiCall {
            span: None,
            wire: None,
            errors: None,
            operation,
            content,
            settings: self.genai_settings().clone(),
            started: crate::clock::Stopwatch::start(),
            first_chunk: None,
            streamed: false,
            request_model: None,
            outcome: Outcome::default(),
            stream: StreamState::default(),
            sse: Default::default(),
        };
        (call, span)
    }
}

fn server(attrs: &mut Attributes, address: Option<&str>, port: Option<u16>) {
    if let Some(address) = address.filter(|a| !a.is_empty()) {
        attrs.set(k::SERVER_ADDRESS, address.to_owned());
    }
    if let Some(port) = port {
        attrs.set(k::SERVER_PORT, i64::from(port));
    }
}

pub(crate) fn op_for(operation: &str) -> Str {
    match operation {
        "chat" => Str::Borrowed("gen_ai.chat"),
        "embeddings" => Str::Borrowed("gen_ai.embeddings"),
        "generate_content" => Str::Borrowed("gen_ai.generate_content"),
        "text_completion" => Str::Borrowed("gen_ai.text_completion"),
        other => Str::Owned(format!("gen_ai.{other}")),
    }
}

fn span_name(operation: &str, request_model: Option<&str>, response_model: Option<&str>) -> String {
    let model = request_model.or(response_model).unwrap_or("unknown");
    format!("{operation} {model}")
}

impl GenAiCall {
    /// Moves the start of a call just opened (its span's and its stopwatch's) `ago` back.
    fn started_earlier(&mut self, span: &mut Span, ago: Duration) {
        self.started = crate::clock::Stopwatch::started_ago(ago);
        if let Some(data) = span.data_mut() {
            data.start_time_unix_nano = data.start_time_unix_nano.saturating_sub(nanos(ago));
        }
    }

    /// Writes the outcome onto a span completed later (see `finish_later`), and the call's usage
    /// onto the agent above, if any.
    fn complete_later(&mut self, data: &mut SpanData, elapsed: Duration, usage_sink: UsageSink) {
        let failure = self.outcome.error.take();
        let (usage, cost) = self.apply(data, failure, elapsed);
        if let Some((agent, rollups)) = usage_sink {
            rollups.add(agent, &usage, cost);
        }
    }

    fn ctx(&self) -> MapContext<'_> {
        MapContext {
            content: self.content,
            settings: &self.settings,
        }
    }

    /// What every call sets once its request is read: conversation, stream flag, name.
    fn settle_request(&mut self, mut span: Span, request: RequestFacts, stream: bool) {
        if let Some(id) = &request.conversation_id {
            span.set_attribute(k::GEN_AI_CONVERSATION_ID, id.clone());
        }
        if request.stream || stream {
            self.streamed = true;
            span.set_attribute(k::GEN_AI_REQUEST_STREAM, true);
        }
        span.set_name(span_name(&self.operation, request.model.as_deref(), None));
        self.request_model = request.model;
        self.span = Some(span);
    }

    /// A provider call made inside this framework call (LangChain's `ChatOpenAI` calling the
    /// OpenAI SDK): the provider's wire request is read onto this span, which takes the
    /// provider's name and detail, and the provider layer goes on with this call (chunks,
    /// finish, fail) as with its own. One model call, one span. The call keeps its origin and
    /// content policy (the framework's); a call already adopted is left as it is.
    pub fn adopt_wire(&mut self, start: CallStart<'_>) -> Result<(), MappingError> {
        if self.wire.is_some() {
            return Err(MappingError {
                what: "adopt",
                reason: "this call already follows a provider request".into(),
            });
        }
        self.operation = Str::Borrowed(start.api.operation());
        let Some(mut span) = self.span.take() else {
            self.wire = Some((start.provider.wire(), start.api));
            return Ok(());
        };
        span.set_op(op_for(&self.operation));
        span.set_attribute(k::GEN_AI_OPERATION_NAME, self.operation.clone());
        span.set_attribute(k::GEN_AI_PROVIDER_NAME, start.provider.name());
        self.read_wire_request(span, &start)
    }

    /// Reads a framework's normalized request onto the span (operation, provider, server,
    /// request attributes, content) and settles it.
    fn read_normalized_request(&mut self, mut span: Span, request: NormalizedRequest) {
        self.operation = request
            .operation
            .clone()
            .filter(|o| !o.is_empty())
            .map_or(Str::Borrowed("chat"), Str::Owned);
        let provider = request.provider.clone().unwrap_or_else(|| "unknown".into());
        self.errors = Provider::parse(&provider).map(Provider::wire);
        span.set_op(op_for(&self.operation));
        span.set_attribute(k::GEN_AI_OPERATION_NAME, self.operation.clone());
        span.set_attribute(k::GEN_AI_PROVIDER_NAME, provider);
        let Some(attrs) = span.attributes_mut() else {
            self.span = Some(span);
            return;
        };
        server(
            attrs,
            request.server_address.as_deref(),
            request.server_port,
        );
        let stream = request.stream;
        let facts = request.record(attrs, &self.ctx());
        self.settle_request(span, facts, stream);
    }

    /// Reads the provider's (non-streamed) response onto the call's outcome.
    pub(crate) fn read_wire_response(&mut self, response_json: &str) -> Result<(), MappingError> {
        let Some((wire, api)) = self.wire else {
            return Ok(());
        };
        let ctx = MapContext {
            content: self.content,
            settings: &self.settings,
        };
        (wire.map_response)(api, response_json, &mut self.outcome, &ctx)
    }

    /// Reads the provider's wire request onto the span (server, request attributes, content)
    /// and settles it; from now on the call maps the provider's chunks and response.
    fn read_wire_request(
        &mut self,
        mut span: Span,
        start: &CallStart<'_>,
    ) -> Result<(), MappingError> {
        let wire = start.provider.wire();
        self.wire = Some((wire, start.api));
        let Some(attrs) = span.attributes_mut() else {
            self.span = Some(span);
            return Ok(());
        };
        server(attrs, start.server_address, start.server_port);
        let mut request = RequestFacts::default();
        let result = (wire.map_request)(
            start.api,
            start.request_json,
            attrs,
            &mut request,
            &self.ctx(),
        );
        if request.conversation_id.is_none() {
            request.conversation_id = start
                .conversation_id
                .filter(|c| !c.is_empty())
                .map(str::to_owned);
        }
        if request.model.is_none() {
            // A framework call adopted by a request without a model keeps the framework's.
            request.model = self.request_model.take();
        }
        self.settle_request(span, request, start.stream);
        result
    }

    /// The span's context, for children (tool calls made inside the call).
    pub fn context(&self) -> Option<SpanContext> {
        self.span.as_ref().map(Span::context)
    }

    pub fn is_recording(&self) -> bool {
        self.span.as_ref().is_some_and(Span::is_recording)
    }

    /// Notes that a chunk arrived (time to first chunk) without mapping it: for normalized
    /// calls, whose host reads the stream itself.
    pub fn mark_chunk(&mut self) {
        self.mark_chunk_after(self.started.elapsed());
    }

    /// The same, for a chunk the host kept and hands over later: it arrived `after` the call
    /// started.
    pub fn mark_chunk_after(&mut self, after: Duration) {
        if self.first_chunk.is_none() {
            self.first_chunk = Some(after);
        }
        self.streamed = true;
    }

    /// The same, for a chunk that arrived `ago`.
    pub fn mark_chunk_ago(&mut self, ago: Duration) {
        self.mark_chunk_after(self.started.elapsed().saturating_sub(ago));
    }

    /// Reads what a call handed over once it ended ended with (see `Client::call_done`).
    pub(crate) fn read_end(&mut self, end: CallEnd) -> Result<(), MappingError> {
        match end {
            CallEnd::Response(text) => self.read_wire_response(&text),
            CallEnd::Stream {
                body,
                first_chunk_after,
            } => {
                if let Some(after) = first_chunk_after {
                    self.mark_chunk_after(after);
                }
                if body.is_empty() {
                    return Ok(());
                }
                self.feed(&body)
            }
        }
    }

    /// Feeds one stream event as received: `event` is the SSE event name when there is one,
    /// `data` its data text.
    pub fn chunk(&mut self, event: Option<&str>, data: &str) -> Result<(), MappingError> {
        if !self.is_recording() {
            return Ok(());
        }
        self.mark_chunk();
        let data = data.trim();
        if data.is_empty() || data == "[DONE]" {
            return Ok(());
        }
        let Some((wire, api)) = self.wire else {
            return Err(MappingError {
                what: "chunk",
                reason: "a normalized call takes its result through finish_normalized".into(),
            });
        };
        let ctx = MapContext {
            content: self.content,
            settings: &self.settings,
        };
        (wire.map_chunk)(api, event, data, &mut self.outcome, &mut self.stream, &ctx)
    }

    /// Feeds the stream's bytes as they came off the wire, in any pieces: the core reads the
    /// server-sent events out of them and maps each as `chunk` does. The first event that
    /// cannot be read is reported; the others still count.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<(), MappingError> {
        if !self.is_recording() {
            return Ok(());
        }
        self.mark_chunk();
        let mut decoder = std::mem::take(&mut self.sse);
        let mut result = Ok(());
        decoder.feed(bytes, |event| {
            let fed = self.chunk(event.name, event.data);
            if result.is_ok() {
                result = fed;
            }
        });
        self.sse = decoder;
        result
    }

    /// Ends the call with its (non-streamed) response JSON.
    pub fn finish(mut self, response_json: &str) -> Result<(), MappingError> {
        let result = match self.wire {
            _ if !self.is_recording() => Ok(()),
            Some((wire, api)) => {
                let ctx = MapContext {
                    content: self.content,
                    settings: &self.settings,
                };
                (wire.map_response)(api, response_json, &mut self.outcome, &ctx)
            }
            None => Err(MappingError {
                what: "response",
                reason: "a normalized call takes its result through finish_normalized".into(),
            }),
        };
        self.end(None);
        result
    }

    /// Ends the call with a result the host already normalized.
    pub fn finish_normalized(mut self, response: NormalizedResponse) {
        if self.is_recording() {
            response.into_outcome(&mut self.outcome);
        }
        self.end(None);
    }

    /// Reads a framework's normalized response onto the call's outcome (a call ended later).
    pub(crate) fn read_normalized_response(&mut self, response: NormalizedResponse) {
        response.into_outcome(&mut self.outcome);
    }

    /// Ends a normalized call with a result `read` maps from its JSON text later, where
    /// `finish_later` reads a provider's response (on the flush thread when nothing needs the
    /// span before it is exported): the caller's thread hands the text over. A result that
    /// cannot be read leaves the span without it (said under `debug`).
    pub fn finish_normalized_later(
        mut self,
        text: String,
        read: fn(&str) -> Result<NormalizedResponse, MappingError>,
    ) {
        let Some(span) = self.span.take() else {
            return;
        };
        if !span.is_recording() {
            self.span = Some(span);
            return self.end(None);
        }
        let elapsed = self.started.elapsed();
        let usage_sink = usage_sink(&span);
        span.end_later(Box::new(move |data| {
            let result = read(&text).map(|response| response.into_outcome(&mut self.outcome));
            self.complete_later(data, elapsed, usage_sink);
            result
        }));
    }

    /// Ends a streamed call: exhausted, stopped early by the consumer, or collected unread.
    pub fn finish_stream(mut self) {
        self.end(None);
    }

    /// Ends the call as failed. A stream that errors part-way keeps what it gathered.
    pub fn fail(mut self, error: CallError<'_>) -> Result<(), MappingError> {
        let (failure, result) = classify(self.wire.map(|(w, _)| w).or(self.errors), &error);
        self.end(Some(failure));
        result
    }

    /// Ends the call with its (non-streamed) response JSON, read later: on the flush thread
    /// when nothing needs the span's attributes before it is exported (no `before_send_span`
    /// hook, a native pipeline), at once otherwise. The span's timing is taken now; an agent
    /// above gets the call's usage where the response is read, before its own sums are
    /// written (see `Span::finish`). A response that cannot be read leaves the span without
    /// what it would have given, as `finish` does; the reason is not returned but printed
    /// under `debug`.
    pub fn finish_later(mut self, response_json: String) {
        let Some(span) = self.span.take() else {
            return;
        };
        // Read at once for a normalized call or an unsampled one.
        if self.wire.is_none() || !span.is_recording() {
            self.span = Some(span);
            let _ = self.finish(&response_json);
            return;
        }
        let elapsed = self.started.elapsed();
        let usage_sink = usage_sink(&span);
        span.end_later(Box::new(move |data| {
            let result = self.read_wire_response(&response_json);
            self.complete_later(data, elapsed, usage_sink);
            result
        }));
    }

    fn end(&mut self, failure: Option<Failure>) {
        let Some(mut span) = self.span.take() else {
            return;
        };
        let elapsed = self.started.elapsed();
        if let Some(data) = span.data_mut() {
            let failure = failure.or_else(|| self.outcome.error.take());
            let (usage, cost) = self.apply(data, failure, elapsed);
            span.report_usage(&usage, cost);
        }
        span.end();
    }

    /// Writes the outcome onto the span's data (the call took `elapsed`); returns the usage
    /// and cost for the agent above, if any.
    fn apply(
        &mut self,
        data: &mut SpanData,
        failure: Option<Failure>,
        elapsed: Duration,
    ) -> (Usage, Option<Cost>) {
        let outcome = &mut self.outcome;
        if self.request_model.is_none()
            && let Some(model) = &outcome.model
        {
            data.name = span_name(&self.operation, None, Some(model)).into();
        }
        let usage = outcome.usage;
        let believed = usage.believed();
        // The response's model names the price; a versioned one the table lacks
        // (`gemini-2.5-flash-001`) falls back to the model asked for.
        // A call with an unbelievable count gets no cost: a partial one would mislead.
        let prices = &self.settings.prices;
        let cost = (outcome.model.as_deref())
            .filter(|_| believed == usage)
            .and_then(|m| prices.cost(m, &believed))
            .or_else(|| {
                (self.request_model.as_deref())
                    .filter(|_| believed == usage)
                    .and_then(|m| prices.cost(m, &believed))
            });
        let attrs = &mut data.attributes;
        if let Some(id) = outcome.id.take() {
            attrs.set(k::GEN_AI_RESPONSE_ID, id);
        }
        if let Some(model) = &outcome.model {
            attrs.set(k::GEN_AI_RESPONSE_MODEL, model.clone());
        }
        let reasons: Vec<String> = outcome
            .choices
            .iter()
            .filter_map(|c| c.finish_reason.clone())
            .collect();
        if !reasons.is_empty() {
            attrs.set(k::GEN_AI_RESPONSE_FINISH_REASONS, reasons);
        }
        if let Some(conversation) = outcome.conversation_id.take() {
            attrs.set(k::GEN_AI_CONVERSATION_ID, conversation);
        }
        if let Some(fp) = outcome.system_fingerprint.take() {
            attrs.set(k::OPENAI_RESPONSE_SYSTEM_FINGERPRINT, fp);
        }
        if let Some(tier) = outcome.service_tier.take() {
            attrs.set(k::OPENAI_RESPONSE_SERVICE_TIER, tier);
        }
        if let Some(dims) = outcome.embedding_dims {
            attrs.set(k::GEN_AI_EMBEDDINGS_DIMENSION_COUNT, dims);
        }
        for (key, value) in outcome.extra.drain(..) {
            attrs.set(key, value);
        }
        usage.record(attrs);
        if let Some(cost) = cost {
            cost.record(attrs);
        }

        if self.streamed
            && let Some(first) = self.first_chunk
        {
            attrs.set(k::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, first.as_secs_f64());
        }
        if let Some(output) = usage.output.filter(|o| *o > 0)
            && elapsed.as_secs_f64() > 0.0
        {
            attrs.set(
                k::GEN_AI_RESPONSE_TOKENS_PER_SECOND,
                output as f64 / elapsed.as_secs_f64(),
            );
        }

        if self.content.record_outputs && !outcome.choices.is_empty() {
            let messages = content::output_messages(std::mem::take(&mut outcome.choices));
            content::record_outputs(attrs, messages, &self.settings);
        }

        match failure {
            Some(f) => {
                attrs.set(k::ERROR_TYPE, f.error_type);
                // With inputs off, what a provider quotes back (the prompt) is not kept; the
                // privacy filter scrubs the rest of the message of secrets either way.
                let message = match f.message {
                    Some(m) if !self.content.record_inputs => {
                        Some(crate::scrub::without_quoted_passages(&m).into_owned())
                    }
                    m => m,
                };
                data.status = Status::Error {
                    code: f.code,
                    message,
                };
            }
            None => data.status = Status::Ok,
        }
        (believed, cost)
    }
}

impl Drop for GenAiCall {
    fn drop(&mut self) {
        self.end(None);
    }
}

/// Error type and status for a failed call: the provider's error code, else the HTTP status,
/// else the exception class.
fn classify(
    wire: Option<&'static Wire>,
    error: &CallError<'_>,
) -> (Failure, Result<(), MappingError>) {
    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Body<'a> {
        #[serde(borrow)]
        error: Option<ErrorObject<'a>>,
    }
    let mut result = Ok(());
    let body: Body<'_> = match error.body.map(str::trim).filter(|b| !b.is_empty()) {
        Some(text) => parse("error body", text).unwrap_or_else(|e| {
            result = Err(e);
            Body::default()
        }),
        None => Body::default(),
    };
    let err = body.error.unwrap_or_default();
    let provider_type = match wire {
        Some(wire) => (wire.error_type)(&err),
        // A framework's error body has no known shape: its type, else its code.
        None => err.kind.as_deref().map(str::to_owned).or_else(|| {
            err.code
                .as_ref()
                .and_then(|c| c.as_str())
                .map(str::to_owned)
        }),
    };
    let code = provider_type
        .as_deref()
        .and_then(code_for_error_type)
        .or_else(|| error.http_status.map(code_for_http_status))
        .unwrap_or(ErrorCode::InternalError);
    let error_type = provider_type
        .or_else(|| error.http_status.map(|s| s.to_string()))
        .or_else(|| error.exception.map(str::to_owned))
        .unwrap_or_else(|| "error".to_owned());
    let message = err
        .message
        .map(|m| m.into_owned())
        .or_else(|| error.message.map(str::to_owned));
    (
        Failure {
            code,
            error_type,
            message,
        },
        result,
    )
}
