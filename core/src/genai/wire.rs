//! Provider dispatch in one place: each provider's wire format (request, stream chunks,
//! response, error body) as one table of functions, chosen once per call by `Provider::wire`.

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

type Mapped = Result<(), MappingError>;
/// (API, request JSON, span attributes, what the call keeps, context)
type MapRequest = fn(Api, &str, &mut Attributes, &mut RequestFacts, &MapContext<'_>) -> Mapped;
/// (API, SSE event name, data, outcome, stream bookkeeping, context)
type MapChunk =
    fn(Api, Option<&str>, &str, &mut Outcome, &mut StreamState, &MapContext<'_>) -> Mapped;
type MapResponse = fn(Api, &str, &mut Outcome, &MapContext<'_>) -> Mapped;

/// One provider's wire format, mapped into the neutral outcome: a table of the provider
/// module's functions, one per provider, chosen once per call.
pub(crate) struct Wire {
    /// `sentry.origin` of the provider's own integration.
    pub origin: &'static str,
    /// Request attributes (set at begin) and the facts the call keeps.
    pub map_request: MapRequest,
    /// One stream event: its SSE event name when there is one, and its data.
    pub map_chunk: MapChunk,
    pub map_response: MapResponse,
    /// The provider's own name for an error (`rate_limit_exceeded`, `RESOURCE_EXHAUSTED`).
    pub error_type: fn(&ErrorObject<'_>) -> Option<String>,
}

const OPENAI: Wire = Wire {
    origin: "auto.ai.openai",
    map_request: openai::map_request,
    map_chunk: |api, event, data, outcome, _, ctx| {
        openai::map_chunk(api, event, data, outcome, ctx)
    },
    map_response: openai::map_response,
    error_type: |error| match &error.code {
        Some(serde_json::Value::String(code)) => Some(code.clone()),
        _ => error.kind.as_deref().map(str::to_owned),
    },
};

const ANTHROPIC: Wire = Wire {
    origin: "auto.ai.anthropic",
    map_request: anthropic::map_request,
    map_chunk: |_, event, data, outcome, stream, ctx| {
        anthropic::map_chunk(event, data, outcome, stream, ctx)
    },
    map_response: anthropic::map_response,
    error_type: |error| error.kind.as_deref().map(str::to_owned),
};

const GOOGLE: Wire = Wire {
    origin: "auto.ai.google_genai",
    map_request: google::map_request,
    map_chunk: |api, _, data, outcome, _, ctx| google::map_chunk(api, data, outcome, ctx),
    map_response: google::map_response,
    error_type: |error| {
        (error.status.as_deref())
            .or(error.kind.as_deref())
            .map(str::to_owned)
    },
};

impl Provider {
    pub(crate) fn wire(self) -> &'static Wire {
        match self {
            Provider::OpenAi | Provider::AzureOpenAi => &OPENAI,
            Provider::Anthropic => &ANTHROPIC,
            Provider::Gemini | Provider::VertexAi | Provider::Google => &GOOGLE,
        }
    }
}
