//! GenAI calls to spans, once for every language: host layers hand over the request, the stream
//! chunks and the response (or the error) as JSON text; this module maps them to the span
//! contract in `shared/docs/conventions.md`. Request attributes are set at `begin`, everything
//! else when the call finishes. With content off, messages are never parsed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::keys as k;
use crate::span::{ErrorCode, SpanContext, SpanKind, Status, Str, Value};
use crate::{Client, Span, SpanStart};

mod anthropic;
pub mod content;
pub mod cost;
mod google;
mod openai;

pub use content::{ContentFormat, Message, Part};
pub use cost::{Price, PriceTable};

/// Who serves the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    OpenAi,
    AzureOpenAi,
    Anthropic,
    /// Google's Gemini API (generativelanguage.googleapis.com).
    Gemini,
    /// Google Cloud Vertex AI.
    VertexAi,
    /// A Google backend the host could not tell apart.
    Google,
}

impl Provider {
    /// `gen_ai.provider.name`.
    pub fn name(self) -> &'static str {
        match self {
            Provider::OpenAi => "openai",
            Provider::AzureOpenAi => "azure.ai.openai",
            Provider::Anthropic => "anthropic",
            Provider::Gemini => "gcp.gemini",
            Provider::VertexAi => "gcp.vertex_ai",
            Provider::Google => "gcp.gen_ai",
        }
    }

    /// Accepts our names and the contract's (`openai`, `azure.ai.openai`, `gcp.gemini`, …).
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "openai" => Provider::OpenAi,
            "azure" | "azure_openai" | "azure.ai.openai" => Provider::AzureOpenAi,
            "anthropic" => Provider::Anthropic,
            "gemini" | "gcp.gemini" => Provider::Gemini,
            "vertex" | "vertex_ai" | "gcp.vertex_ai" => Provider::VertexAi,
            "google" | "google_genai" | "gcp.gen_ai" => Provider::Google,
            _ => return None,
        })
    }

    fn origin(self) -> &'static str {
        match self {
            Provider::OpenAi | Provider::AzureOpenAi => "auto.ai.openai",
            Provider::Anthropic => "auto.ai.anthropic",
            Provider::Gemini | Provider::VertexAi | Provider::Google => "auto.ai.google_genai",
        }
    }
}

/// Which API of the provider was called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    /// OpenAI `chat.completions.create`.
    ChatCompletions,
    /// OpenAI `responses.create`.
    Responses,
    /// OpenAI `embeddings.create`.
    Embeddings,
    /// Anthropic `messages.create` / `messages.stream`.
    Messages,
    /// Anthropic `messages.countTokens`.
    CountTokens,
    /// Google `models.generateContent(Stream)`.
    GenerateContent,
    /// Google `chats.create(...).sendMessage(Stream)`.
    ChatSendMessage,
    /// Google `models.embedContent`.
    EmbedContent,
}

impl Api {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "chat_completions" | "chat.completions" => Api::ChatCompletions,
            "responses" => Api::Responses,
            "embeddings" => Api::Embeddings,
            "messages" => Api::Messages,
            "count_tokens" => Api::CountTokens,
            "generate_content" => Api::GenerateContent,
            "chat_send_message" | "send_message" => Api::ChatSendMessage,
            "embed_content" => Api::EmbedContent,
            _ => return None,
        })
    }

    /// `gen_ai.operation.name`.
    pub fn operation(self) -> &'static str {
        match self {
            Api::ChatCompletions | Api::Responses | Api::Messages | Api::ChatSendMessage => "chat",
            Api::Embeddings | Api::EmbedContent => "embeddings",
            Api::GenerateContent => "generate_content",
            Api::CountTokens => "count_tokens",
        }
    }
}

/// Whether this call may record prompts and responses (the host resolves `sendDefaultPii` and
/// the integration's `recordInputs` / `recordOutputs` into this).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ContentPolicy {
    pub record_inputs: bool,
    pub record_outputs: bool,
}

