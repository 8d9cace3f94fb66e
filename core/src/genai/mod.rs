//! GenAI calls to spans, once for every language: host layers hand over the request, the stream
//! (raw SSE bytes or events) and the response (or the error) as the wire carried them, or a
//! call a framework already normalized; this module maps them to the span contract in
//! `docs/conventions.md`, with agent, workflow and tool spans beside them. Request attributes
//! are set at `begin`, everything else when the call finishes. With content off, messages are
//! never parsed.

use std::sync::Arc;

use serde::Deserialize;

use crate::keys as k;
use crate::span::{Attributes, ErrorCode, SpanContext, Str, Value};

mod agent;
pub mod aisdk;
mod anthropic;
mod call;
pub mod content;
pub mod cost;
mod google;
pub mod langchain;
mod normalized;
mod openai;
mod sse;
mod wire;

pub use agent::{AgentRun, AgentSpec, SpecError, ToolSpec};
pub(crate) use call::WireRequest;
pub use call::{CallEnd, CallPlacement, GenAiCall};
pub use content::{ContentFormat, Message, Part};
pub use cost::{Cost, Price, PriceTable};
pub use normalized::{NormalizedRequest, NormalizedResponse};

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
    /// Replaces secrets found in recorded content and error messages by `[Filtered]`.
    pub scrubber: crate::scrub::Scrubber,
    pub prices: Arc<PriceTable>,
}

