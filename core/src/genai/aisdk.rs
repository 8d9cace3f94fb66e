//! The Vercel AI SDK's model calls, tool calls and runs to spans. The AI SDK normalizes every
//! provider behind one language-model interface: `doGenerate(options)` / `doStream(options)`
//! take the call options (`prompt`, `maxOutputTokens`, `temperature`, `tools`,
//! `responseFormat`, …) and give back `content`, `finishReason`, `usage`, `providerMetadata`
//! and `response`. The host hands those objects over as JSON, as the AI SDK made them (a
//! stream's parts gathered into the same result shape), and every decision about what they mean
//! is made here, for each interface version the AI SDK has shipped (v2 in ai 5, v3 in ai 6, v4
//! in ai 7: flat or nested usage, a finish reason string or `{unified, raw}`).

use serde::Deserialize;
use serde_json::{Map, Value as Json};

use super::content::{Message, Part, modality_of};
use super::langchain::{split_system, text};
use super::normalized::{NormalizedRequest, NormalizedResponse};
use super::{AgentSpec, Usage};

/// The origin of the AI SDK's spans.
pub const ORIGIN: &str = "auto.ai.vercel_ai";

/// One model call, as the host saw the AI SDK make it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelCall {
    /// The model's `provider` id: `openai.responses`, `anthropic.messages`,
    /// `google.generative-ai`, …
    pub provider: Option<String>,
    pub model_id: Option<String>,
    /// `doStream` rather than `doGenerate`.
    pub stream: bool,
    /// `embeddings` for `doEmbed`; a language-model call otherwise.
    pub operation: Option<String>,
    /// The call options as the AI SDK passed them (for `doEmbed`, `{values}`).
    pub options: Json,
    /// Where the provider sends the call, when the model tells.
    pub server_address: Option<String>,
    pub server_port: Option<u16>,
}

/// A run (`generateText`, `streamText`, `generateObject`, `streamObject`) as the application
/// started it: the operation's name and the options it passed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunStart {
    /// `generateText`, `streamText`, …
    pub operation: String,
    /// The model's `provider` id and `modelId`, when the model is an object.
    pub provider: Option<String>,
    pub model_id: Option<String>,
    /// The options the application passed (`system`, `prompt`, `messages`,
    /// `experimental_telemetry.functionId`, …); content fields only when inputs are recorded.
    pub options: Json,
}

/// `gen_ai.provider.name` for an AI SDK provider id: its first segment in the contract's
/// spelling (`openai.responses` → `openai`, `google.generative-ai` → `gcp.gemini`,
/// `google.vertex.chat` → `gcp.vertex_ai`, `amazon-bedrock` → `aws.bedrock`).
pub fn provider_name(id: &str) -> String {
    let id = id.to_ascii_lowercase();
    if id.starts_with("google.vertex") || id.starts_with("vertex") {
        return "gcp.vertex_ai".into();
    }
    let first = id.split('.').next().unwrap_or_default().replace('-', "_");
    match first.as_str() {
        "google" => "gcp.gemini".into(),
        "azure" => "azure.ai.openai".into(),
        "amazon_bedrock" | "bedrock" => "aws.bedrock".into(),
        "mistral" => "mistral_ai".into(),
        "xai" => "x_ai".into(),
        other => super::langchain::provider_name(other),
    }
}

