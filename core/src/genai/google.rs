//! Google GenAI (Gemini API and Vertex AI): generateContent(Stream), chats sendMessage(Stream),
//! embedContent. Hosts hand over SDK parameters (`config` rather than `generationConfig`,
//! camelCase from JS and snake_case from Python) or wire bodies; both shapes and both spellings
//! are read.

use serde_json::Value as Json;

use super::content::{self, Message, Part, modality_of};
use super::{Api, MapContext, MappingError, Outcome, RequestFacts, Usage, parse, record_present};
use crate::keys as k;
use crate::span::Attributes;

/// The first of the given spellings present in an object.
fn get<'a>(value: &'a Json, names: &[&str]) -> Option<&'a Json> {
    names
        .iter()
        .find_map(|n| value.get(*n))
        .filter(|v| !v.is_null())
}

fn int(value: Option<&Json>) -> Option<i64> {
    value.and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
}

pub(super) fn map_request(
    api: Api,
    json: &str,
    attrs: &mut Attributes,
    facts: &mut RequestFacts,
    ctx: &MapContext<'_>,
) -> Result<(), MappingError> {
    let req: Json = parse("request", json)?;
    let model = req.get("model").and_then(Json::as_str);
    facts.record_model(attrs, model.map(|m| m.strip_prefix("models/").unwrap_or(m)));
    // Generation settings live in `config` (SDKs) or `generationConfig` (the wire).
    let empty = Json::Null;
    let config = get(&req, &["config"]).unwrap_or(&empty);
    let generation = get(&req, &["generationConfig", "generation_config"])
        .or_else(|| get(config, &["generationConfig", "generation_config"]))
        .unwrap_or(config);
    let setting = |names: &[&str]| get(generation, names).or_else(|| get(config, names));
    for (key, names) in [
        (k::GEN_AI_REQUEST_TEMPERATURE, &["temperature"][..]),
        (k::GEN_AI_REQUEST_TOP_P, &["topP", "top_p"]),
        (k::GEN_AI_REQUEST_TOP_K, &["topK", "top_k"]),
        (
            k::GEN_AI_REQUEST_FREQUENCY_PENALTY,
            &["frequencyPenalty", "frequency_penalty"],
        ),
        (
            k::GEN_AI_REQUEST_PRESENCE_PENALTY,
            &["presencePenalty", "presence_penalty"],
        ),
    ] {
        if let Some(v) = setting(names).and_then(Json::as_f64) {
            attrs.set(key, v);
        }
    }
    record_present(
        attrs,
        [
            (
                k::GEN_AI_REQUEST_MAX_TOKENS,
                int(setting(&["maxOutputTokens", "max_output_tokens"])),
            ),
            (k::GEN_AI_REQUEST_SEED, int(setting(&["seed"]))),
        ],
    );
    if let Some(Json::Array(stops)) = setting(&["stopSequences", "stop_sequences"]) {
        let stops: Vec<String> = stops
            .iter()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect();
        attrs.set(k::GEN_AI_REQUEST_STOP_SEQUENCES, stops);
    }
    if let Some(n) = int(setting(&["candidateCount", "candidate_count"])).filter(|n| *n != 1) {
        attrs.set(k::GEN_AI_REQUEST_CHOICE_COUNT, n);
    }
    let modalities: Vec<String> = setting(&["responseModalities", "response_modalities"])
        .and_then(Json::as_array)
        .map(|m| {
            m.iter()
                .filter_map(|v| v.as_str().map(str::to_ascii_lowercase))
                .collect()
        })
        .unwrap_or_default();
    let output_type =
        match setting(&["responseMimeType", "response_mime_type"]).and_then(Json::as_str) {
            Some("application/json") => Some("json"),
            Some("text/plain") => Some("text"),
            _ if modalities.iter().any(|m| m == "image") => Some("image"),
            _ if modalities.iter().any(|m| m == "audio") => Some("speech"),
            _ => None,
        };
    if let Some(t) = output_type {
        attrs.set(k::GEN_AI_OUTPUT_TYPE, t);
    }

    if ctx.content.record_inputs {
        let settings = ctx.settings;
        let mut messages = Vec::new();
        if let Some(history) = get(&req, &["history"]) {
            messages.extend(contents(history));
        }
        if let Some(contents_value) = get(&req, &["contents", "content"]) {
            messages.extend(contents(contents_value));
        }
        if let Some(message) = get(&req, &["message"]) {
            messages.extend(contents(message));
        }
        if api == Api::EmbedContent {
            let texts: Vec<String> = messages
                .iter()
                .flat_map(|m| m.parts.iter())
                .filter_map(|p| match p {
                    Part::Text { content } => Some(content.clone()),
                    _ => None,
                })
                .collect();
            content::record_embeddings_input(attrs, texts, settings);
            return Ok(());
        }
        let system = get(&req, &["systemInstruction", "system_instruction"])
            .or_else(|| get(config, &["systemInstruction", "system_instruction"]))
            .map(|s| contents(s).into_iter().flat_map(|m| m.parts).collect())
            .unwrap_or_default();
        let tools = get(&req, &["tools"])
            .or_else(|| get(config, &["tools"]))
            .and_then(Json::as_array)
            .map(|tools| tools.iter().flat_map(tool_definitions).collect())
            .unwrap_or_default();
        content::record_inputs(attrs, system, messages, tools, settings);
    }
    Ok(())
}