/// Client-wide settings the mapping reads (from the options).
#[derive(Clone, Debug)]
pub struct GenAiSettings {
    pub content_format: ContentFormat,
    /// Cap per content attribute in bytes; 0 means no cap.
    pub max_content_bytes: usize,
    /// Replace secrets found in recorded content by `[Filtered]`.
    pub scrub_secrets: bool,
    pub prices: Arc<PriceTable>,
}

impl Default for GenAiSettings {
    fn default() -> Self {
        GenAiSettings {
            content_format: ContentFormat::Json,
            max_content_bytes: 64 * 1024,
            scrub_secrets: true,
            prices: Arc::new(PriceTable::embedded().clone()),
        }
    }
}

/// Everything `begin` needs.
#[derive(Clone, Debug)]
pub struct CallStart<'a> {
    pub provider: Provider,
    pub api: Api,
    /// The request parameters as JSON text.
    pub request_json: &'a str,
    /// The client's base URL host and port.
    pub server_address: Option<&'a str>,
    pub server_port: Option<u16>,
    pub parent: Option<SpanContext>,
    pub content: ContentPolicy,
    /// The integration's origin when it is not the provider's (`auto.ai.langchain`, …).
    pub origin: Option<Str>,
    /// The user's `setConversationId`, used when the request names no conversation.
    pub conversation_id: Option<&'a str>,
    /// The host called a streaming method (Google's `*Stream`); requests that say `stream:
    /// true` are streams either way.
    pub stream: bool,
}

impl<'a> CallStart<'a> {
    pub fn new(provider: Provider, api: Api, request_json: &'a str) -> Self {
        CallStart {
            provider,
            api,
            request_json,
            server_address: None,
            server_port: None,
            parent: None,
            content: ContentPolicy::default(),
            origin: None,
            conversation_id: None,
            stream: false,
        }
    }
}

/// Input the mapping could not read. The call goes on; only that input is lost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappingError {
    /// `request`, `response`, `chunk` or `error body`.
    pub what: &'static str,
    pub reason: String,
}

impl std::fmt::Display for MappingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot read the {} JSON: {}", self.what, self.reason)
    }
}

impl std::error::Error for MappingError {}

/// A failed call as the host saw it.
#[derive(Clone, Copy, Debug, Default)]
pub struct CallError<'a> {
    pub http_status: Option<u16>,
    /// The provider's error body (JSON) when there was one.
    pub body: Option<&'a str>,
    /// The host's exception class name (`RateLimitError`, `APIConnectionError`, …).
    pub exception: Option<&'a str>,
    pub message: Option<&'a str>,
}

/// Token counts as the contract defines them: input includes cached, output includes reasoning.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub input: Option<i64>,
    pub output: Option<i64>,
    pub cache_read: Option<i64>,
    pub cache_creation: Option<i64>,
    pub reasoning: Option<i64>,
    /// The provider's own total, when it gives one.
    pub total: Option<i64>,
}

impl Usage {
    fn total_tokens(&self) -> Option<i64> {
        self.total.or(match (self.input, self.output) {
            // Counts come from the wire: absurd ones saturate rather than overflow.
            (Some(i), Some(o)) => Some(i.saturating_add(o)),
            (Some(i), None) => Some(i),
            _ => None,
        })
    }

    /// Fields the other reports overwrite these (later stream chunks carry fuller counts).
    fn merge(&mut self, other: Usage) {
        let pick = |a: &mut Option<i64>, b: Option<i64>| {
            if b.is_some() {
                *a = b;
            }
        };
        pick(&mut self.input, other.input);
        pick(&mut self.output, other.output);
        pick(&mut self.cache_read, other.cache_read);
        pick(&mut self.cache_creation, other.cache_creation);
        pick(&mut self.reasoning, other.reasoning);
        pick(&mut self.total, other.total);
    }
}