impl Default for GenAiSettings {
    fn default() -> Self {
        GenAiSettings {
            content_format: ContentFormat::Json,
            max_content_bytes: 64 * 1024,
            scrubber: crate::scrub::Scrubber::builtin(),
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
    /// The host's scope (see `SpanStart::scope`).
    pub scope: &'a [(String, String)],
    /// How long ago the call started, when the host hands it over only after it timed its
    /// start itself (Node hands a non-streamed call over once, with its response); else now.
    pub started_ago: Option<std::time::Duration>,
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
            scope: &[],
            started_ago: None,
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
/// Hosts write them as `input_tokens`, `output_tokens`, `cache_read_input_tokens`,
/// `cache_creation_input_tokens`, `reasoning_tokens`, `total_tokens`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Usage {
    #[serde(rename = "input_tokens")]
    pub input: Option<i64>,
    #[serde(rename = "output_tokens")]
    pub output: Option<i64>,
    #[serde(rename = "cache_read_input_tokens")]
    pub cache_read: Option<i64>,
    #[serde(rename = "cache_creation_input_tokens")]
    pub cache_creation: Option<i64>,
    #[serde(rename = "reasoning_tokens")]
    pub reasoning: Option<i64>,
    /// The provider's own total, when it gives one.
    #[serde(rename = "total_tokens")]
    pub total: Option<i64>,
}

/// More tokens than any one call can use (the largest context windows hold ten million): a
/// count beyond this is a provider's or a host's bug, which would swamp every sum it entered.
pub const MAX_BELIEVABLE_TOKENS: i64 = 1_000_000_000;

impl Usage {
    /// The counts that can be true: those beyond `MAX_BELIEVABLE_TOKENS` left out, so sums,
    /// costs and agent rollups never take them in.
    pub fn believed(&self) -> Usage {
        let keep = |v: Option<i64>| v.filter(|n| *n <= MAX_BELIEVABLE_TOKENS);
        Usage {
            input: keep(self.input),
            output: keep(self.output),
            cache_read: keep(self.cache_read),
            cache_creation: keep(self.cache_creation),
            reasoning: keep(self.reasoning),
            total: keep(self.total),
        }
    }

    /// Each count under the name hosts write it by (the serde names above), as given.
    pub fn fields(&self) -> [(&'static str, Option<i64>); 6] {
        [
            ("input_tokens", self.input),
            ("output_tokens", self.output),
            ("cache_read_input_tokens", self.cache_read),
            ("cache_creation_input_tokens", self.cache_creation),
            ("reasoning_tokens", self.reasoning),
            ("total_tokens", self.total),
        ]
    }

    /// Writes the counts that are known, never negative. An unbelievable count is kept apart,
    /// as `llmtel.usage.unbelievable.<name>`, instead of under its `gen_ai.usage.*` key.
    pub fn record(&self, attrs: &mut Attributes) {
        for (name, raw) in self.fields() {
            if let Some(n) = raw.filter(|n| *n > MAX_BELIEVABLE_TOKENS) {
                attrs.set(format!("llmtel.usage.unbelievable.{name}"), n);
            }
        }
        let believed = self.believed();
        let clamp = |v: Option<i64>| v.map(|n| n.max(0));
        for (key, value) in [
            (k::GEN_AI_USAGE_INPUT_TOKENS, clamp(believed.input)),
            (k::GEN_AI_USAGE_OUTPUT_TOKENS, clamp(believed.output)),
            (
                k::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
                clamp(believed.cache_read),
            ),
            (
                k::GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
                clamp(believed.cache_creation),
            ),
            (
                k::GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
                clamp(believed.reasoning),
            ),
            (k::GEN_AI_USAGE_TOTAL_TOKENS, clamp(believed.total_tokens())),
        ] {
            if let Some(n) = value {
                attrs.set(key, n);
            }
        }
    }

    /// Adds another call's counts (an agent's usage is the sum of its model calls'). A count
    /// stays absent only while no call reported it.
    pub fn add(&mut self, other: &Usage) {
        let sum = |a: &mut Option<i64>, b: Option<i64>| {
            if let Some(b) = b {
                *a = Some(a.unwrap_or(0).saturating_add(b.max(0)));
            }
        };
        sum(&mut self.input, other.input);
        sum(&mut self.output, other.output);
        sum(&mut self.cache_read, other.cache_read);
        sum(&mut self.cache_creation, other.cache_creation);
        sum(&mut self.reasoning, other.reasoning);
        sum(&mut self.total, other.total_tokens());
    }

    fn total_tokens(&self) -> Option<i64> {
        self.total.or(match (self.input, self.output) {
            // Counts come from the wire: absurd ones saturate rather than overflow.
            (Some(i), Some(o)) => Some(i.saturating_add(o)),
            (Some(i), None) => Some(i),
            _ => None,
        })
    }

    /// Fields the other reports overwrite these (later stream chunks carry fuller counts).
    pub(crate) fn merge(&mut self, other: Usage) {
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

/// What the request mapping learned that the call needs later.
#[derive(Debug, Default)]
pub(crate) struct RequestFacts {
    pub model: Option<String>,
    pub stream: bool,
    pub conversation_id: Option<String>,
}

impl RequestFacts {
    /// `gen_ai.request.model`, remembered for the span name and the cost.
    pub fn record_model(&mut self, attrs: &mut Attributes, model: Option<&str>) {
        if let Some(model) = model {
            attrs.set(k::GEN_AI_REQUEST_MODEL, model.to_owned());
            self.model = Some(model.to_owned());
        }
    }
}

/// Sets the numeric request parameters that are present.
pub(crate) fn record_present<V: Into<Value>>(
    attrs: &mut Attributes,
    values: impl IntoIterator<Item = (&'static str, Option<V>)>,
) {
    for (key, value) in values {
        if let Some(v) = value {
            attrs.set(key, v);
        }
    }
}

/// What mapping code may read about the call.
pub(crate) struct MapContext<'a> {
    pub content: ContentPolicy,
    pub settings: &'a GenAiSettings,
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
    use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use serde::{Deserialize, Deserializer};
    use std::borrow::Cow;
    use std::fmt;
    use std::marker::PhantomData;

    /// A string or a list of strings (`stop`, embeddings `input`).
    #[derive(Debug)]
    pub enum OneOrMany<'a> {
        One(Cow<'a, str>),
        Many(Vec<Cow<'a, str>>),
    }

    // By hand, not `#[serde(untagged)]`: that buffers the value to try each variant, and the
    // buffering is 11 KB of the wasm build.
    impl<'de: 'a, 'a> Deserialize<'de> for OneOrMany<'a> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(OneOrManyVisitor(PhantomData))
        }
    }

    struct OneOrManyVisitor<'a>(PhantomData<&'a ()>);

    impl<'de: 'a, 'a> Visitor<'de> for OneOrManyVisitor<'a> {
        type Value = OneOrMany<'a>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or a list of strings")
        }

        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(OneOrMany::One(Cow::Borrowed(v)))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(OneOrMany::One(Cow::Owned(v.to_owned())))
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
            while let Some(Text(item)) = seq.next_element()? {
                items.push(item);
            }
            Ok(OneOrMany::Many(items))
        }
    }