/// The request of one model call.
pub fn model_request(call: ModelCall) -> NormalizedRequest {
    let options = &call.options;
    let number = |key: &str| options.get(key).and_then(Json::as_f64);
    let integer = |key: &str| options.get(key).and_then(Json::as_i64);
    let embeddings = call.operation.as_deref() == Some("embeddings");
    let mut request = NormalizedRequest {
        operation: Some(if embeddings { "embeddings" } else { "chat" }.into()),
        provider: Some(
            call.provider
                .as_deref()
                .map_or_else(|| "unknown".into(), provider_name),
        ),
        model: call.model_id,
        stream: call.stream,
        server_address: call.server_address,
        server_port: call.server_port,
        ..NormalizedRequest::default()
    };
    if embeddings {
        request.embeddings_input = options
            .get("values")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .map(|v| match v {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        return request;
    }
    request.temperature = number("temperature");
    request.top_p = number("topP");
    request.top_k = number("topK");
    request.frequency_penalty = number("frequencyPenalty");
    request.presence_penalty = number("presencePenalty");
    request.max_tokens = integer("maxOutputTokens").or_else(|| integer("maxTokens"));
    request.seed = integer("seed");
    request.stop_sequences = options
        .get("stopSequences")
        .and_then(Json::as_array)
        .map(|s| {
            s.iter()
                .filter_map(Json::as_str)
                .map(str::to_owned)
                .collect()
        });
    if options
        .pointer("/responseFormat/type")
        .and_then(Json::as_str)
        == Some("json")
    {
        request.output_type = Some("json".into());
    }
    let (system, messages) = split_system(prompt_messages(
        options.get("prompt").unwrap_or(&Json::Null),
    ));
    request.system = system;
    request.messages = messages;
    request.tools = options
        .get("tools")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(tool_definition)
        .collect();
    request
}

/// `{"type": "function", "name", "description", "parameters"}` for a function tool (its
/// `inputSchema`, or `parameters` in older versions); a provider's own tool keeps its id.
fn tool_definition(tool: &Json) -> Option<Json> {
    let name = text(tool, "name")?;
    let mut out = Map::new();
    match text(tool, "type") {
        Some("function") | None => {
            out.insert("type".into(), "function".into());
            out.insert("name".into(), name.into());
            if let Some(d) = text(tool, "description") {
                out.insert("description".into(), d.into());
            }
            if let Some(schema) = tool.get("inputSchema").or_else(|| tool.get("parameters")) {
                out.insert("parameters".into(), schema.clone());
            }
        }
        Some(_) => {
            out.insert("type".into(), "provider".into());
            out.insert("name".into(), name.into());
            if let Some(id) = text(tool, "id") {
                out.insert("id".into(), id.into());
            }
        }
    }
    Some(Json::Object(out))
}

/// The AI SDK's prompt (its messages: `{role, content}` with a string or typed parts) in the
/// contract's schema.
pub fn prompt_messages(prompt: &Json) -> Vec<Message> {
    let Some(list) = prompt.as_array() else {
        return match prompt {
            Json::String(s) => vec![Message {
                role: "user".into(),
                parts: vec![Part::text(s.clone())],
                finish_reason: None,
            }],
            _ => Vec::new(),
        };
    };
    list.iter()
        .filter_map(|m| {
            let role = text(m, "role")?;
            Some(Message {
                role: role.to_owned(),
                parts: parts(m.get("content").unwrap_or(&Json::Null)),
                finish_reason: None,
            })
        })
        .collect()
}

fn parts(content: &Json) -> Vec<Part> {
    match content {
        Json::String(s) => vec![Part::text(s.clone())],
        Json::Array(items) => items.iter().filter_map(part).collect(),
        _ => Vec::new(),
    }
}

/// One content part: `text`, `reasoning`, `file` / `image`, `tool-call`, `tool-result`.
fn part(item: &Json) -> Option<Part> {
    match text(item, "type")? {
        "text" => Some(Part::text(item.get("text")?.as_str()?)),
        "reasoning" => Some(Part::Reasoning {
            content: item.get("text")?.as_str()?.to_owned(),
        }),
        kind @ ("file" | "image") => {
            let mime = text(item, "mediaType").or_else(|| text(item, "mimeType"));
            let modality = modality_of(mime, if kind == "image" { "image" } else { "file" });
            // Data is a URL, a base64 string, or bytes (serialized as an object or array).
            let data = item.get("data").or_else(|| item.get("image"));
            Some(match data.and_then(Json::as_str) {
                Some(url_or_data) => Part::media(&modality, mime, url_or_data),
                None => Part::blob(&modality, mime),
            })
        }
        "tool-call" => {
            let name = text(item, "toolName")?.to_owned();
            let id = text(item, "toolCallId").map(str::to_owned);
            Some(match item.get("input").or_else(|| item.get("args")) {
                Some(Json::String(raw)) => Part::tool_call(id, name, raw),
                Some(other) => Part::ToolCall {
                    id,
                    name,
                    arguments: other.clone(),
                },
                None => Part::ToolCall {
                    id,
                    name,
                    arguments: Json::Object(Map::new()),
                },
            })
        }
        "tool-result" => Some(Part::ToolCallResponse {
            id: text(item, "toolCallId").map(str::to_owned),
            response: tool_output(item),
        }),
        _ => None,
    }
}

/// A tool result's value: `output: {type: "text" | "json" | "error-text" | …, value}` (ai 5+)
/// or `result` (older).
fn tool_output(item: &Json) -> Json {
    match item.get("output") {
        Some(output) => output
            .get("value")
            .cloned()
            .unwrap_or_else(|| output.clone()),
        None => item.get("result").cloned().unwrap_or(Json::Null),
    }
}

/// What one model call gave back (`doGenerate`'s result; a stream's parts gathered into the
/// same shape by the host).
pub fn model_response(result: &Json) -> NormalizedResponse {
    let response = result.get("response").unwrap_or(&Json::Null);
    let finish = finish_reason(result.get("finishReason"));
    let content = parts(result.get("content").unwrap_or(&Json::Null));
    let mut out = NormalizedResponse {
        id: text(response, "id").map(str::to_owned),
        model: text(response, "modelId").map(str::to_owned),
        usage: usage(result),
        // The host passes an embedding call's vector length, not the vectors.
        embedding_dims: result.get("dimensions").and_then(Json::as_i64),
        ..NormalizedResponse::default()
    };
    if content.is_empty() {
        out.finish_reasons.extend(finish);
    } else {
        out.messages.push(Message {
            role: "assistant".into(),
            parts: content,
            finish_reason: finish,
        });
    }
    out
}

/// The provider's own finish reason (`raw`, ai 6+) or the AI SDK's, spelt as providers spell
/// theirs (`tool-calls` → `tool_calls`).
fn finish_reason(value: Option<&Json>) -> Option<String> {
    let value = value?;
    if let Some(raw) = text(value, "raw") {
        return Some(raw.to_owned());
    }
    let unified = value
        .as_str()
        .or_else(|| value.get("unified").and_then(Json::as_str))?;
    (unified != "unknown").then(|| unified.replace('-', "_"))
}

/// Token counts: `usage` flat (ai 5: `inputTokens`, `cachedInputTokens`, `reasoningTokens`)
/// or nested (ai 6+: `inputTokens: {total, cacheRead, cacheWrite}`, `outputTokens: {total,
/// reasoning}`), an embedding call's `{tokens}`, and cache writes from `providerMetadata`.
fn usage(result: &Json) -> Usage {
    let usage = result.get("usage").unwrap_or(&Json::Null);
    let count = |path: &str| usage.pointer(path).and_then(Json::as_i64);
    let nested = usage.get("inputTokens").is_some_and(Json::is_object)
        || usage.get("outputTokens").is_some_and(Json::is_object);
    let mut out = if nested {
        Usage {
            input: count("/inputTokens/total"),
            output: count("/outputTokens/total"),
            cache_read: count("/inputTokens/cacheRead"),
            cache_creation: count("/inputTokens/cacheWrite"),
            reasoning: count("/outputTokens/reasoning"),
            total: None,
        }
    } else {
        Usage {
            input: count("/inputTokens").or_else(|| count("/tokens")),
            output: count("/outputTokens"),
            cache_read: count("/cachedInputTokens"),
            cache_creation: None,
            reasoning: count("/reasoningTokens"),
            total: count("/totalTokens"),
        }
    };
    if out.cache_creation.is_none() {
        out.cache_creation = result
            .pointer("/providerMetadata/anthropic/cacheCreationInputTokens")
            .and_then(Json::as_i64)
            .filter(|n| *n > 0);
    }
    out
}

/// The agent span of a run: `invoke_agent {functionId}`, or the operation's name when the
/// application gave none; its input is the run's instructions and prompt.
pub fn agent(start: RunStart) -> AgentSpec {
    let options = &start.options;
    let name = options
        .pointer("/experimental_telemetry/functionId")
        .or_else(|| options.pointer("/telemetry/functionId"))
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty())
        .map_or(start.operation, str::to_owned);
    let mut messages = Vec::new();
    for key in ["prompt", "messages"] {
        if let Some(value) = options.get(key) {
            messages.extend(prompt_messages(value));
        }
    }
    let (mut system, messages) = split_system(messages);
    for key in ["system", "instructions"] {
        match options.get(key) {
            Some(Json::String(s)) => system.insert(0, Part::text(s.clone())),
            Some(list @ Json::Array(_)) => {
                system.splice(
                    0..0,
                    prompt_messages(list).into_iter().flat_map(|m| m.parts),
                );
            }
            _ => {}
        }
    }
    AgentSpec {
        name: Some(name),
        provider: start.provider.as_deref().map(provider_name),
        model: start.model_id,
        system,
        messages,
        ..AgentSpec::default()
    }
}

/// A run's final output: `text` (with its reasoning and tool calls left to the model spans), or
/// the object of `generateObject`, as one assistant message.
pub fn agent_output(output: &Json) -> Vec<Message> {
    let part = match output.get("object") {
        Some(object) if !object.is_null() => Part::text(object.to_string()),
        _ => match output.get("text").and_then(Json::as_str) {
            Some(s) => Part::text(s),
            None => return Vec::new(),
        },
    };
    vec![Message {
        role: "assistant".into(),
        parts: vec![part],
        finish_reason: output
            .get("finishReason")
            .and_then(|f| finish_reason(Some(f))),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn provider_ids_take_the_contracts_spelling() {
        assert_eq!(provider_name("openai.responses"), "openai");
        assert_eq!(provider_name("openai.chat"), "openai");
        assert_eq!(provider_name("anthropic.messages"), "anthropic");
        assert_eq!(provider_name("google.generative-ai"), "gcp.gemini");
        assert_eq!(provider_name("google.vertex.chat"), "gcp.vertex_ai");
        assert_eq!(provider_name("amazon-bedrock"), "aws.bedrock");
        assert_eq!(provider_name("azure.responses"), "azure.ai.openai");
        assert_eq!(provider_name("groq.chat"), "groq");
    }

    #[test]
    fn a_v3_call_maps_its_settings_prompt_and_tools() {
        let call: ModelCall = serde_json::from_value(json!({
            "provider": "openai.chat", "model_id": "gpt-4o", "stream": true,
            "options": {
                "maxOutputTokens": 100, "temperature": 0.5, "stopSequences": ["END"],
                "responseFormat": {"type": "json"},
                "prompt": [
                    {"role": "system", "content": "Be terse."},
                    {"role": "user", "content": [{"type": "text", "text": "Weather?"}]},
                    {"role": "assistant", "content": [{"type": "tool-call", "toolCallId": "c1", "toolName": "w", "input": {"city": "Paris"}}]},
                    {"role": "tool", "content": [{"type": "tool-result", "toolCallId": "c1", "toolName": "w", "output": {"type": "text", "value": "sunny"}}]}
                ],
                "tools": [{"type": "function", "name": "w", "description": "Weather.", "inputSchema": {"type": "object"}}]
            }
        }))
        .unwrap();
        let request = model_request(call);
        assert_eq!(request.provider.as_deref(), Some("openai"));
        assert_eq!(request.max_tokens, Some(100));
        assert_eq!(request.temperature, Some(0.5));
        assert!(request.stream);
        assert_eq!(request.output_type.as_deref(), Some("json"));
        assert_eq!(request.system, vec![Part::text("Be terse.")]);
        assert_eq!(request.messages.len(), 3);
        assert_eq!(
            request.messages[1].parts,
            vec![Part::ToolCall {
                id: Some("c1".into()),
                name: "w".into(),
                arguments: json!({"city": "Paris"})
            }]
        );
        assert_eq!(
            request.messages[2].parts,
            vec![Part::ToolCallResponse {
                id: Some("c1".into()),
                response: json!("sunny")
            }]
        );
        assert_eq!(
            request.tools,
            vec![
                json!({"type": "function", "name": "w", "description": "Weather.", "parameters": {"type": "object"}})
            ]
        );
    }

    #[test]
    fn results_of_each_interface_version_give_the_same_usage_and_reasons() {
        let v3 = model_response(&json!({
            "content": [{"type": "tool-call", "toolCallId": "c1", "toolName": "w", "input": "{\"city\":\"Paris\"}"}],
            "finishReason": {"unified": "tool-calls", "raw": "tool_calls"},
            "usage": {"inputTokens": {"total": 60, "noCache": 40, "cacheRead": 20}, "outputTokens": {"total": 15, "reasoning": 3}},
            "response": {"id": "chatcmpl-1", "modelId": "gpt-4o-2024-08-06"}
        }));
        let v2 = model_response(&json!({
            "content": [{"type": "tool-call", "toolCallId": "c1", "toolName": "w", "input": "{\"city\":\"Paris\"}"}],
            "finishReason": "tool-calls",
            "usage": {"inputTokens": 60, "outputTokens": 15, "cachedInputTokens": 20, "reasoningTokens": 3},
            "response": {"id": "chatcmpl-1", "modelId": "gpt-4o-2024-08-06"}
        }));
        for result in [&v3, &v2] {
            assert_eq!(result.id.as_deref(), Some("chatcmpl-1"));
            assert_eq!(result.usage.input, Some(60));
            assert_eq!(result.usage.cache_read, Some(20));
            assert_eq!(result.usage.reasoning, Some(3));
            assert_eq!(
                result.messages[0].finish_reason.as_deref(),
                Some("tool_calls")
            );
            assert_eq!(
                result.messages[0].parts,
                vec![Part::ToolCall {
                    id: Some("c1".into()),
                    name: "w".into(),
                    arguments: json!({"city": "Paris"})
                }]
            );
        }
    }

    #[test]
    fn an_embedding_call_reads_its_values_and_token_count() {
        let call: ModelCall = serde_json::from_value(json!({
            "provider": "openai.embedding", "model_id": "text-embedding-3-small",
            "operation": "embeddings", "options": {"values": ["hello"]}
        }))
        .unwrap();
        let request = model_request(call);
        assert_eq!(request.operation.as_deref(), Some("embeddings"));
        assert_eq!(request.embeddings_input, vec!["hello".to_owned()]);
        let result = model_response(&json!({"usage": {"tokens": 2}, "dimensions": 1536}));
        assert_eq!(result.usage.input, Some(2));
        assert_eq!(result.embedding_dims, Some(1536));
        assert!(result.messages.is_empty());
    }

    #[test]
    fn a_run_is_named_by_its_function_id_else_its_operation() {
        let named = agent(RunStart {
            operation: "generateText".into(),
            provider: Some("anthropic.messages".into()),
            model_id: Some("claude-sonnet-4-5".into()),
            options: json!({"experimental_telemetry": {"functionId": "weather"}, "system": "Be terse.", "prompt": "Weather?"}),
        });
        assert_eq!(named.name.as_deref(), Some("weather"));
        assert_eq!(named.provider.as_deref(), Some("anthropic"));
        assert_eq!(named.system, vec![Part::text("Be terse.")]);
        assert_eq!(named.messages[0].parts, vec![Part::text("Weather?")]);
        let unnamed = agent(RunStart {
            operation: "streamText".into(),
            ..RunStart::default()
        });
        assert_eq!(unnamed.name.as_deref(), Some("streamText"));
        assert_eq!(
            agent_output(&json!({"object": {"city": "Paris"}}))[0].parts,
            vec![Part::text("{\"city\":\"Paris\"}")]
        );
    }
}
