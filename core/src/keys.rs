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

pub const SERVER_ADDRESS: &str = "server.address";
pub const SERVER_PORT: &str = "server.port";
pub const GEN_AI_REQUEST_TEMPERATURE: &str = "gen_ai.request.temperature";
pub const GEN_AI_REQUEST_TOP_P: &str = "gen_ai.request.top_p";
pub const GEN_AI_REQUEST_TOP_K: &str = "gen_ai.request.top_k";
pub const GEN_AI_REQUEST_FREQUENCY_PENALTY: &str = "gen_ai.request.frequency_penalty";
pub const GEN_AI_REQUEST_PRESENCE_PENALTY: &str = "gen_ai.request.presence_penalty";
pub const GEN_AI_REQUEST_MAX_TOKENS: &str = "gen_ai.request.max_tokens";
pub const GEN_AI_REQUEST_STOP_SEQUENCES: &str = "gen_ai.request.stop_sequences";
pub const GEN_AI_REQUEST_SEED: &str = "gen_ai.request.seed";
pub const GEN_AI_REQUEST_CHOICE_COUNT: &str = "gen_ai.request.choice.count";
pub const GEN_AI_OUTPUT_TYPE: &str = "gen_ai.output.type";
pub const GEN_AI_CONVERSATION_ID: &str = "gen_ai.conversation.id";
pub const GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK: &str = "gen_ai.response.time_to_first_chunk";
pub const GEN_AI_RESPONSE_TOKENS_PER_SECOND: &str = "gen_ai.response.tokens_per_second";
pub const GEN_AI_COST_INPUT_TOKENS: &str = "gen_ai.cost.input_tokens";
pub const GEN_AI_COST_OUTPUT_TOKENS: &str = "gen_ai.cost.output_tokens";
pub const GEN_AI_COST_TOTAL_TOKENS: &str = "gen_ai.cost.total_tokens";
pub const OPENAI_API_TYPE: &str = "openai.api.type";
pub const OPENAI_RESPONSE_SYSTEM_FINGERPRINT: &str = "openai.response.system_fingerprint";
pub const OPENAI_RESPONSE_SERVICE_TIER: &str = "openai.response.service_tier";
pub const GEN_AI_EMBEDDINGS_DIMENSION_COUNT: &str = "gen_ai.embeddings.dimension.count";
pub const GEN_AI_AGENT_NAME: &str = "gen_ai.agent.name";
pub const GEN_AI_AGENT_ID: &str = "gen_ai.agent.id";
pub const GEN_AI_AGENT_DESCRIPTION: &str = "gen_ai.agent.description";
pub const GEN_AI_TOOL_NAME: &str = "gen_ai.tool.name";
pub const GEN_AI_TOOL_CALL_ID: &str = "gen_ai.tool.call.id";
pub const GEN_AI_TOOL_TYPE: &str = "gen_ai.tool.type";
pub const GEN_AI_TOOL_DESCRIPTION: &str = "gen_ai.tool.description";
pub const GEN_AI_TOOL_CALL_ARGUMENTS: &str = "gen_ai.tool.call.arguments";
pub const GEN_AI_TOOL_CALL_RESULT: &str = "gen_ai.tool.call.result";

// Content (recorded only when allowed).
pub const GEN_AI_INPUT_MESSAGES: &str = "gen_ai.input.messages";
pub const GEN_AI_OUTPUT_MESSAGES: &str = "gen_ai.output.messages";
pub const GEN_AI_SYSTEM_INSTRUCTIONS: &str = "gen_ai.system_instructions";
pub const GEN_AI_EMBEDDINGS_INPUT: &str = "gen_ai.embeddings.input";
/// The message count before truncation, when a content attribute was cut to its cap.
pub const LLMTEL_CONTENT_ORIGINAL_LENGTH: &str = "llmtel.content.original_length";
/// Anthropic `count_tokens`: the count, kept apart from usage (nothing was consumed).
pub const ANTHROPIC_COUNT_TOKENS_INPUT_TOKENS: &str = "anthropic.count_tokens.input_tokens";

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
