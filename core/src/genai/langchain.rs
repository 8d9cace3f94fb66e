//! LangChain and LangGraph callbacks to spans, once for both languages. LangChain JS and Python
//! share one callback model: a model run starts with the model's serialized class, its
//! invocation parameters, `metadata` (`ls_provider`, `ls_model_name`, LangGraph's `thread_id`,
//! `langgraph_node`) and the messages; it ends with an `LLMResult`; tool and chain runs start
//! with their names and inputs. The host forwards those payloads as JSON (messages as
//! LangChain's message objects dump them: `type`, `content`, `tool_calls`, …, or in LangChain's
//! `{"lc": 1, "type": "constructor", …}` form) and keeps the run id → span bookkeeping; every
//! decision about what a payload means is made here.

use serde::Deserialize;
use serde_json::{Map, Value as Json};

use super::content::{Message, Part};
use super::normalized::{NormalizedRequest, NormalizedResponse};
use super::{AgentSpec, ToolSpec, Usage};

/// The origin of model, tool and agent spans from LangChain's callbacks.
pub const ORIGIN: &str = "auto.ai.langchain";

/// The origin of an agent span: LangGraph's for a graph run.
pub fn chain_origin(start: &ChainStart) -> &'static str {
    if text(&start.metadata, "ls_integration") == Some("langgraph") {
        "auto.ai.langgraph"
    } else {
        ORIGIN
    }
}

/// A model run's start (`on_chat_model_start` / `on_llm_start`, `handleChatModelStart` /
/// `handleLLMStart`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelStart {
    /// The model's serialized class (`{"id": ["langchain", "chat_models", "openai", …]}`).
    pub serialized: Json,
    /// A chat model's input: the messages of this run (LangChain passes one list per run).
    pub messages: Vec<Json>,
    /// A text model's prompts.
    pub prompts: Vec<String>,
    pub invocation_params: Json,
    pub metadata: Json,
}

/// A chain run's start, without its inputs (given apart, and only when inputs are recorded).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChainStart {
    pub name: Option<String>,
    pub serialized: Json,
    pub metadata: Json,
}

/// A tool run's start.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ToolStart {
    pub name: Option<String>,
    pub serialized: Json,
    /// The input as a string (`input_str`), and as structured arguments when the host has them.
    pub input: Option<Json>,
    pub inputs: Option<Json>,
    pub tool_call_id: Option<String>,
    pub metadata: Json,
}

/// A non-empty string field of a JSON object.
pub(super) fn text<'a>(value: &'a Json, key: &str) -> Option<&'a str> {
    value
        .get(key)
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty())
}

fn first_text<'a>(sources: &[(&'a Json, &str)]) -> Option<&'a str> {
    sources.iter().find_map(|(value, key)| text(value, key))
}

fn first_number(sources: &[(&Json, &str)]) -> Option<f64> {
    sources
        .iter()
        .find_map(|(value, key)| value.get(*key).and_then(Json::as_f64))
}

fn first_int(sources: &[(&Json, &str)]) -> Option<i64> {
    first_number(sources).map(|n| n as i64)
}

/// `gen_ai.provider.name` for LangChain's `ls_provider` (or the package in the model's class
/// path): the contract's spelling where one exists, else LangChain's.
pub fn provider_name(ls_provider: &str) -> String {
    let name = ls_provider.to_ascii_lowercase();
    match name.as_str() {
        "openai" => "openai",
        "azure" | "azure_openai" | "azureopenai" => "azure.ai.openai",
        "anthropic" => "anthropic",
        "google_genai" | "google_generativeai" | "genai" => "gcp.gemini",
        "google_vertexai" | "vertexai" | "google_anthropic_vertex" => "gcp.vertex_ai",
        "bedrock" | "amazon_bedrock" | "aws" | "bedrock_converse" => "aws.bedrock",
        "mistral" | "mistralai" => "mistral_ai",
        "xai" => "x_ai",
        "ibm" | "watsonx" => "ibm.watsonx.ai",
        "azure_ai" | "azure_ai_inference" => "azure.ai.inference",
        other => return other.to_owned(),
    }
    .to_owned()
}