/// A tool call whose arguments may arrive in fragments.
#[derive(Clone, Debug, Default)]
pub(crate) struct ToolCallAcc {
    pub key: i64,
    pub id: Option<String>,
    pub name: Option<String>,
    pub arguments: String,
    /// Arguments that came whole as JSON (Anthropic `input`, Google `args`).
    pub arguments_json: Option<serde_json::Value>,
}

/// One choice / candidate / output message being assembled.
#[derive(Clone, Debug, Default)]
pub(crate) struct Choice {
    pub index: i64,
    pub role: Option<String>,
    pub finish_reason: Option<String>,
    pub text: String,
    pub reasoning: String,
    pub tool_calls: Vec<ToolCallAcc>,
    /// Parts other than text, reasoning and tool calls (images, files…).
    pub other_parts: Vec<Part>,
}

impl Choice {
    /// Adds a whole part from a non-streamed response (or a whole-part stream chunk).
    pub fn push_part(&mut self, part: Part) {
        match part {
            Part::Text { content } => self.text.push_str(&content),
            Part::Reasoning { content } => self.reasoning.push_str(&content),
            Part::ToolCall {
                id,
                name,
                arguments,
            } => {
                let key = self.tool_calls.len() as i64;
                let call = self.tool_call(key);
                call.id = id;
                call.name = Some(name);
                call.arguments_json = Some(arguments);
            }
            other => self.other_parts.push(other),
        }
    }

    pub fn tool_call(&mut self, key: i64) -> &mut ToolCallAcc {
        match self.tool_calls.iter().position(|t| t.key == key) {
            Some(at) => &mut self.tool_calls[at],
            None => {
                self.tool_calls.push(ToolCallAcc {
                    key,
                    ..Default::default()
                });
                self.tool_calls.last_mut().expect("just pushed")
            }
        }
    }
}

/// What the response (or the stream so far) told us.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub id: Option<String>,
    pub model: Option<String>,
    pub choices: Vec<Choice>,
    pub usage: Usage,
    pub system_fingerprint: Option<String>,
    pub service_tier: Option<String>,
    pub embedding_dims: Option<i64>,
    pub conversation_id: Option<String>,
    /// Attributes only one provider knows (`anthropic.count_tokens.input_tokens`, …).
    pub extra: Vec<(&'static str, Value)>,
    /// An error reported inside a 200 response or a stream.
    pub error: Option<Failure>,
}

impl Outcome {
    pub fn choice(&mut self, index: i64) -> &mut Choice {
        match self.choices.iter().position(|c| c.index == index) {
            Some(at) => &mut self.choices[at],
            None => {
                self.choices.push(Choice {
                    index,
                    ..Default::default()
                });
                self.choices.sort_by_key(|c| c.index);
                let at = self.choices.iter().position(|c| c.index == index);
                &mut self.choices[at.expect("just pushed")]
            }
        }
    }

    fn set_once(slot: &mut Option<String>, value: Option<&str>) {
        if slot.is_none()
            && let Some(v) = value.filter(|v| !v.is_empty())
        {
            *slot = Some(v.to_owned());
        }
    }

    pub fn id(&mut self, id: Option<&str>) {
        Self::set_once(&mut self.id, id);
    }

    pub fn model(&mut self, model: Option<&str>) {
        Self::set_once(&mut self.model, model);
    }
}

/// A classified failure.
#[derive(Clone, Debug)]
pub(crate) struct Failure {
    pub code: ErrorCode,
    pub error_type: String,
    pub message: Option<String>,
}

impl Failure {
    /// A failure the provider reported in a response or a stream, by its error type.
    pub fn reported(error_type: &str, message: Option<&str>) -> Self {
        Failure {
            code: code_for_error_type(error_type).unwrap_or(ErrorCode::InternalError),
            error_type: error_type.to_owned(),
            message: message.map(str::to_owned),
        }
    }
}

