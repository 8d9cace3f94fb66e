//! Provider dispatch in one place: each provider's wire format (request, stream chunks,
//! response, error body) behind one trait, chosen once per call by `Provider::wire`.

use std::borrow::Cow;

use serde::Deserialize;

use super::{
    Api, MapContext, MappingError, Outcome, Provider, RequestFacts, StreamState, anthropic, google,
    openai,
};
use crate::span::Attributes;

/// The error object inside a provider's error body (`{"error": {...}}`).
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ErrorObject<'a> {
    #[serde(rename = "type", borrow)]
    pub kind: Option<Cow<'a, str>>,
    pub code: Option<serde_json::Value>,
    #[serde(borrow)]
    pub status: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub message: Option<Cow<'a, str>>,
}

/// One provider's wire format, mapped into the neutral outcome.
pub(crate) trait WireMapping: Sync {
    /// `sentry.origin` of the provider's own integration.
    fn origin(&self) -> &'static str;
    /// Request attributes (set at begin) and the facts the call keeps.
    fn map_request(
        &self,
        api: Api,
        json: &str,
        attrs: &mut Attributes,
        facts: &mut RequestFacts,
        ctx: &MapContext<'_>,
    ) -> Result<(), MappingError>;
    /// One stream event: its SSE event name when there is one, and its data.
    fn map_chunk(
        &self,
        api: Api,
        event: Option<&str>,
        data: &str,
        outcome: &mut Outcome,
        stream: &mut StreamState,
        ctx: &MapContext<'_>,
    ) -> Result<(), MappingError>;
    fn map_response(
        &self,
        api: Api,
        json: &str,
        outcome: &mut Outcome,
        ctx: &MapContext<'_>,
    ) -> Result<(), MappingError>;
    /// The provider's own name for an error (`rate_limit_exceeded`, `RESOURCE_EXHAUSTED`).
    fn error_type(&self, error: &ErrorObject<'_>) -> Option<String>;
}

struct OpenAiWire;
struct AnthropicWire;
struct GoogleWire;

impl Provider {
    pub(crate) fn wire(self) -> &'static dyn WireMapping {
        match self {
            Provider::OpenAi | Provider::AzureOpenAi => &OpenAiWire,
            Provider::Anthropic => &AnthropicWire,
            Provider::Gemini | Provider::VertexAi | Provider::Google => &GoogleWire,
        }
    }
}

impl WireMapping for OpenAiWire {
    fn origin(&self) -> &'static str {
        "auto.ai.openai"
    }
    fn map_request(
        &self,
        api: Api,
        json: &str,
        attrs: &mut Attributes,
        facts: &mut RequestFacts,
        ctx: &MapContext<'_>,
    ) -> Result<(), MappingError> {
        openai::map_request(api, json, attrs, facts, ctx)
    }
    fn map_chunk(
        &self,
        api: Api,
        event: Option<&str>,
        data: &str,
        outcome: &mut Outcome,
        _: &mut StreamState,
        ctx: &MapContext<'_>,
    ) -> Result<(), MappingError> {
        openai::map_chunk(api, event, data, outcome, ctx)
    }
    fn map_response(
        &self,
        api: Api,
        json: &str,
        outcome: &mut Outcome,
        ctx: &MapContext<'_>,
    ) -> Result<(), MappingError> {
        openai::map_response(api, json, outcome, ctx)
    }
    fn error_type(&self, error: &ErrorObject<'_>) -> Option<String> {
        match &error.code {
            Some(serde_json::Value::String(code)) => Some(code.clone()),
            _ => error.kind.as_deref().map(str::to_owned),
        }
    }
}

impl WireMapping for AnthropicWire {
    fn origin(&self) -> &'static str {
        "auto.ai.anthropic"
    }
    fn map_request(
        &self,
        api: Api,
        json: &str,
        attrs: &mut Attributes,
        facts: &mut RequestFacts,
        ctx: &MapContext<'_>,
    ) -> Result<(), MappingError> {
        anthropic::map_request(api, json, attrs, facts, ctx)
    }
    fn map_chunk(
        &self,
        _: Api,
        event: Option<&str>,
        data: &str,
        outcome: &mut Outcome,
        stream: &mut StreamState,
        ctx: &MapContext<'_>,
    ) -> Result<(), MappingError> {
        anthropic::map_chunk(event, data, outcome, stream, ctx)
    }
    fn map_response(
        &self,
        api: Api,
        json: &str,
        outcome: &mut Outcome,
        ctx: &MapContext<'_>,
    ) -> Result<(), MappingError> {
        anthropic::map_response(api, json, outcome, ctx)
    }
    fn error_type(&self, error: &ErrorObject<'_>) -> Option<String> {
        error.kind.as_deref().map(str::to_owned)
    }
}

impl WireMapping for GoogleWire {
    fn origin(&self) -> &'static str {
        "auto.ai.google_genai"
    }
    fn map_request(
        &self,
        api: Api,
        json: &str,
        attrs: &mut Attributes,
        facts: &mut RequestFacts,
        ctx: &MapContext<'_>,
    ) -> Result<(), MappingError> {
        google::map_request(api, json, attrs, facts, ctx)
    }
    fn map_chunk(
        &self,
        api: Api,
        _: Option<&str>,
        data: &str,
        outcome: &mut Outcome,
        _: &mut StreamState,
        ctx: &MapContext<'_>,
    ) -> Result<(), MappingError> {
        google::map_chunk(api, data, outcome, ctx)
    }
    fn map_response(
        &self,
        api: Api,
        json: &str,
        outcome: &mut Outcome,
        ctx: &MapContext<'_>,
    ) -> Result<(), MappingError> {
        google::map_response(api, json, outcome, ctx)
    }
    fn error_type(&self, error: &ErrorObject<'_>) -> Option<String> {
        error
            .status
            .as_deref()
            .or(error.kind.as_deref())
            .map(str::to_owned)
    }
}