/// The package segment of a serialized class path: `["langchain", "chat_models", "openai",
/// "ChatOpenAI"]` → `openai`; `["langchain_anthropic", "chat_models", "ChatAnthropic"]` →
/// `anthropic`.
fn provider_from_class(serialized: &Json) -> Option<String> {
    let path: Vec<&str> = serialized
        .get("id")?
        .as_array()?
        .iter()
        .filter_map(Json::as_str)
        .collect();
    let package = match path.as_slice() {
        ["langchain", "chat_models" | "llms", package, _] => *package,
        [package, ..] => package.strip_prefix("langchain_")?,
        [] => return None,
    };
    Some(provider_name(package))
}

/// The request a model run makes.
pub fn model_request(start: ModelStart) -> NormalizedRequest {
    let params = &start.invocation_params;
    let meta = &start.metadata;
    let kwargs = start.serialized.get("kwargs").unwrap_or(&Json::Null);
    let provider = text(meta, "ls_provider")
        .map(provider_name)
        .or_else(|| provider_from_class(&start.serialized));
    let operation = match text(meta, "ls_model_type") {
        Some("llm") => "text_completion",
        _ if start.messages.is_empty() && !start.prompts.is_empty() => "text_completion",
        _ => "chat",
    };
    let stop = params
        .get("stop")
        .or_else(|| params.get("stop_sequences"))
        .or_else(|| meta.get("ls_stop"))
        .and_then(|s| match s {
            Json::String(one) => Some(vec![one.clone()]),
            Json::Array(many) => Some(
                many.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect(),
            ),
            _ => None,
        });
    let mut messages: Vec<Message> = start.messages.iter().filter_map(message).collect();
    messages.extend(start.prompts.into_iter().map(|prompt| Message {
        role: "user".into(),
        parts: vec![Part::text(prompt)],
        finish_reason: None,
    }));
    let (system, messages) = split_system(messages);
    NormalizedRequest {
        operation: Some(operation.into()),
        provider,
        model: first_text(&[
            (meta, "ls_model_name"),
            (params, "model"),
            (params, "model_name"),
            (params, "modelName"),
            (kwargs, "model"),
            (kwargs, "model_name"),
        ])
        .map(str::to_owned),
        temperature: first_number(&[(params, "temperature"), (meta, "ls_temperature")]),
        top_p: first_number(&[(params, "top_p"), (params, "topP")]),
        top_k: first_number(&[(params, "top_k"), (params, "topK")]),
        frequency_penalty: first_number(&[
            (params, "frequency_penalty"),
            (params, "frequencyPenalty"),
        ]),
        presence_penalty: first_number(&[
            (params, "presence_penalty"),
            (params, "presencePenalty"),
        ]),
        max_tokens: first_int(&[
            (params, "max_tokens"),
            (params, "max_completion_tokens"),
            (params, "max_output_tokens"),
            (params, "maxTokens"),
            (params, "maxOutputTokens"),
            (meta, "ls_max_tokens"),
        ]),
        seed: first_int(&[(params, "seed")]),
        stop_sequences: stop,
        stream: [params.get("stream"), params.get("streaming")]
            .into_iter()
            .any(|v| v.and_then(Json::as_bool) == Some(true)),
        output_type: None,
        system,
        messages,
        tools: params
            .get("tools")
            .and_then(Json::as_array)
            .map(|tools| tools.iter().map(tool_definition).collect())
            .unwrap_or_default(),
        embeddings_input: Vec::new(),
        conversation_id: conversation_id(meta),
        server_address: None,
        server_port: None,
    }
}