/// A GenAI call being recorded. Dropping it without `finish`, `finish_stream` or `fail` ends
/// the span with what was gathered so far.
pub struct GenAiCall {
    span: Option<Span>,
    provider: Provider,
    api: Api,
    content: ContentPolicy,
    settings: Arc<GenAiSettings>,
    started: Instant,
    first_chunk: Option<Duration>,
    streamed: bool,
    request_model: Option<String>,
    outcome: Outcome,
    stream: StreamState,
}

/// Per-provider stream bookkeeping that is not part of the outcome.
#[derive(Debug, Default)]
pub(crate) struct StreamState {
    /// Anthropic reports input usage in `message_start` and output usage in `message_delta`.
    pub anthropic_usage: anthropic::StreamUsage,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BlockKind {
    Text,
    Thinking,
    ToolUse,
    Other,
}

impl Client {
    /// Starts a GenAI call span with the request's attributes.
    pub fn begin_genai_call(&self, start: CallStart<'_>) -> (GenAiCall, Result<(), MappingError>) {
        let settings = self.genai_settings().clone();
        let operation = start.api.operation();
        let origin = start
            .origin
            .clone()
            .unwrap_or(Str::Borrowed(start.provider.origin()));
        let mut span = self.start_span(
            SpanStart::new(operation)
                .op(op_for(operation))
                .origin(origin)
                .kind(SpanKind::Client)
                .parent_opt(start.parent)
                .attribute(k::GEN_AI_OPERATION_NAME, operation)
                .attribute(k::GEN_AI_PROVIDER_NAME, start.provider.name()),
        );
        let mut call = GenAiCall {
            span: None,
            provider: start.provider,
            api: start.api,
            content: start.content,
            settings,
            started: Instant::now(),
            first_chunk: None,
            streamed: false,
            request_model: None,
            outcome: Outcome::default(),
            stream: StreamState::default(),
        };
        if !span.is_recording() {
            call.span = Some(span);
            return (call, Ok(()));
        }
        if let Some(address) = start.server_address.filter(|a| !a.is_empty()) {
            span.set_attribute(k::SERVER_ADDRESS, address.to_owned());
        }
        if let Some(port) = start.server_port {
            span.set_attribute(k::SERVER_PORT, i64::from(port));
        }
        let mut request = RequestFacts::default();
        let result = match start.provider {
            Provider::OpenAi | Provider::AzureOpenAi => openai::map_request(
                start.api,
                start.request_json,
                &mut span,
                &mut request,
                &call.ctx(),
            ),
            Provider::Anthropic => anthropic::map_request(
                start.api,
                start.request_json,
                &mut span,
                &mut request,
                &call.ctx(),
            ),
            Provider::Gemini | Provider::VertexAi | Provider::Google => google::map_request(
                start.api,
                start.request_json,
                &mut span,
                &mut request,
                &call.ctx(),
            ),
        };
        if request.conversation_id.is_none()
            && let Some(id) = start.conversation_id.filter(|c| !c.is_empty())
        {
            request.conversation_id = Some(id.to_owned());
        }
        if let Some(id) = &request.conversation_id {
            span.set_attribute(k::GEN_AI_CONVERSATION_ID, id.clone());
        }
        if request.stream || start.stream {
            call.streamed = true;
            span.set_attribute(k::GEN_AI_REQUEST_STREAM, true);
        }
        span.set_name(span_name(operation, request.model.as_deref(), None));
        call.request_model = request.model;
        call.span = Some(span);
        (call, result)
    }
}

/// What the request mapping learned that the call needs later.
#[derive(Debug, Default)]
pub(crate) struct RequestFacts {
    pub model: Option<String>,
    pub stream: bool,
    pub conversation_id: Option<String>,
}

impl RequestFacts {
    /// `gen_ai.request.model`, remembered for the span name and the cost.
    pub fn record_model(&mut self, span: &mut Span, model: Option<&str>) {
        if let Some(model) = model {
            span.set_attribute(k::GEN_AI_REQUEST_MODEL, model.to_owned());
            self.model = Some(model.to_owned());
        }
    }
}

/// Sets the numeric request parameters that are present.
pub(crate) fn record_present<V: Into<Value>>(
    span: &mut Span,
    values: impl IntoIterator<Item = (&'static str, Option<V>)>,
) {
    for (key, value) in values {
        if let Some(v) = value {
            span.set_attribute(key, v);
        }
    }
}

/// What mapping code may read about the call.
pub(crate) struct MapContext<'a> {
    pub content: ContentPolicy,
    pub settings: &'a GenAiSettings,
}

fn op_for(operation: &str) -> Str {
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
    fn ctx(&self) -> MapContext<'_> {
        MapContext {
            content: self.content,
            settings: &self.settings,
        }
    }