fn tool_definitions(tool: &Json) -> Vec<Json> {
    match get(tool, &["functionDeclarations", "function_declarations"]).and_then(Json::as_array) {
        Some(declarations) => declarations
            .iter()
            .map(|d| {
                let mut out = serde_json::Map::new();
                out.insert("type".into(), "function".into());
                for key in ["name", "description", "parameters"] {
                    if let Some(v) = d.get(key) {
                        out.insert(key.into(), v.clone());
                    }
                }
                Json::Object(out)
            })
            .collect(),
        None => tool
            .as_object()
            .and_then(|o| o.keys().next())
            .map(|name| vec![serde_json::json!({"type": name})])
            .unwrap_or_default(),
    }
}

/// Anything the SDKs accept as contents: a string, a list of strings, parts, a Content, or a
/// list of Contents.
fn contents(value: &Json) -> Vec<Message> {
    match value {
        Json::String(text) => vec![user(vec![Part::text(text.clone())])],
        Json::Object(_) if value.get("parts").is_some() || value.get("role").is_some() => {
            vec![content_message(value)]
        }
        Json::Object(_) => part(value).map(|p| vec![user(vec![p])]).unwrap_or_default(),
        Json::Array(items)
            if items
                .iter()
                .all(|i| i.get("parts").is_some() || i.get("role").is_some()) =>
        {
            items.iter().map(content_message).collect()
        }
        Json::Array(items) => {
            let parts: Vec<Part> = items
                .iter()
                .filter_map(|i| match i {
                    Json::String(text) => Some(Part::text(text.clone())),
                    other => part(other),
                })
                .collect();
            if parts.is_empty() {
                Vec::new()
            } else {
                vec![user(parts)]
            }
        }
        _ => Vec::new(),
    }
}

fn user(parts: Vec<Part>) -> Message {
    Message {
        role: "user".into(),
        parts,
        finish_reason: None,
    }
}

fn content_message(content: &Json) -> Message {
    let role = match content.get("role").and_then(Json::as_str) {
        Some("model") => "assistant",
        Some("function" | "tool") => "tool",
        _ => "user",
    };
    Message {
        role: role.into(),
        parts: content
            .get("parts")
            .and_then(Json::as_array)
            .map(|parts| parts.iter().filter_map(part).collect())
            .unwrap_or_default(),
        finish_reason: None,
    }
}

fn part(p: &Json) -> Option<Part> {
    if let Some(text) = p.get("text").and_then(Json::as_str) {
        return Some(if p.get("thought").and_then(Json::as_bool) == Some(true) {
            Part::Reasoning {
                content: text.to_owned(),
            }
        } else {
            Part::text(text)
        });
    }
    if let Some(inline) = get(p, &["inlineData", "inline_data"]) {
        let mime = get(inline, &["mimeType", "mime_type"]).and_then(Json::as_str);
        return Some(Part::blob(&modality_of(mime, "document"), mime));
    }
    if let Some(file) = get(p, &["fileData", "file_data"]) {
        let mime = get(file, &["mimeType", "mime_type"]).and_then(Json::as_str);
        let uri = get(file, &["fileUri", "file_uri"]).and_then(Json::as_str)?;
        return Some(Part::media(&modality_of(mime, "document"), mime, uri));
    }
    if let Some(call) = get(p, &["functionCall", "function_call"]) {
        return Some(Part::ToolCall {
            id: call.get("id").and_then(Json::as_str).map(str::to_owned),
            name: call
                .get("name")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_owned(),
            arguments: call
                .get("args")
                .cloned()
                .unwrap_or(Json::Object(Default::default())),
        });
    }
    if let Some(response) = get(p, &["functionResponse", "function_response"]) {
        return Some(Part::ToolCallResponse {
            id: response.get("id").and_then(Json::as_str).map(str::to_owned),
            response: response.get("response").cloned().unwrap_or(Json::Null),
        });
    }
    None
}

