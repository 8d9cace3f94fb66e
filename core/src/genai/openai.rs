//! OpenAI (and Azure OpenAI): chat completions, the Responses API and embeddings.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value as Json;
use serde_json::value::RawValue;

use super::content::{self, Message, Part};
use super::de::{self, OneOrMany};
use super::{Api, Failure, MapContext, MappingError, Outcome, RequestFacts, Usage, parse};
use crate::Span;
use crate::keys as k;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Request<'a> {
    #[serde(borrow)]
    model: Option<Cow<'a, str>>,
    temperature: Option<f64>,
    top_p: Option<f64>,
    frequency_penalty: Option<f64>,
    presence_penalty: Option<f64>,
    #[serde(deserialize_with = "de::int")]
    max_tokens: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    max_completion_tokens: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    max_output_tokens: Option<i64>,
    #[serde(borrow)]
    stop: Option<OneOrMany<'a>>,
    #[serde(deserialize_with = "de::int")]
    seed: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    n: Option<i64>,
    stream: Option<bool>,
    #[serde(borrow)]
    response_format: Option<Format<'a>>,
    #[serde(borrow)]
    text: Option<TextConfig<'a>>,
    #[serde(borrow)]
    modalities: Option<Vec<Cow<'a, str>>>,
    #[serde(borrow)]
    conversation: Option<&'a RawValue>,
    #[serde(borrow)]
    previous_response_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    messages: Option<&'a RawValue>,
    #[serde(borrow)]
    input: Option<&'a RawValue>,
    #[serde(borrow)]
    instructions: Option<Cow<'a, str>>,
    #[serde(borrow)]
    tools: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Format<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TextConfig<'a> {
    #[serde(borrow)]
    format: Option<Format<'a>>,
}

pub(super) fn map_request(
    api: Api,
    json: &str,
    span: &mut Span,
    facts: &mut RequestFacts,
    ctx: &MapContext<'_>,
) -> Result<(), MappingError> {
    let req: Request<'_> = parse("request", json)?;
    if let Some(model) = req.model.as_deref() {
        span.set_attribute(k::GEN_AI_REQUEST_MODEL, model.to_owned());
        facts.model = Some(model.to_owned());
    }
    for (key, value) in [
        (k::GEN_AI_REQUEST_TEMPERATURE, req.temperature),
        (k::GEN_AI_REQUEST_TOP_P, req.top_p),
        (k::GEN_AI_REQUEST_FREQUENCY_PENALTY, req.frequency_penalty),
        (k::GEN_AI_REQUEST_PRESENCE_PENALTY, req.presence_penalty),
    ] {
        if let Some(v) = value {
            span.set_attribute(key, v);
        }
    }
    if let Some(max) = req
        .max_tokens
        .or(req.max_completion_tokens)
        .or(req.max_output_tokens)
    {
        span.set_attribute(k::GEN_AI_REQUEST_MAX_TOKENS, max);
    }
    if let Some(stop) = req.stop {
        span.set_attribute(k::GEN_AI_REQUEST_STOP_SEQUENCES, stop.into_vec());
    }
    if let Some(seed) = req.seed {
        span.set_attribute(k::GEN_AI_REQUEST_SEED, seed);
    }
    if let Some(n) = req.n.filter(|n| *n != 1) {
        span.set_attribute(k::GEN_AI_REQUEST_CHOICE_COUNT, n);
    }
    facts.stream = req.stream == Some(true);
    let format = req
        .response_format
        .as_ref()
        .or(req.text.as_ref().and_then(|t| t.format.as_ref()))
        .and_then(|f| f.kind.as_deref());
    let output_type = match format {
        Some("json_object" | "json_schema") => Some("json"),
        Some("text") => Some("text"),
        _ => None,
    }
    .or_else(|| {
        req.modalities
            .as_ref()
            .filter(|m| m.iter().any(|m| m == "audio"))
            .map(|_| "speech")
    });
    if let Some(t) = output_type {
        span.set_attribute(k::GEN_AI_OUTPUT_TYPE, t);
    }
    if api != Api::Embeddings {
        span.set_attribute(
            k::OPENAI_API_TYPE,
            if api == Api::Responses {
                "responses"
            } else {
                "chat_completions"
            },
        );
    }
    facts.conversation_id = req
        .conversation
        .and_then(|raw| match serde_json::from_str::<Json>(raw.get()).ok()? {
            Json::String(id) => Some(id),
            Json::Object(o) => o.get("id")?.as_str().map(str::to_owned),
            _ => None,
        })
        .or_else(|| req.previous_response_id.as_deref().map(str::to_owned));

    if ctx.content.record_inputs {
        let settings = ctx.settings;
        if api == Api::Embeddings {
            let inputs = req
                .input
                .and_then(|raw| serde_json::from_str::<Json>(raw.get()).ok())
                .map(embedding_inputs)
                .unwrap_or_default();
            content::record_embeddings_input(span, inputs, settings);
        } else {
            let mut system = Vec::new();
            let mut messages = Vec::new();
            if let Some(instructions) = req.instructions.as_deref() {
                system.push(Part::text(instructions));
            }
            let items = req
                .messages
                .or(req.input)
                .map(|raw| raw.get())
                .unwrap_or("null");
            match serde_json::from_str::<Json>(items) {
                Ok(Json::String(text)) => messages.push(Message {
                    role: "user".into(),
                    parts: vec![Part::text(text)],
                    finish_reason: None,
                }),
                Ok(Json::Array(items)) => convert_input(items, &mut system, &mut messages),
                _ => {}
            }
            let tools = req
                .tools
                .and_then(|raw| serde_json::from_str::<Vec<Json>>(raw.get()).ok())
                .map(|tools| tools.into_iter().map(tool_definition).collect())
                .unwrap_or_default();
            content::record_inputs(span, system, messages, tools, settings);
        }
    }
    Ok(())
}