    /// The span's context, for children (tool calls made inside the call).
    pub fn context(&self) -> Option<SpanContext> {
        self.span.as_ref().map(Span::context)
    }

    pub fn is_recording(&self) -> bool {
        self.span.as_ref().is_some_and(Span::is_recording)
    }

    /// Feeds one stream chunk: `event` is the SSE event name when there is one, `data` the JSON.
    pub fn chunk(&mut self, event: Option<&str>, data: &str) -> Result<(), MappingError> {
        if !self.is_recording() {
            return Ok(());
        }
        if self.first_chunk.is_none() {
            self.first_chunk = Some(self.started.elapsed());
        }
        self.streamed = true;
        let data = data.trim();
        if data.is_empty() || data == "[DONE]" {
            return Ok(());
        }
        let ctx = MapContext {
            content: self.content,
            settings: &self.settings,
        };
        match self.provider {
            Provider::OpenAi | Provider::AzureOpenAi => {
                openai::map_chunk(self.api, event, data, &mut self.outcome, &ctx)
            }
            Provider::Anthropic => {
                anthropic::map_chunk(event, data, &mut self.outcome, &mut self.stream, &ctx)
            }
            Provider::Gemini | Provider::VertexAi | Provider::Google => {
                google::map_chunk(self.api, data, &mut self.outcome, &ctx)
            }
        }
    }

    /// Ends the call with its (non-streamed) response.
    pub fn finish(mut self, response_json: &str) -> Result<(), MappingError> {
        let result = if self.is_recording() {
            let ctx = MapContext {
                content: self.content,
                settings: &self.settings,
            };
            match self.provider {
                Provider::OpenAi | Provider::AzureOpenAi => {
                    openai::map_response(self.api, response_json, &mut self.outcome, &ctx)
                }
                Provider::Anthropic => {
                    anthropic::map_response(self.api, response_json, &mut self.outcome, &ctx)
                }
                Provider::Gemini | Provider::VertexAi | Provider::Google => {
                    google::map_response(self.api, response_json, &mut self.outcome, &ctx)
                }
            }
        } else {
            Ok(())
        };
        self.end(None);
        result
    }

    /// Ends a streamed call: exhausted, stopped early by the consumer, or collected unread.
    pub fn finish_stream(mut self) {
        self.end(None);
    }

    /// Ends the call as failed. A stream that errors part-way keeps what it gathered.
    pub fn fail(mut self, error: CallError<'_>) -> Result<(), MappingError> {
        let (failure, result) = classify(self.provider, &error);
        self.end(Some(failure));
        result
    }

    fn end(&mut self, failure: Option<Failure>) {
        let Some(mut span) = self.span.take() else {
            return;
        };
        if span.is_recording() {
            let failure = failure.or_else(|| self.outcome.error.take());
            self.apply(&mut span, failure);
        }
        span.end();
    }