pub(super) fn map_response(
    api: Api,
    json: &str,
    outcome: &mut Outcome,
    ctx: &MapContext<'_>,
) -> Result<(), MappingError> {
    let resp: Json = parse("response", json)?;
    if api == Api::EmbedContent {
        let first = get(&resp, &["embeddings"])
            .and_then(|e| e.get(0))
            .or_else(|| get(&resp, &["embedding"]));
        outcome.embedding_dims = first
            .and_then(|e| e.get("values"))
            .and_then(Json::as_array)
            .map(|v| v.len() as i64);
        let tokens: i64 = get(&resp, &["embeddings"])
            .and_then(Json::as_array)
            .map(|all| {
                all.iter()
                    .filter_map(|e| {
                        int(e
                            .pointer("/statistics/tokenCount")
                            .or(e.pointer("/statistics/token_count")))
                    })
                    .fold(0i64, i64::saturating_add)
            })
            .unwrap_or(0);
        if tokens > 0 {
            outcome.usage.merge(Usage {
                input: Some(tokens),
                ..Default::default()
            });
        }
        return Ok(());
    }
    map_generate(&resp, outcome, ctx);
    Ok(())
}

pub(super) fn map_chunk(
    _api: Api,
    data: &str,
    outcome: &mut Outcome,
    ctx: &MapContext<'_>,
) -> Result<(), MappingError> {
    let chunk: Json = parse("chunk", data)?;
    map_generate(&chunk, outcome, ctx);
    Ok(())
}

/// A GenerateContentResponse, whole or one stream chunk of it.
fn map_generate(resp: &Json, outcome: &mut Outcome, ctx: &MapContext<'_>) {
    outcome.id(get(resp, &["responseId", "response_id"]).and_then(Json::as_str));
    outcome.model(get(resp, &["modelVersion", "model_version"]).and_then(Json::as_str));
    if let Some(meta) = get(resp, &["usageMetadata", "usage_metadata"]) {
        let candidates = int(get(
            meta,
            &["candidatesTokenCount", "candidates_token_count"],
        ));
        let thoughts = int(get(meta, &["thoughtsTokenCount", "thoughts_token_count"]));
        let output = match (candidates, thoughts) {
            (None, None) => None,
            (c, t) => Some(c.unwrap_or(0).saturating_add(t.unwrap_or(0))),
        };
        outcome.usage.merge(Usage {
            input: int(get(meta, &["promptTokenCount", "prompt_token_count"])),
            output,
            cache_read: int(get(
                meta,
                &["cachedContentTokenCount", "cached_content_token_count"],
            )),
            cache_creation: None,
            reasoning: thoughts,
            total: int(get(meta, &["totalTokenCount", "total_token_count"])),
        });
    }
    if let Some(reason) = get(resp, &["promptFeedback", "prompt_feedback"])
        .and_then(|f| get(f, &["blockReason", "block_reason"]))
        .and_then(Json::as_str)
    {
        outcome.choice(0).finish_reason = Some(reason.to_ascii_lowercase());
    }
    let Some(candidates) = get(resp, &["candidates"]).and_then(Json::as_array) else {
        return;
    };
    for (position, candidate) in candidates.iter().enumerate() {
        let index = int(candidate.get("index")).unwrap_or(position as i64);
        let choice = outcome.choice(index);
        if let Some(reason) =
            get(candidate, &["finishReason", "finish_reason"]).and_then(Json::as_str)
        {
            choice.finish_reason = Some(reason.to_ascii_lowercase());
        }
        if !ctx.content.record_outputs {
            continue;
        }
        for p in candidate
            .pointer("/content/parts")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(part) = part(p) {
                choice.push_part(part);
            }
        }
    }
}