    /// A struct read from a JSON object field by field, written by hand where a derived reader
    /// costs too much of the wasm build: a derive also reads the struct from a JSON array,
    /// visits field names three ways and checks for duplicates, about twice the code of this
    /// (a repeated field is taken last here, as `serde_json::Value` takes it). Fields start at
    /// their default (`#[serde(default)]`).
    pub trait Object<'de>: Default {
        /// What the error says was expected (`struct Request`, as a derive says).
        const EXPECTING: &'static str;

        /// Reads the value of `key` from `map` (with `map.next_value()`), or skips it
        /// (`skip(map)`) when the struct has no such field.
        fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error>;
    }

    /// Deserializes an [`Object`]: `deserializer.deserialize_map(ObjectVisitor::new())`.
    pub struct ObjectVisitor<T>(PhantomData<T>);

    impl<T> ObjectVisitor<T> {
        pub fn new() -> Self {
            ObjectVisitor(PhantomData)
        }
    }

    impl<'de, T: Object<'de>> Visitor<'de> for ObjectVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(T::EXPECTING)
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
            let mut value = T::default();
            while let Some(Text(key)) = map.next_key()? {
                value.field(&key, &mut map)?;
            }
            Ok(value)
        }
    }

    /// `Deserialize` through [`Object`] for a struct with `Default` (and a lifetime, a lifetime
    /// and a type parameter, or neither), from its fields: `"key" => field: how`, `how` being
    /// `value` (`next_value`), `text` (a string, borrowed where it can be) or `int`
    /// ([`int_field`]); other keys are skipped (`skip`) or refused by name (`deny`, as
    /// `#[serde(deny_unknown_fields)]`).
    macro_rules! object_reader {
        ($ty:ident<$lt:lifetime>, $($rest:tt)*) => {
            $crate::genai::de::object_reader!(@impls ['de: $lt, $lt] [$ty<$lt>] $($rest)*);
        };
        // A type parameter read by its own `Deserialize` (`ChatChoice<'a, B>`).
        ($ty:ident<$lt:lifetime, $param:ident>, $($rest:tt)*) => {
            $crate::genai::de::object_reader!(
                @impls ['de: $lt, $lt, $param: ::serde::Deserialize<'de> + Default] [$ty<$lt, $param>] $($rest)*
            );
        };
        ($ty:ident, $($rest:tt)*) => {
            $crate::genai::de::object_reader!(@impls ['de] [$ty] $($rest)*);
        };
        (@impls [$($generics:tt)*] [$self_ty:ty] $expecting:literal, $unknown:ident, { $($key:literal => $field:ident: $how:ident),* $(,)? }) => {
            impl<$($generics)*> $crate::genai::de::Object<'de> for $self_ty {
                $crate::genai::de::object_reader!(@body $expecting, $unknown, { $($key => $field: $how),* });
            }
            impl<$($generics)*> ::serde::Deserialize<'de> for $self_ty {
                fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    d.deserialize_map($crate::genai::de::ObjectVisitor::new())
                }
            }
        };
        (@body $expecting:literal, $unknown:ident, { $($key:literal => $field:ident: $how:ident),* }) => {
            const EXPECTING: &'static str = $expecting;

            fn field<A: ::serde::de::MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
                match key {
                    $($key => self.$field = $crate::genai::de::object_reader!(@read $how, map),)*
                    _ => $crate::genai::de::object_reader!(@unknown $unknown, key, map, [$($key),*]),
                }
                Ok(())
            }
        };
        (@read value, $map:ident) => { $map.next_value()? };
        (@read text, $map:ident) => { $crate::genai::de::text($map)? };
        (@read int, $map:ident) => { $crate::genai::de::int_field($map)? };
        (@unknown skip, $key:ident, $map:ident, [$($k:literal),*]) => { $crate::genai::de::skip($map)? };
        (@unknown deny, $key:ident, $map:ident, [$($k:literal),*]) => {
            return Err(::serde::de::Error::unknown_field($key, &[$($k),*]))
        };
    }
    pub(crate) use object_reader;

    /// Passes over a field nobody reads.
    pub fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
        map.next_value::<IgnoredAny>().map(drop)
    }

    /// A string field, borrowed from the input where it has no escapes (`null`: none).
    pub fn text<'de: 'a, 'a, A: MapAccess<'de>>(
        map: &mut A,
    ) -> Result<Option<Cow<'a, str>>, A::Error> {
        Ok(map.next_value::<Option<Text<'a>>>()?.map(|t| t.0))
    }

    /// A whole number field, written as an integer or a float (some SDKs send `1024.0`).
    pub fn int_field<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<i64>, A::Error> {
        Ok(map
            .next_value::<Option<serde_json::Number>>()?
            .and_then(|n| n.as_i64().or_else(|| n.as_f64().map(|f| f as i64))))
    }

    /// A string, borrowed from the input where it has no escapes.
    struct Text<'a>(Cow<'a, str>);

    impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct TextVisitor<'a>(PhantomData<&'a ()>);
            impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
                type Value = Text<'a>;

                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a string")
                }

                fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                    Ok(Text(Cow::Borrowed(v)))
                }

                fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                    Ok(Text(Cow::Owned(v.to_owned())))
                }
            }
            d.deserialize_str(TextVisitor(PhantomData))
        }
    }

    impl OneOrMany<'_> {
        pub fn into_vec(self) -> Vec<String> {
            match self {
                OneOrMany::One(s) => vec![s.into_owned()],
                OneOrMany::Many(v) => v.into_iter().map(Cow::into_owned).collect(),
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[derive(Default, Debug, PartialEq)]
        struct Probe<'a> {
            name: Option<Cow<'a, str>>,
            count: Option<i64>,
        }

        object_reader!(Probe<'a>, "a probe object", skip, {
            "name" => name: text,
            "count" => count: int,
        });

        fn probe(json: &str) -> Result<Probe<'_>, String> {
            let mut d = serde_json::Deserializer::from_str(json);
            d.deserialize_map(ObjectVisitor::<Probe>::new())
                .map_err(|e| e.to_string())
        }

        #[test]
        fn an_object_reads_its_fields_borrowing_and_skips_the_rest() {
            let p =
                probe(r#"{"other": {"deep": [1, {"x": null}]}, "name": "gpt", "count": 1024.0}"#)
                    .unwrap();
            assert!(matches!(p.name, Some(Cow::Borrowed("gpt"))));
            assert_eq!(p.count, Some(1024));
            // An escaped key is still its field; an escaped value is owned.
            let p = probe(r#"{"n\u0061me": "a\nb", "count": null}"#).unwrap();
            assert_eq!(
                p,
                Probe {
                    name: Some(Cow::Owned("a\nb".into())),
                    count: None
                }
            );
            // A repeated field: the last wins, as in serde_json::Value.
            assert_eq!(probe(r#"{"count": 1, "count": 2}"#).unwrap().count, Some(2));
            assert_eq!(probe("{}").unwrap(), Probe::default());
            for (bad, says) in [
                ("null", "expected a probe object"),
                ("[1]", "expected a probe object"),
                (r#"{"name": 1}"#, "expected a string"),
                (r#"{"count": "1"}"#, "invalid type: string"),
            ] {
                let e = probe(bad).unwrap_err();
                assert!(e.contains(says), "{bad}: {e}");
            }
        }

        #[test]
        fn one_or_many_reads_a_string_or_a_list_borrowing_where_it_can() {
            let one: OneOrMany = serde_json::from_str(r#""END""#).unwrap();
            assert!(matches!(one, OneOrMany::One(Cow::Borrowed("END"))));
            let many: OneOrMany = serde_json::from_str(r#"["a", "b\nc"]"#).unwrap();
            let OneOrMany::Many(items) = many else {
                panic!("a list")
            };
            assert!(matches!(items[0], Cow::Borrowed("a")));
            assert_eq!(items[1], "b\nc");
            let owned: OneOrMany = serde_json::from_str(r#"["\u0078"]"#).unwrap();
            assert_eq!(owned.into_vec(), ["x"]);
            for bad in ["1", "[1]", "{}", "null"] {
                let e = serde_json::from_str::<OneOrMany>(bad)
                    .unwrap_err()
                    .to_string();
                assert!(e.contains("string"), "{bad}: {e}");
            }
        }
    }
}