    /// Writes the outcome onto the span.
    fn apply(&mut self, span: &mut Span, failure: Option<Failure>) {
        let outcome = &mut self.outcome;
        let operation = self.api.operation();
        if self.request_model.is_none()
            && let Some(model) = &outcome.model
        {
            span.set_name(span_name(operation, None, Some(model)));
        }
        if let Some(id) = outcome.id.take() {
            span.set_attribute(k::GEN_AI_RESPONSE_ID, id);
        }
        if let Some(model) = &outcome.model {
            span.set_attribute(k::GEN_AI_RESPONSE_MODEL, model.clone());
        }
        let reasons: Vec<String> = outcome
            .choices
            .iter()
            .filter_map(|c| c.finish_reason.clone())
            .collect();
        if !reasons.is_empty() {
            span.set_attribute(k::GEN_AI_RESPONSE_FINISH_REASONS, reasons);
        }
        if let Some(conversation) = outcome.conversation_id.take() {
            span.set_attribute(k::GEN_AI_CONVERSATION_ID, conversation);
        }
        if let Some(fp) = outcome.system_fingerprint.take() {
            span.set_attribute(k::OPENAI_RESPONSE_SYSTEM_FINGERPRINT, fp);
        }
        if let Some(tier) = outcome.service_tier.take() {
            span.set_attribute(k::OPENAI_RESPONSE_SERVICE_TIER, tier);
        }
        if let Some(dims) = outcome.embedding_dims {
            span.set_attribute(k::GEN_AI_EMBEDDINGS_DIMENSION_COUNT, dims);
        }
        for (key, value) in outcome.extra.drain(..) {
            span.set_attribute(key, value);
        }

        let usage = outcome.usage;
        let clamp = |v: Option<i64>| v.map(|n| n.max(0));
        for (key, value) in [
            (k::GEN_AI_USAGE_INPUT_TOKENS, clamp(usage.input)),
            (k::GEN_AI_USAGE_OUTPUT_TOKENS, clamp(usage.output)),
            (
                k::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
                clamp(usage.cache_read),
            ),
            (
                k::GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
                clamp(usage.cache_creation),
            ),
            (
                k::GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
                clamp(usage.reasoning),
            ),
            (k::GEN_AI_USAGE_TOTAL_TOKENS, clamp(usage.total_tokens())),
        ] {
            if let Some(n) = value {
                span.set_attribute(key, n);
            }
        }
        let model = outcome.model.as_deref().or(self.request_model.as_deref());
        if let Some(cost) = model.and_then(|m| self.settings.prices.cost(m, &usage)) {
            span.set_attribute(k::GEN_AI_COST_INPUT_TOKENS, cost.input);
            span.set_attribute(k::GEN_AI_COST_OUTPUT_TOKENS, cost.output);
            span.set_attribute(k::GEN_AI_COST_TOTAL_TOKENS, cost.input + cost.output);
        }

        let elapsed = self.started.elapsed();
        if self.streamed
            && let Some(first) = self.first_chunk
        {
            span.set_attribute(k::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, first.as_secs_f64());
        }
        if let Some(output) = usage.output.filter(|o| *o > 0)
            && elapsed.as_secs_f64() > 0.0
        {
            span.set_attribute(
                k::GEN_AI_RESPONSE_TOKENS_PER_SECOND,
                output as f64 / elapsed.as_secs_f64(),
            );
        }

        if self.content.record_outputs && !outcome.choices.is_empty() {
            let messages = content::output_messages(std::mem::take(&mut outcome.choices));
            content::record_outputs(span, messages, &self.settings);
        }

        match failure {
            Some(f) => {
                span.set_attribute(k::ERROR_TYPE, f.error_type);
                span.set_status(Status::Error {
                    code: f.code,
                    message: f.message,
                });
            }
            None => span.set_status(Status::Ok),
        }
    }
}

impl Drop for GenAiCall {
    fn drop(&mut self) {
        self.end(None);
    }
}

/// Parses JSON or explains why not.
pub(crate) fn parse<'a, T: Deserialize<'a>>(
    what: &'static str,
    json: &'a str,
) -> Result<T, MappingError> {
    serde_json::from_str(json).map_err(|e| MappingError {
        what,
        reason: e.to_string(),
    })
}

