//! Attribute keys, spelled once. Host layers and exporters use these constants, never literals.

pub const GEN_AI_OPERATION_NAME: &str = "gen_ai.operation.name";
pub const GEN_AI_PROVIDER_NAME: &str = "gen_ai.provider.name";
pub const GEN_AI_REQUEST_MODEL: &str = "gen_ai.request.model";
pub const GEN_AI_REQUEST_STREAM: &str = "gen_ai.request.stream";
pub const GEN_AI_RESPONSE_MODEL: &str = "gen_ai.response.model";
pub const GEN_AI_RESPONSE_ID: &str = "gen_ai.response.id";
pub const GEN_AI_RESPONSE_FINISH_REASONS: &str = "gen_ai.response.finish_reasons";
pub const GEN_AI_USAGE_INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
pub const GEN_AI_USAGE_OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";
pub const GEN_AI_USAGE_TOTAL_TOKENS: &str = "gen_ai.usage.total_tokens";
pub const GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: &str = "gen_ai.usage.cache_read.input_tokens";
pub const GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS: &str =
    "gen_ai.usage.cache_creation.input_tokens";
pub const GEN_AI_USAGE_REASONING_OUTPUT_TOKENS: &str = "gen_ai.usage.reasoning.output_tokens";
pub const GEN_AI_TOOL_DEFINITIONS: &str = "gen_ai.tool.definitions";
pub const ERROR_TYPE: &str = "error.type";

/// Sentry's names for the same facts; only the Sentry exporter writes them (conventions §5).
pub const SENTRY_ALIASES: &[(&str, &str)] = &[
    (
        "gen_ai.usage.input_tokens.cached",
        GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
    ),
    (
        "gen_ai.usage.input_tokens.cache_write",
        GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
    ),
    (
        "gen_ai.usage.output_tokens.reasoning",
        GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
    ),
    ("gen_ai.request.available_tools", GEN_AI_TOOL_DEFINITIONS),
    ("gen_ai.response.streaming", GEN_AI_REQUEST_STREAM),
];

/// `gen_ai.system`: the provider in Sentry's vocabulary.
pub const SENTRY_GEN_AI_SYSTEM: &str = "gen_ai.system";

/// Maps an OpenTelemetry provider name to Sentry's `gen_ai.system` value.
pub fn sentry_system_for_provider(provider: &str) -> &str {
    match provider {
        "gcp.gemini" | "gcp.vertex_ai" | "gcp.gen_ai" => "google_genai",
        "azure.ai.openai" => "azure_openai",
        "aws.bedrock" => "aws_bedrock",
        other => other,
    }
}