/// LangGraph copies `configurable.thread_id` into the run's metadata.
fn conversation_id(meta: &Json) -> Option<String> {
    match meta.get("thread_id")? {
        Json::String(id) if !id.is_empty() => Some(id.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// System messages are the request's instructions, apart from the conversation.
pub(super) fn split_system(messages: Vec<Message>) -> (Vec<Part>, Vec<Message>) {
    let mut system = Vec::new();
    let mut rest = Vec::with_capacity(messages.len());
    for message in messages {
        if message.role == "system" {
            system.extend(message.parts);
        } else {
            rest.push(message);
        }
    }
    (system, rest)
}

/// A tool definition in the contract's shape, from OpenAI's (`{"type": "function", "function":
/// {…}}`), Anthropic's (`input_schema`) or LangChain's own form.
fn tool_definition(tool: &Json) -> Json {
    let inner = tool.get("function").unwrap_or(tool);
    let mut out = Map::new();
    out.insert("type".into(), Json::String("function".into()));
    for (from, to) in [
        ("name", "name"),
        ("description", "description"),
        ("parameters", "parameters"),
        ("input_schema", "parameters"),
        ("schema", "parameters"),
    ] {
        if let Some(value) = inner.get(from)
            && !out.contains_key(to)
        {
            out.insert(to.into(), value.clone());
        }
    }
    Json::Object(out)
}

/// The fields of a message in any form a host may hand over: a dumped message (`type`,
/// `content`, …), LangChain's serialized form (`{"lc": 1, "type": "constructor", "id": […,
/// "HumanMessage"], "kwargs": {…}}`), an OpenAI-style `{"role", "content"}`, a `[role, text]`
/// pair or a bare string (a user message).
pub fn message(value: &Json) -> Option<Message> {
    match value {
        Json::String(text) => Some(Message {
            role: "user".into(),
            parts: vec![Part::text(text.clone())],
            finish_reason: None,
        }),
        Json::Array(pair) if is_pair(pair) => {
            let role = role_of(pair[0].as_str()?);
            Some(Message {
                role,
                parts: parts(&pair[1]),
                finish_reason: None,
            })
        }
        Json::Object(fields) => {
            let (kind, body) = if fields.get("lc").is_some() && fields.get("kwargs").is_some() {
                let class = fields
                    .get("id")
                    .and_then(Json::as_array)
                    .and_then(|id| id.last())
                    .and_then(Json::as_str)
                    .unwrap_or("");
                (class_role(class), &fields["kwargs"])
            } else {
                (
                    text(value, "type")
                        .or_else(|| text(value, "role"))
                        .unwrap_or("user"),
                    value,
                )
            };
            let role = match kind {
                "chat" | "generic" => text(body, "role").map_or_else(|| "user".into(), role_of),
                other => role_of(other),
            };
            let mut parts = parts(body.get("content").unwrap_or(&Json::Null));
            if role == "tool" {
                let response = match parts.as_slice() {
                    [Part::Text { content }] => {
                        serde_json::from_str(content).unwrap_or(Json::String(content.clone()))
                    }
                    _ => body.get("content").cloned().unwrap_or(Json::Null),
                };
                parts = vec![Part::ToolCallResponse {
                    id: text(body, "tool_call_id").map(str::to_owned),
                    response,
                }];
            }
            for call in body
                .get("tool_calls")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                // LangChain's own `{name, args, id}`, or a provider's `{function: {…}}`.
                let inner = call.get("function").unwrap_or(call);
                let Some(name) = text(inner, "name") else {
                    continue;
                };
                let arguments = match inner.get("args").or_else(|| inner.get("arguments")) {
                    Some(Json::String(raw)) => {
                        serde_json::from_str(raw).unwrap_or(Json::String(raw.clone()))
                    }
                    Some(other) => other.clone(),
                    None => Json::Object(Map::new()),
                };
                let id = text(call, "id").map(str::to_owned);
                // An Anthropic reply lists its tool_use blocks in the content as well.
                if !parts.iter().any(
                    |p| matches!(p, Part::ToolCall { id: seen, .. } if *seen == id && id.is_some()),
                ) {
                    parts.push(Part::ToolCall {
                        id,
                        name: name.to_owned(),
                        arguments,
                    });
                }
            }
            Some(Message {
                role,
                parts,
                finish_reason: None,
            })
        }
        _ => None,
    }
}

/// A `(role, content)` pair, as LangChain accepts messages (`("user", "Hi")`).
fn is_pair(items: &[Json]) -> bool {
    const ROLES: [&str; 8] = [
        "user",
        "human",
        "ai",
        "assistant",
        "system",
        "developer",
        "tool",
        "function",
    ];
    items.len() == 2 && items[0].as_str().is_some_and(|role| ROLES.contains(&role))
}

fn class_role(class: &str) -> &str {
    match class.trim_end_matches("Chunk") {
        "HumanMessage" => "human",
        "AIMessage" => "ai",
        "SystemMessage" => "system",
        "ToolMessage" | "FunctionMessage" => "tool",
        "ChatMessage" => "chat",
        _ => "user",
    }
}

fn role_of(kind: &str) -> String {
    match kind {
        "human" | "user" => "user",
        "ai" | "assistant" | "AIMessageChunk" => "assistant",
        "system" | "developer" => "system",
        "tool" | "function" => "tool",
        other => other,
    }
    .to_owned()
}

/// A message's content: a string, or a list of content blocks (LangChain's standard blocks
/// and the providers' own: `text`, `image_url`, `image`, `tool_use`, `thinking`, …).
fn parts(content: &Json) -> Vec<Part> {
    match content {
        Json::String(text) if text.is_empty() => Vec::new(),
        Json::String(text) => vec![Part::text(text.clone())],
        Json::Array(blocks) => blocks.iter().filter_map(block).collect(),
        _ => Vec::new(),
    }
}

fn block(block: &Json) -> Option<Part> {
    if let Json::String(text) = block {
        return Some(Part::text(text.clone()));
    }
    let mime = text(block, "mime_type").or_else(|| text(block, "mimeType"));
    match text(block, "type")? {
        "text" | "text_delta" | "output_text" => {
            text(block, "text").map(|t| Part::text(t.to_owned()))
        }
        "thinking" | "reasoning" => text(block, "thinking")
            .or_else(|| text(block, "reasoning"))
            .or_else(|| text(block, "text"))
            .map(|t| Part::Reasoning {
                content: t.to_owned(),
            }),
        "tool_use" | "tool_call" => Some(Part::ToolCall {
            id: text(block, "id").map(str::to_owned),
            name: text(block, "name")?.to_owned(),
            arguments: block
                .get("input")
                .or_else(|| block.get("args"))
                .cloned()
                .unwrap_or(Json::Object(Map::new())),
        }),
        "image_url" => {
            let url = block.get("image_url").and_then(|u| match u {
                Json::String(url) => Some(url.as_str()),
                other => text(other, "url"),
            })?;
            Some(Part::media("image", mime, url))
        }
        kind @ ("image" | "audio" | "video" | "file") => {
            if let Some(url) = text(block, "url") {
                Some(Part::media(kind, mime, url))
            } else if let Some(id) = text(block, "file_id").or_else(|| text(block, "id")) {
                Some(Part::File {
                    modality: kind.to_owned(),
                    mime_type: mime.map(str::to_owned),
                    file_id: id.to_owned(),
                })
            } else {
                // Inline data (`base64`, `data`, or Anthropic's `source`): never recorded.
                let source_mime = block.get("source").and_then(|s| text(s, "media_type"));
                Some(Part::blob(kind, mime.or(source_mime)))
            }
        }
        _ => None,
    }
}

/// What a model run returned: LangChain's `LLMResult` (`generations`, `llm_output`).
pub fn model_response(result: &Json) -> NormalizedResponse {
    let mut response = NormalizedResponse::default();
    let generations = result
        .get("generations")
        .and_then(Json::as_array)
        .and_then(|outer| outer.first())
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    // Python's snake_case, or LangChain JS's camelCase.
    let llm_output = result
        .get("llm_output")
        .or_else(|| result.get("llmOutput"))
        .unwrap_or(&Json::Null);
    let mut usage = Usage::default();
    for generation in &generations {
        let msg = generation.get("message").unwrap_or(&Json::Null);
        let body = msg.get("kwargs").unwrap_or(msg);
        let meta = body.get("response_metadata").unwrap_or(&Json::Null);
        let info = generation
            .get("generation_info")
            .or_else(|| generation.get("generationInfo"))
            .unwrap_or(&Json::Null);
        let reason = first_text(&[
            (info, "finish_reason"),
            (meta, "finish_reason"),
            (meta, "stop_reason"),
            (meta, "finishReason"),
        ]);
        let mut out = message(msg).unwrap_or_else(|| Message {
            role: "assistant".into(),
            parts: text(generation, "text")
                .map(|t| vec![Part::text(t.to_owned())])
                .unwrap_or_default(),
            finish_reason: None,
        });
        out.role = "assistant".into();
        out.finish_reason = reason.map(str::to_owned);
        response.messages.push(out);
        if response.id.is_none() {
            // A message id LangChain made up (`run-…`, `lc_run--…`) is not the provider's.
            response.id = first_text(&[(meta, "id"), (body, "id")])
                .filter(|id| !id.starts_with("run-") && !id.starts_with("lc_run"))
                .map(str::to_owned);
        }
        if response.model.is_none() {
            response.model =
                first_text(&[(meta, "model_name"), (meta, "model")]).map(str::to_owned);
        }
        if let Some(counts) = body.get("usage_metadata") {
            usage.add(&usage_metadata(counts));
        }
    }
    if usage == Usage::default() {
        usage = provider_usage(
            llm_output
                .get("token_usage")
                .or_else(|| llm_output.get("usage"))
                .or_else(|| llm_output.get("tokenUsage"))
                .unwrap_or(&Json::Null),
        );
    }
    response.usage = usage;
    if response.model.is_none() {
        response.model =
            first_text(&[(llm_output, "model_name"), (llm_output, "model")]).map(str::to_owned);
    }
    if response.id.is_none() {
        response.id = text(llm_output, "id").map(str::to_owned);
    }
    response
}

fn count(value: &Json, keys: &[&str]) -> Option<i64> {
    keys.iter()
        .find_map(|key| value.get(*key).and_then(Json::as_i64))
}

/// LangChain's `usage_metadata`: input includes cached, output includes reasoning, as the
/// contract counts them.
fn usage_metadata(counts: &Json) -> Usage {
    let input_details = counts.get("input_token_details").unwrap_or(&Json::Null);
    let output_details = counts.get("output_token_details").unwrap_or(&Json::Null);
    Usage {
        input: count(counts, &["input_tokens"]),
        output: count(counts, &["output_tokens"]),
        cache_read: count(input_details, &["cache_read"]),
        cache_creation: count(input_details, &["cache_creation"]),
        reasoning: count(output_details, &["reasoning"]),
        total: count(counts, &["total_tokens"]),
    }
}

/// A provider's own usage object as `llm_output` carries it (OpenAI's or Anthropic's names).
fn provider_usage(counts: &Json) -> Usage {
    let prompt_details = counts.get("prompt_tokens_details").unwrap_or(&Json::Null);
    let completion_details = counts
        .get("completion_tokens_details")
        .unwrap_or(&Json::Null);
    Usage {
        input: count(counts, &["prompt_tokens", "promptTokens", "input_tokens"]),
        output: count(
            counts,
            &["completion_tokens", "completionTokens", "output_tokens"],
        ),
        cache_read: count(prompt_details, &["cached_tokens"]),
        cache_creation: None,
        reasoning: count(completion_details, &["reasoning_tokens"]),
        total: count(counts, &["total_tokens", "totalTokens"]),
    }
}

/// The agent a chain run is, if it is one: a LangGraph graph's run (not one of its nodes), a
/// LangChain v1 agent, or a legacy agent executor. Other chains (sequences,
/// prompts, graph nodes) get no span of their own: their model and tool runs attach to the
/// nearest agent, or to the application's span.
pub fn agent(start: &ChainStart) -> Option<AgentSpec> {
    let meta = &start.metadata;
    let class = start
        .serialized
        .get("id")
        .and_then(Json::as_array)
        .and_then(|id| id.last())
        .and_then(Json::as_str);
    let name = start
        .name
        .as_deref()
        .or_else(|| text(&start.serialized, "name"))
        .or(class);
    let agent_name = text(meta, "lc_agent_name");
    // A graph's own run: its nodes' runs carry the node's name in `langgraph_node`.
    let graph_run = matches!(
        text(meta, "ls_integration"),
        Some("langgraph" | "langchain_create_agent")
    ) && meta.get("langgraph_node").is_none();
    // LangChain v1 `create_agent(name=…)`: the agent's run bears its name (a sub-agent's too,
    // inside another agent's node).
    let named_agent = agent_name.is_some() && agent_name == name;
    let executor = name == Some("AgentExecutor") || class == Some("AgentExecutor");
    if !(graph_run || named_agent || executor) {
        return None;
    }
    Some(AgentSpec {
        operation: Some("invoke_agent".into()),
        name: agent_name.or(name).map(str::to_owned),
        conversation_id: conversation_id(meta),
        ..AgentSpec::default()
    })
}

/// A chain's input as messages: LangGraph's state (`{"messages": […]}`), an agent
/// executor's `{"input": …}`, a list of messages or one message.
pub fn chain_messages(value: &Json) -> Vec<Message> {
    messages_in(value, "input")
}

/// An agent's final output: the last message of its output state (an executor's `output`).
pub fn agent_output(value: &Json) -> Vec<Message> {
    let executor_answer =
        matches!(value, Json::Object(f) if f.contains_key("output") && !f.contains_key("messages"));
    let mut last = messages_in(value, "output").pop();
    if executor_answer && let Some(message) = &mut last {
        message.role = "assistant".into();
    }
    last.into_iter().collect()
}

fn messages_in(value: &Json, field: &str) -> Vec<Message> {
    let value = match value {
        Json::Object(fields) => fields
            .get("messages")
            .or_else(|| fields.get(field))
            .unwrap_or(value),
        other => other,
    };
    match value {
        Json::Array(items) if is_pair(items) => message(value).into_iter().collect(),
        Json::Array(items) => items.iter().filter_map(message).collect(),
        other => message(other).into_iter().collect(),
    }
}

/// A tool run's span spec.
pub fn tool(start: ToolStart) -> ToolSpec {
    let name = start
        .name
        .as_deref()
        .or_else(|| text(&start.serialized, "name"))
        .unwrap_or("tool")
        .to_owned();
    let arguments = start.inputs.filter(|v| !v.is_null()).or(match start.input {
        Some(Json::String(raw)) => Some(serde_json::from_str(&raw).unwrap_or(Json::String(raw))),
        other => other,
    });
    ToolSpec {
        name,
        call_id: start.tool_call_id.filter(|id| !id.is_empty()),
        tool_type: None,
        description: text(&start.serialized, "description").map(str::to_owned),
        arguments,
    }
}

/// A tool's result: a `ToolMessage`'s content, or the value as it came.
pub fn tool_result(output: &Json) -> Json {
    let body = output.get("kwargs").unwrap_or(output);
    let is_message = body.get("tool_call_id").is_some()
        || text(body, "type") == Some("tool")
        || output.get("lc").is_some();
    match body.get("content") {
        Some(content) if is_message => content.clone(),
        _ => output.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn start(value: Json) -> ChainStart {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_message_reads_the_same_in_every_form_a_host_hands_over() {
        let want = Message {
            role: "user".into(),
            parts: vec![Part::text("Hi")],
            finish_reason: None,
        };
        for form in [
            json!("Hi"),
            json!(["user", "Hi"]),
            json!({"type": "human", "content": "Hi"}),
            json!({"role": "user", "content": [{"type": "text", "text": "Hi"}]}),
            json!({"lc": 1, "type": "constructor", "id": ["langchain_core", "messages", "HumanMessage"],
                   "kwargs": {"content": "Hi"}}),
        ] {
            assert_eq!(message(&form), Some(want.clone()), "{form}");
        }
    }

    #[test]
    fn tool_calls_and_tool_results_become_parts() {
        let ai = json!({"type": "ai", "content": [
            {"type": "thinking", "thinking": "hmm"},
            {"type": "tool_use", "id": "t1", "name": "f", "input": {"a": 1}}],
            "tool_calls": [{"name": "f", "args": {"a": 1}, "id": "t1"}]});
        assert_eq!(
            message(&ai).unwrap().parts,
            vec![
                Part::Reasoning {
                    content: "hmm".into()
                },
                Part::ToolCall {
                    id: Some("t1".into()),
                    name: "f".into(),
                    arguments: json!({"a": 1}),
                },
            ],
            "an Anthropic tool_use block and the same call in tool_calls are one part"
        );
        let tool = json!({"type": "tool", "content": "{\"t\": 21}", "tool_call_id": "t1"});
        assert_eq!(
            message(&tool).unwrap().parts,
            vec![Part::ToolCallResponse {
                id: Some("t1".into()),
                response: json!({"t": 21}),
            }]
        );
    }

    #[test]
    fn the_request_comes_from_metadata_and_invocation_params() {
        let request = model_request(
            serde_json::from_value(json!({
                "serialized": {"id": ["langchain", "chat_models", "anthropic", "ChatAnthropic"]},
                "invocation_params": {"model": "claude-x", "max_tokens": 64, "temperature": 0.5,
                                      "stream": true, "stop": ["END"],
                                      "tools": [{"name": "f", "description": "d", "input_schema": {"type": "object"}}]},
                "metadata": {"ls_provider": "anthropic", "thread_id": "th"},
                "messages": [{"type": "system", "content": "Be brief."}, {"type": "human", "content": "Hi"}]
            }))
            .unwrap(),
        );
        assert_eq!(request.provider.as_deref(), Some("anthropic"));
        assert_eq!(request.model.as_deref(), Some("claude-x"));
        assert_eq!(
            (request.max_tokens, request.temperature, request.stream),
            (Some(64), Some(0.5), true)
        );
        assert_eq!(request.stop_sequences, Some(vec!["END".to_owned()]));
        assert_eq!(request.conversation_id.as_deref(), Some("th"));
        assert_eq!(request.system, vec![Part::text("Be brief.")]);
        assert_eq!(request.messages.len(), 1);
        assert_eq!(
            request.tools,
            vec![
                json!({"type": "function", "name": "f", "description": "d", "parameters": {"type": "object"}})
            ]
        );
    }

    #[test]
    fn providers_take_the_contract_spelling() {
        for (ls, want) in [
            ("google_genai", "gcp.gemini"),
            ("azure", "azure.ai.openai"),
            ("bedrock", "aws.bedrock"),
            ("mistralai", "mistral_ai"),
            ("groq", "groq"),
        ] {
            assert_eq!(provider_name(ls), want);
        }
        let class = json!({"id": ["langchain_google_vertexai", "chat_models", "ChatVertexAI"]});
        assert_eq!(
            provider_from_class(&class).as_deref(),
            Some("gcp.vertex_ai")
        );
    }

    #[test]
    fn usage_comes_from_usage_metadata_else_the_provider_object() {
        let with_metadata = json!({"generations": [[{"message": {"type": "ai", "content": "x",
            "id": "run-123",
            "response_metadata": {"model_name": "m-1", "stop_reason": "end_turn", "id": "msg_1"},
            "usage_metadata": {"input_tokens": 10, "output_tokens": 4, "total_tokens": 14,
                               "input_token_details": {"cache_read": 6, "cache_creation": 2},
                               "output_token_details": {"reasoning": 3}}}}]]});
        let response = model_response(&with_metadata);
        assert_eq!(response.id.as_deref(), Some("msg_1"));
        assert_eq!(response.model.as_deref(), Some("m-1"));
        assert_eq!(
            response.messages[0].finish_reason.as_deref(),
            Some("end_turn")
        );
        assert_eq!(
            response.usage,
            Usage {
                input: Some(10),
                output: Some(4),
                cache_read: Some(6),
                cache_creation: Some(2),
                reasoning: Some(3),
                total: Some(14),
            }
        );
        let text_model = json!({"generations": [[{"text": "y", "generation_info": {"finish_reason": "length"}}]],
            "llm_output": {"token_usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
                           "model_name": "davinci"}});
        let response = model_response(&text_model);
        assert_eq!(
            (response.usage.input, response.usage.output),
            (Some(5), Some(1))
        );
        assert_eq!(response.model.as_deref(), Some("davinci"));
        assert_eq!(response.messages[0].parts, vec![Part::text("y")]);
        assert_eq!(
            response.messages[0].finish_reason.as_deref(),
            Some("length")
        );
    }

    #[test]
    fn only_agents_get_a_chain_span() {
        let graph = start(
            json!({"name": "LangGraph", "metadata": {"ls_integration": "langgraph", "thread_id": 7}}),
        );
        let spec = agent(&graph).expect("a graph run is an agent");
        assert_eq!(spec.name.as_deref(), Some("LangGraph"));
        assert_eq!(spec.conversation_id.as_deref(), Some("7"));
        assert_eq!(chain_origin(&graph), "auto.ai.langgraph");

        let node = start(
            json!({"name": "agent", "metadata": {"ls_integration": "langgraph", "langgraph_node": "agent"}}),
        );
        assert_eq!(agent(&node), None, "a node of a graph is not an agent");
        let sequence = start(json!({"name": "RunnableSequence", "metadata": {}}));
        assert_eq!(agent(&sequence), None);

        let sub_agent = start(json!({"name": "researcher", "metadata": {
            "ls_integration": "langchain_create_agent", "lc_agent_name": "researcher", "langgraph_node": "tools"}}));
        assert_eq!(
            agent(&sub_agent).and_then(|a| a.name).as_deref(),
            Some("researcher"),
            "a create_agent run inside another agent's node is an agent"
        );
        let executor = start(json!({"name": "AgentExecutor", "metadata": {}}));
        assert!(agent(&executor).is_some());
        assert_eq!(chain_origin(&executor), "auto.ai.langchain");
    }

    #[test]
    fn an_agent_output_is_its_last_message_and_a_tool_result_its_content() {
        let state = json!({"messages": [["user", "q"], {"type": "ai", "content": "answer"}]});
        assert_eq!(
            agent_output(&state),
            vec![Message {
                role: "assistant".into(),
                parts: vec![Part::text("answer")],
                finish_reason: None,
            }]
        );
        let executor = json!({"input": "q", "output": "done"});
        assert_eq!(
            agent_output(&executor),
            vec![Message {
                role: "assistant".into(),
                parts: vec![Part::text("done")],
                finish_reason: None,
            }]
        );
        assert_eq!(chain_messages(&executor)[0].parts, vec![Part::text("q")]);
        let tool_message = json!({"type": "tool", "content": "sunny", "tool_call_id": "c1"});
        assert_eq!(tool_result(&tool_message), json!("sunny"));
        assert_eq!(tool_result(&json!({"temp": 21})), json!({"temp": 21}));
    }
}