/// Error type and status for a failed call: the provider's error code, else the HTTP status,
/// else the exception class.
fn classify(provider: Provider, error: &CallError<'_>) -> (Failure, Result<(), MappingError>) {
    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Body<'a> {
        #[serde(borrow)]
        error: Option<ErrorObject<'a>>,
    }
    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct ErrorObject<'a> {
        #[serde(rename = "type", borrow)]
        kind: Option<std::borrow::Cow<'a, str>>,
        code: Option<serde_json::Value>,
        #[serde(borrow)]
        status: Option<std::borrow::Cow<'a, str>>,
        #[serde(borrow)]
        message: Option<std::borrow::Cow<'a, str>>,
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
    let provider_type: Option<String> = match provider {
        Provider::Anthropic => err.kind.as_deref().map(str::to_owned),
        Provider::Gemini | Provider::VertexAi | Provider::Google => err
            .status
            .as_deref()
            .map(str::to_owned)
            .or_else(|| err.kind.as_deref().map(str::to_owned)),
        Provider::OpenAi | Provider::AzureOpenAi => match &err.code {
            Some(serde_json::Value::String(code)) => Some(code.clone()),
            _ => err.kind.as_deref().map(str::to_owned),
        },
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

/// Anthropic's error types (conventions §6) and Google's canonical statuses.
pub(crate) fn code_for_error_type(kind: &str) -> Option<ErrorCode> {
    Some(match kind {
        "invalid_request_error" => ErrorCode::InvalidArgument,
        "authentication_error" => ErrorCode::Unauthenticated,
        "permission_error" => ErrorCode::PermissionDenied,
        "not_found_error" => ErrorCode::NotFound,
        "request_too_large" => ErrorCode::FailedPrecondition,
        "rate_limit_error" | "rate_limit_exceeded" | "insufficient_quota" => {
            ErrorCode::ResourceExhausted
        }
        "api_error" => ErrorCode::InternalError,
        "overloaded_error" => ErrorCode::Unavailable,
        other => return ErrorCode::parse(&other.to_ascii_lowercase()),
    })
}

pub(crate) fn code_for_http_status(status: u16) -> ErrorCode {
    match status {
        400 => ErrorCode::InvalidArgument,
        401 => ErrorCode::Unauthenticated,
        403 => ErrorCode::PermissionDenied,
        404 => ErrorCode::NotFound,
        409 => ErrorCode::AlreadyExists,
        413 => ErrorCode::FailedPrecondition,
        429 => ErrorCode::ResourceExhausted,
        499 => ErrorCode::Cancelled,
        501 => ErrorCode::Unimplemented,
        503 | 529 => ErrorCode::Unavailable,
        504 => ErrorCode::DeadlineExceeded,
        _ => ErrorCode::InternalError,
    }
}

/// Parsing helpers shared by the providers.
pub(crate) mod de {
    use serde::{Deserialize, Deserializer};
    use std::borrow::Cow;

    /// A string or a list of strings (`stop`, embeddings `input`).
    #[derive(Debug, Deserialize)]
    #[serde(untagged)]
    pub enum OneOrMany<'a> {
        #[serde(borrow)]
        One(Cow<'a, str>),
        Many(Vec<Cow<'a, str>>),
    }

    impl OneOrMany<'_> {
        pub fn into_vec(self) -> Vec<String> {
            match self {
                OneOrMany::One(s) => vec![s.into_owned()],
                OneOrMany::Many(v) => v.into_iter().map(Cow::into_owned).collect(),
            }
        }
    }

    /// Accepts numbers written as integers or floats (some SDKs send `1024.0`).
    pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        let v: Option<serde_json::Number> = Option::deserialize(d)?;
        Ok(v.and_then(|n| n.as_i64().or_else(|| n.as_f64().map(|f| f as i64))))
    }
}