fn embedding_inputs(input: Json) -> Vec<String> {
    match input {
        Json::String(s) => vec![s],
        Json::Array(items) => items
            .into_iter()
            .map(|i| match i {
                Json::String(s) => s,
                other => other.to_string(), // token arrays
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// `{type: function, function: {name, description, parameters}}` (chat) or the flat Responses
/// form to the contract's `{type, name, description, parameters}`.
fn tool_definition(tool: Json) -> Json {
    let kind = tool
        .get("type")
        .and_then(Json::as_str)
        .unwrap_or("function")
        .to_owned();
    let body = tool.get("function").unwrap_or(&tool);
    let mut out = serde_json::Map::new();
    out.insert("type".into(), kind.into());
    for key in ["name", "description", "parameters"] {
        if let Some(v) = body.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    Json::Object(out)
}

/// Chat messages or Responses input items to the contract's messages.
fn convert_input(items: Vec<Json>, system: &mut Vec<Part>, messages: &mut Vec<Message>) {
    for item in items {
        let role = item.get("role").and_then(Json::as_str).unwrap_or("");
        let kind = item.get("type").and_then(Json::as_str).unwrap_or("message");
        match (role, kind) {
            ("system" | "developer", _) => system.extend(parts_of(item.get("content"))),
            (_, "function_call") => push_part(
                messages,
                "assistant",
                Part::tool_call(
                    str_of(&item, "call_id"),
                    str_of(&item, "name").unwrap_or_default(),
                    item.get("arguments").and_then(Json::as_str).unwrap_or(""),
                ),
            ),
            (_, "function_call_output") => push_part(
                messages,
                "tool",
                Part::ToolCallResponse {
                    id: str_of(&item, "call_id"),
                    response: item.get("output").cloned().unwrap_or(Json::Null),
                },
            ),
            ("tool", _) => messages.push(Message {
                role: "tool".into(),
                parts: vec![Part::ToolCallResponse {
                    id: str_of(&item, "tool_call_id"),
                    response: item.get("content").cloned().unwrap_or(Json::Null),
                }],
                finish_reason: None,
            }),
            (role, "message") if !role.is_empty() => {
                let mut parts = parts_of(item.get("content"));
                if let Some(Json::Array(calls)) = item.get("tool_calls") {
                    for call in calls {
                        let function = call.get("function").unwrap_or(call);
                        parts.push(Part::tool_call(
                            str_of(call, "id"),
                            str_of(function, "name").unwrap_or_default(),
                            function
                                .get("arguments")
                                .and_then(Json::as_str)
                                .unwrap_or(""),
                        ));
                    }
                }
                messages.push(Message {
                    role: role.to_owned(),
                    parts,
                    finish_reason: None,
                });
            }
            _ => {}
        }
    }
}

fn push_part(messages: &mut Vec<Message>, role: &str, part: Part) {
    match messages.last_mut() {
        Some(last) if last.role == role => last.parts.push(part),
        _ => messages.push(Message {
            role: role.to_owned(),
            parts: vec![part],
            finish_reason: None,
        }),
    }
}

fn str_of(value: &Json, key: &str) -> Option<String> {
    value.get(key).and_then(Json::as_str).map(str::to_owned)
}

/// Message content: a string or typed parts (text, images, audio, files).
fn parts_of(content: Option<&Json>) -> Vec<Part> {
    match content {
        Some(Json::String(text)) => vec![Part::text(text.clone())],
        Some(Json::Array(parts)) => parts.iter().filter_map(part_of).collect(),
        _ => Vec::new(),
    }
}

fn part_of(part: &Json) -> Option<Part> {
    let kind = part.get("type").and_then(Json::as_str).unwrap_or("text");
    Some(match kind {
        "text" | "input_text" | "output_text" => Part::text(part.get("text")?.as_str()?),
        "refusal" => Part::text(part.get("refusal")?.as_str()?),
        "image_url" => {
            let url = part.get("image_url")?;
            let url = url.get("url").unwrap_or(url).as_str()?;
            Part::media("image", None, url)
        }
        "input_image" => match part.get("image_url").and_then(Json::as_str) {
            Some(url) => Part::media("image", None, url),
            None => Part::File {
                modality: "image".into(),
                mime_type: None,
                file_id: part.get("file_id")?.as_str()?.to_owned(),
            },
        },
        "input_audio" => {
            let format = part
                .pointer("/input_audio/format")
                .and_then(Json::as_str)
                .map(|f| format!("audio/{f}"));
            Part::blob("audio", format.as_deref())
        }
        "file" | "input_file" => {
            let file = part.get("file").unwrap_or(part);
            match file.get("file_id").and_then(Json::as_str) {
                Some(id) => Part::File {
                    modality: "document".into(),
                    mime_type: None,
                    file_id: id.to_owned(),
                },
                None => match file.get("file_url").and_then(Json::as_str) {
                    Some(url) => Part::media("document", None, url),
                    None => Part::blob("document", None),
                },
            }
        }
        _ => return None,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OpenAiUsage {
    #[serde(deserialize_with = "de::int")]
    prompt_tokens: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    completion_tokens: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    input_tokens: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    output_tokens: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    total_tokens: Option<i64>,
    prompt_tokens_details: Option<Details>,
    input_tokens_details: Option<Details>,
    completion_tokens_details: Option<Details>,
    output_tokens_details: Option<Details>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Details {
    #[serde(deserialize_with = "de::int")]
    cached_tokens: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    reasoning_tokens: Option<i64>,
}

impl OpenAiUsage {
    /// OpenAI's prompt/input tokens already include cached ones, and completion/output tokens
    /// include reasoning: they map straight onto the contract.
    fn usage(&self) -> Usage {
        let input_details = self
            .prompt_tokens_details
            .as_ref()
            .or(self.input_tokens_details.as_ref());
        let output_details = self
            .completion_tokens_details
            .as_ref()
            .or(self.output_tokens_details.as_ref());
        Usage {
            input: self.prompt_tokens.or(self.input_tokens),
            output: self.completion_tokens.or(self.output_tokens),
            cache_read: input_details.and_then(|d| d.cached_tokens),
            cache_creation: None,
            reasoning: output_details.and_then(|d| d.reasoning_tokens),
            total: self.total_tokens,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChatResponse<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    model: Option<Cow<'a, str>>,
    #[serde(borrow)]
    choices: Vec<ChatChoice<'a>>,
    usage: Option<OpenAiUsage>,
    #[serde(borrow)]
    system_fingerprint: Option<Cow<'a, str>>,
    #[serde(borrow)]
    service_tier: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "type")]
    kind: Option<Cow<'a, str>>,
    /// Responses API
    #[serde(borrow)]
    response: Option<&'a RawValue>,
    #[serde(borrow)]
    error: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChatChoice<'a> {
    #[serde(deserialize_with = "de::int")]
    index: Option<i64>,
    #[serde(borrow)]
    finish_reason: Option<Cow<'a, str>>,
    #[serde(borrow)]
    message: Option<&'a RawValue>,
    #[serde(borrow)]
    delta: Option<&'a RawValue>,
}

pub(super) fn map_response(
    api: Api,
    json: &str,
    outcome: &mut Outcome,
    ctx: &MapContext<'_>,
) -> Result<(), MappingError> {
    match api {
        Api::Responses => map_responses_object(&parse::<Json>("response", json)?, outcome, ctx),
        Api::Embeddings => map_embeddings(json, outcome),
        _ => {
            let resp: ChatResponse<'_> = parse("response", json)?;
            map_chat(resp, outcome, ctx, false);
            Ok(())
        }
    }
}

fn map_chat(resp: ChatResponse<'_>, outcome: &mut Outcome, ctx: &MapContext<'_>, streaming: bool) {
    outcome.id(resp.id.as_deref());
    outcome.model(resp.model.as_deref());
    if outcome.system_fingerprint.is_none() {
        outcome.system_fingerprint = resp.system_fingerprint.map(Cow::into_owned);
    }
    if outcome.service_tier.is_none() {
        outcome.service_tier = resp.service_tier.map(Cow::into_owned);
    }
    if let Some(usage) = &resp.usage {
        outcome.usage.merge(usage.usage());
    }
    for choice in resp.choices {
        let index = choice.index.unwrap_or(0);
        let target = outcome.choice(index);
        if let Some(reason) = choice.finish_reason {
            target.finish_reason = Some(reason.into_owned());
        }
        if !ctx.content.record_outputs {
            continue;
        }
        let body = if streaming {
            choice.delta
        } else {
            choice.message
        };
        let Some(body) = body.and_then(|raw| serde_json::from_str::<Json>(raw.get()).ok()) else {
            continue;
        };
        if let Some(role) = body.get("role").and_then(Json::as_str) {
            target.role = Some(role.to_owned());
        }
        if let Some(text) = body.get("content").and_then(Json::as_str) {
            target.text.push_str(text);
        }
        if let Some(text) = body.get("refusal").and_then(Json::as_str) {
            target.text.push_str(text);
        }
        for key in ["reasoning_content", "reasoning"] {
            if let Some(text) = body.get(key).and_then(Json::as_str) {
                target.reasoning.push_str(text);
            }
        }
        if let Some(Json::Array(calls)) = body.get("tool_calls") {
            for (position, call) in calls.iter().enumerate() {
                let key = call
                    .get("index")
                    .and_then(Json::as_i64)
                    .unwrap_or(position as i64);
                let acc = target.tool_call(key);
                if let Some(id) = call.get("id").and_then(Json::as_str) {
                    acc.id = Some(id.to_owned());
                }
                let function = call.get("function").unwrap_or(call);
                if let Some(name) = function.get("name").and_then(Json::as_str) {
                    acc.name.get_or_insert_with(String::new).push_str(name);
                }
                if let Some(args) = function.get("arguments").and_then(Json::as_str) {
                    acc.arguments.push_str(args);
                }
            }
        }
        if let Some(audio) = body.get("audio").filter(|a| a.is_object()) {
            if let Some(transcript) = audio.get("transcript").and_then(Json::as_str) {
                target.text.push_str(transcript);
            }
            target.other_parts.push(Part::blob("audio", None));
        }
    }
}

/// A Responses API response object (whole, or from `response.completed`).
fn map_responses_object(
    resp: &Json,
    outcome: &mut Outcome,
    ctx: &MapContext<'_>,
) -> Result<(), MappingError> {
    outcome.id(resp.get("id").and_then(Json::as_str));
    outcome.model(resp.get("model").and_then(Json::as_str));
    if let Some(tier) = resp.get("service_tier").and_then(Json::as_str) {
        outcome.service_tier = Some(tier.to_owned());
    }
    if let Some(conversation) = resp.pointer("/conversation/id").and_then(Json::as_str) {
        outcome.conversation_id = Some(conversation.to_owned());
    }
    if let Some(usage) = resp.get("usage").filter(|u| u.is_object()) {
        let usage: OpenAiUsage = serde_json::from_value(usage.clone()).unwrap_or_default();
        outcome.usage.merge(usage.usage());
    }
    let output = resp
        .get("output")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    let has_call = output
        .iter()
        .any(|i| i.get("type").and_then(Json::as_str) == Some("function_call"));
    let status = resp.get("status").and_then(Json::as_str);
    let reason = match status {
        Some("completed") if has_call => Some("tool_calls".to_owned()),
        Some("completed") => Some("stop".to_owned()),
        Some("incomplete") => Some(
            resp.pointer("/incomplete_details/reason")
                .and_then(Json::as_str)
                .unwrap_or("incomplete")
                .to_owned(),
        ),
        Some("failed") => Some("error".to_owned()),
        _ => None,
    };
    if let Some(error) = resp.get("error").filter(|e| e.is_object()) {
        outcome.error = Some(Failure::reported(
            error.get("code").and_then(Json::as_str).unwrap_or("error"),
            error.get("message").and_then(Json::as_str),
        ));
    }
    if status.is_none() && output.is_empty() {
        return Ok(());
    }
    let choice = outcome.choice(0);
    choice.finish_reason = reason;
    if !ctx.content.record_outputs {
        return Ok(());
    }
    for item in &output {
        match item.get("type").and_then(Json::as_str) {
            Some("message") => {
                for part in item
                    .get("content")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                {
                    match part.get("type").and_then(Json::as_str) {
                        Some("output_text") => choice
                            .text
                            .push_str(part.get("text").and_then(Json::as_str).unwrap_or("")),
                        Some("refusal") => choice
                            .text
                            .push_str(part.get("refusal").and_then(Json::as_str).unwrap_or("")),
                        _ => {}
                    }
                }
            }
            Some("function_call") => {
                let key = choice.tool_calls.len() as i64;
                let acc = choice.tool_call(key);
                acc.id = str_of(item, "call_id");
                acc.name = str_of(item, "name");
                acc.arguments = item
                    .get("arguments")
                    .and_then(Json::as_str)
                    .unwrap_or("")
                    .to_owned();
            }
            Some("reasoning") => {
                for summary in item
                    .get("summary")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(text) = summary.get("text").and_then(Json::as_str) {
                        choice.reasoning.push_str(text);
                    }
                }
            }
            Some("image_generation_call") => {
                choice.other_parts.push(Part::blob("image", None));
            }
            _ => {}
        }
    }
    Ok(())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EmbeddingsResponse<'a> {
    #[serde(borrow)]
    model: Option<Cow<'a, str>>,
    #[serde(borrow)]
    data: Vec<EmbeddingItem<'a>>,
    usage: Option<OpenAiUsage>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EmbeddingItem<'a> {
    #[serde(borrow)]
    embedding: Option<&'a RawValue>,
}

fn map_embeddings(json: &str, outcome: &mut Outcome) -> Result<(), MappingError> {
    let resp: EmbeddingsResponse<'_> = parse("response", json)?;
    outcome.model(resp.model.as_deref());
    if let Some(usage) = &resp.usage {
        let mut u = usage.usage();
        u.output = None; // embeddings produce no output tokens
        outcome.usage.merge(u);
    }
    if let Some(first) = resp.data.first().and_then(|d| d.embedding) {
        outcome.embedding_dims = match serde_json::from_str::<Json>(first.get()) {
            Ok(Json::Array(values)) => Some(values.len() as i64),
            // base64 of little-endian float32s
            Ok(Json::String(b64)) => {
                let padding = b64.bytes().rev().take_while(|b| *b == b'=').count();
                Some(((b64.len() * 3 / 4).saturating_sub(padding) / 4) as i64)
            }
            _ => None,
        };
    }
    Ok(())
}

pub(super) fn map_chunk(
    api: Api,
    event: Option<&str>,
    data: &str,
    outcome: &mut Outcome,
    ctx: &MapContext<'_>,
) -> Result<(), MappingError> {
    if api == Api::Responses {
        // Only the events that carry the whole response (or an error) matter: the completed
        // response holds the full output, so deltas need not be parsed at all.
        let wanted = matches!(
            event,
            None | Some(
                "response.created"
                    | "response.in_progress"
                    | "response.completed"
                    | "response.incomplete"
                    | "response.failed"
                    | "error"
            )
        );
        if !wanted {
            return Ok(());
        }
        let chunk: ChatResponse<'_> = parse("chunk", data)?;
        let kind = event.or(chunk.kind.as_deref()).unwrap_or("");
        if let Some(response) = chunk.response {
            let response: Json = parse("chunk", response.get())?;
            match kind {
                "response.completed" | "response.incomplete" | "response.failed" => {
                    map_responses_object(&response, outcome, ctx)?
                }
                _ => {
                    outcome.id(response.get("id").and_then(Json::as_str));
                    outcome.model(response.get("model").and_then(Json::as_str));
                }
            }
        } else if kind == "error" {
            let error: Json = parse("chunk", data)?;
            let code = error.get("code").and_then(Json::as_str).unwrap_or("error");
            outcome.error = Some(Failure::reported(
                code,
                error.get("message").and_then(Json::as_str),
            ));
        }
        return Ok(());
    }
    let chunk: ChatResponse<'_> = parse("chunk", data)?;
    if let Some(error) = chunk.error {
        let error: Json = parse("chunk", error.get())?;
        let kind = error
            .get("code")
            .and_then(Json::as_str)
            .or(error.get("type").and_then(Json::as_str))
            .unwrap_or("error");
        outcome.error = Some(Failure::reported(
            kind,
            error.get("message").and_then(Json::as_str),
        ));
        return Ok(());
    }
    map_chat(chunk, outcome, ctx, true);
    Ok(())
}
