//! OpenAI (and Azure OpenAI): chat completions, the Responses API and embeddings.

use std::borrow::Cow;
use std::sync::LazyLock;

use memchr::memmem::Finder;

use serde::Deserialize;
use serde_json::Value as Json;
use serde_json::value::RawValue;

use super::content::{self, Message, Part};
use super::de::{self, OneOrMany};
use super::{
    Api, Failure, MapContext, MappingError, Outcome, RequestFacts, Usage, parse, record_present,
};
use crate::keys as k;
use crate::span::Attributes;

/// What the mapping reads of a request (chat completions, Responses, embeddings).
#[derive(Default)]
struct Request<'a> {
    model: Option<Cow<'a, str>>,
    temperature: Option<f64>,
    top_p: Option<f64>,
    frequency_penalty: Option<f64>,
    presence_penalty: Option<f64>,
    max_tokens: Option<i64>,
    max_completion_tokens: Option<i64>,
    max_output_tokens: Option<i64>,
    stop: Option<OneOrMany<'a>>,
    seed: Option<i64>,
    n: Option<i64>,
    stream: Option<bool>,
    response_format: Option<Format<'a>>,
    text: Option<TextConfig<'a>>,
    modalities: Option<Vec<Cow<'a, str>>>,
    conversation: Option<&'a RawValue>,
    previous_response_id: Option<Cow<'a, str>>,
    messages: Option<&'a RawValue>,
    input: Option<&'a RawValue>,
    instructions: Option<Cow<'a, str>>,
    tools: Option<&'a RawValue>,
}

// By hand (`de::Object`), not derived: the largest reader of the wasm build (7.8 KB derived).
de::object_reader!(Request<'a>, "struct Request", skip, {
    "model" => model: text,
    "temperature" => temperature: value,
    "top_p" => top_p: value,
    "frequency_penalty" => frequency_penalty: value,
    "presence_penalty" => presence_penalty: value,
    "max_tokens" => max_tokens: int,
    "max_completion_tokens" => max_completion_tokens: int,
    "max_output_tokens" => max_output_tokens: int,
    "stop" => stop: value,
    "seed" => seed: int,
    "n" => n: int,
    "stream" => stream: value,
    "response_format" => response_format: value,
    "text" => text: value,
    "modalities" => modalities: value,
    "conversation" => conversation: value,
    "previous_response_id" => previous_response_id: text,
    "messages" => messages: value,
    "input" => input: value,
    "instructions" => instructions: text,
    "tools" => tools: value,
});

#[derive(Default)]
struct Format<'a> {
    kind: Option<Cow<'a, str>>,
}
de::object_reader!(Format<'a>, "struct Format", skip, {
    "type" => kind: text,
});

#[derive(Default)]
struct TextConfig<'a> {
    format: Option<Format<'a>>,
}
de::object_reader!(TextConfig<'a>, "struct TextConfig", skip, {
    "format" => format: value,
});

pub(super) fn map_request(
    api: Api,
    json: &str,
    attrs: &mut Attributes,
    facts: &mut RequestFacts,
    ctx: &MapContext<'_>,
) -> Result<(), MappingError> {
    let req: Request<'_> = parse("request", json)?;
    facts.record_model(attrs, req.model.as_deref());
    record_present(
        attrs,
        [
            (k::GEN_AI_REQUEST_TEMPERATURE, req.temperature),
            (k::GEN_AI_REQUEST_TOP_P, req.top_p),
            (k::GEN_AI_REQUEST_FREQUENCY_PENALTY, req.frequency_penalty),
            (k::GEN_AI_REQUEST_PRESENCE_PENALTY, req.presence_penalty),
        ],
    );
    if let Some(max) = req
        .max_tokens
        .or(req.max_completion_tokens)
        .or(req.max_output_tokens)
    {
        attrs.set(k::GEN_AI_REQUEST_MAX_TOKENS, max);
    }
    if let Some(stop) = req.stop {
        attrs.set(k::GEN_AI_REQUEST_STOP_SEQUENCES, stop.into_vec());
    }
    if let Some(seed) = req.seed {
        attrs.set(k::GEN_AI_REQUEST_SEED, seed);
    }
    if let Some(n) = req.n.filter(|n| *n != 1) {
        attrs.set(k::GEN_AI_REQUEST_CHOICE_COUNT, n);
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
        attrs.set(k::GEN_AI_OUTPUT_TYPE, t);
    }
    if api != Api::Embeddings {
        attrs.set(
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
            content::record_embeddings_input(attrs, inputs, settings);
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
            content::record_inputs(attrs, system, messages, tools, settings);
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

/// Message content: a string or typed parts (text, images, audio, files). An empty string is
/// no content (LangChain JS sends `""` beside an assistant's tool calls, Python `null`).
fn parts_of(content: Option<&Json>) -> Vec<Part> {
    match content {
        Some(Json::String(text)) if text.is_empty() => Vec::new(),
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

#[derive(Default)]
struct OpenAiUsage {
    prompt_tokens: Option<i64>,
    completion_tokens: Option<i64>,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    total_tokens: Option<i64>,
    prompt_tokens_details: Option<Details>,
    input_tokens_details: Option<Details>,
    completion_tokens_details: Option<Details>,
    output_tokens_details: Option<Details>,
}
de::object_reader!(OpenAiUsage, "struct OpenAiUsage", skip, {
    "prompt_tokens" => prompt_tokens: int,
    "completion_tokens" => completion_tokens: int,
    "input_tokens" => input_tokens: int,
    "output_tokens" => output_tokens: int,
    "total_tokens" => total_tokens: int,
    "prompt_tokens_details" => prompt_tokens_details: value,
    "input_tokens_details" => input_tokens_details: value,
    "completion_tokens_details" => completion_tokens_details: value,
    "output_tokens_details" => output_tokens_details: value,
});

#[derive(Default)]
struct Details {
    cached_tokens: Option<i64>,
    reasoning_tokens: Option<i64>,
}
de::object_reader!(Details, "struct Details", skip, {
    "cached_tokens" => cached_tokens: int,
    "reasoning_tokens" => reasoning_tokens: int,
});

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

#[derive(Default)]
struct ChatResponse<'a, B> {
    id: Option<Cow<'a, str>>,
    model: Option<Cow<'a, str>>,
    choices: Vec<ChatChoice<'a, B>>,
    usage: Option<OpenAiUsage>,
    system_fingerprint: Option<Cow<'a, str>>,
    service_tier: Option<Cow<'a, str>>,
    kind: Option<Cow<'a, str>>,
    /// Responses API
    response: Option<&'a RawValue>,
    error: Option<&'a RawValue>,
}

de::object_reader!(ChatResponse<'a, B>, "struct ChatResponse", skip, {
    "id" => id: text,
    "model" => model: text,
    "choices" => choices: value,
    "usage" => usage: value,
    "system_fingerprint" => system_fingerprint: text,
    "service_tier" => service_tier: text,
    "type" => kind: text,
    "response" => response: value,
    "error" => error: value,
});

/// `B` is how the message is read: `ChatMessage` when outputs are recorded, `Skipped` when
/// nobody will look at it (the parser then only skips over it).
#[derive(Default)]
struct ChatChoice<'a, B> {
    index: Option<i64>,
    finish_reason: Option<Cow<'a, str>>,
    message: Option<B>,
    delta: Option<B>,
}

de::object_reader!(ChatChoice<'a, B>, "struct ChatChoice", skip, {
    "index" => index: int,
    "finish_reason" => finish_reason: text,
    "message" => message: value,
    "delta" => delta: value,
});

/// A value nobody will read.
#[derive(Default)]
struct Skipped;

impl<'de> Deserialize<'de> for Skipped {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d)?;
        Ok(Skipped)
    }
}

trait MessageBody<'a> {
    fn into_message(self) -> Option<ChatMessage<'a>>;
}

impl<'a> MessageBody<'a> for Skipped {
    fn into_message(self) -> Option<ChatMessage<'a>> {
        None
    }
}

impl<'a> MessageBody<'a> for ChatMessage<'a> {
    fn into_message(self) -> Option<ChatMessage<'a>> {
        Some(self)
    }
}

/// The keys a chunk is searched for, each with a searcher built once (`memmem::find` builds
/// one per call, which cost more than the search itself).
static ERROR_KEY: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\"error\""));
static CHOICES_KEY: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\"choices\":"));
static USAGE_KEY: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\"usage\""));

/// A stream chunk after the first usually carries nothing new but its choices: when the id and
/// model are known and the chunk holds no usage and no error, only the `choices` array is read
/// (the key cannot be matched inside a string: a quote there is escaped). Anything else takes
/// the full path.
fn map_chat_delta_fast(data: &str, outcome: &mut Outcome, ctx: &MapContext<'_>) -> Option<()> {
    let bytes = data.as_bytes();
    if outcome.id.is_none()
        || outcome.model.is_none()
        || may_carry_usage(bytes)
        || ERROR_KEY.find(bytes).is_some()
    {
        return None;
    }
    let at = CHOICES_KEY.find(bytes)? + CHOICES_KEY.needle().len();
    let mut reader = serde_json::Deserializer::from_str(&data[at..]);
    if ctx.content.record_outputs {
        let choices = Vec::<ChatChoice<'_, ChatMessage<'_>>>::deserialize(&mut reader).ok()?;
        map_chat(
            ChatResponse {
                choices,
                ..Default::default()
            },
            outcome,
            true,
        );
    } else {
        let choices = Vec::<ChatChoice<'_, Skipped>>::deserialize(&mut reader).ok()?;
        map_chat(
            ChatResponse {
                choices,
                ..Default::default()
            },
            outcome,
            true,
        );
    }
    Some(())
}

/// Whether a chunk has a `"usage"` key whose value is not `null`, whatever the whitespace.
fn may_carry_usage(bytes: &[u8]) -> bool {
    let Some(at) = USAGE_KEY.find(bytes) else {
        return false;
    };
    let skip_ws = |b: &[u8]| -> usize { b.iter().take_while(|c| c.is_ascii_whitespace()).count() };
    let rest = &bytes[at + USAGE_KEY.needle().len()..];
    let rest = &rest[skip_ws(rest)..];
    match rest.split_first() {
        Some((b':', value)) => !value[skip_ws(value)..].starts_with(b"null"),
        _ => true,
    }
}

/// Reads a chat response or chunk the way the call's content policy needs.
fn map_chat_json(
    what: &'static str,
    json: &str,
    outcome: &mut Outcome,
    ctx: &MapContext<'_>,
    streaming: bool,
) -> Result<(), MappingError> {
    if ctx.content.record_outputs {
        map_chat(
            parse::<ChatResponse<'_, ChatMessage<'_>>>(what, json)?,
            outcome,
            streaming,
        );
    } else {
        map_chat(
            parse::<ChatResponse<'_, Skipped>>(what, json)?,
            outcome,
            streaming,
        );
    }
    Ok(())
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
        _ => map_chat_json("response", json, outcome, ctx, false),
    }
}

fn map_chat<'a, B: MessageBody<'a>>(
    resp: ChatResponse<'a, B>,
    outcome: &mut Outcome,
    streaming: bool,
) {
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
        let body = if streaming {
            choice.delta
        } else {
            choice.message
        };
        let Some(body) = body.and_then(MessageBody::into_message) else {
            continue;
        };
        if let Some(role) = text(body.role) {
            target.role = Some(role.into_owned());
        }
        for piece in [body.content, body.refusal].into_iter().filter_map(text) {
            target.text.push_str(&piece);
        }
        for piece in [body.reasoning_content, body.reasoning]
            .into_iter()
            .filter_map(text)
        {
            target.reasoning.push_str(&piece);
        }
        let calls: Vec<ToolCallDelta<'_>> = body
            .tool_calls
            .and_then(|raw| serde_json::from_str(raw.get()).ok())
            .unwrap_or_default();
        for (position, call) in calls.into_iter().enumerate() {
            let acc = target.tool_call(call.index.unwrap_or(position as i64));
            if let Some(id) = call.id {
                acc.id = Some(id.into_owned());
            }
            let function = call.function.unwrap_or_default();
            if let Some(name) = function.name {
                acc.name.get_or_insert_with(String::new).push_str(&name);
            }
            if let Some(arguments) = function.arguments {
                acc.arguments.push_str(&arguments);
            }
        }
        if let Some(audio) = body
            .audio
            .and_then(|raw| serde_json::from_str::<Json>(raw.get()).ok())
        {
            if let Some(transcript) = audio.get("transcript").and_then(Json::as_str) {
                target.text.push_str(transcript);
            }
            target.other_parts.push(Part::blob("audio", None));
        }
    }
}

/// A chat message or stream delta, read in the same pass as the chunk and without building a
/// JSON tree: this runs per chunk. Every field stays raw, so no unexpected type can fail the
/// chunk; fields are read only when outputs are recorded.
#[derive(Default)]
struct ChatMessage<'a> {
    role: Option<&'a RawValue>,
    content: Option<&'a RawValue>,
    refusal: Option<&'a RawValue>,
    reasoning_content: Option<&'a RawValue>,
    reasoning: Option<&'a RawValue>,
    tool_calls: Option<&'a RawValue>,
    audio: Option<&'a RawValue>,
}
de::object_reader!(ChatMessage<'a>, "struct ChatMessage", skip, {
    "role" => role: value,
    "content" => content: value,
    "refusal" => refusal: value,
    "reasoning_content" => reasoning_content: value,
    "reasoning" => reasoning: value,
    "tool_calls" => tool_calls: value,
    "audio" => audio: value,
});

#[derive(Default)]
struct ToolCallDelta<'a> {
    index: Option<i64>,
    id: Option<Cow<'a, str>>,
    function: Option<FunctionDelta<'a>>,
}
de::object_reader!(ToolCallDelta<'a>, "struct ToolCallDelta", skip, {
    "index" => index: int,
    "id" => id: text,
    "function" => function: value,
});

#[derive(Default)]
struct FunctionDelta<'a> {
    name: Option<Cow<'a, str>>,
    arguments: Option<Cow<'a, str>>,
}
de::object_reader!(FunctionDelta<'a>, "struct FunctionDelta", skip, {
    "name" => name: text,
    "arguments" => arguments: text,
});

/// A raw JSON value as text, when it is a string; borrowed when it has no escapes.
fn text(raw: Option<&RawValue>) -> Option<Cow<'_, str>> {
    let json = raw?.get();
    let inner = json.strip_prefix('"')?.strip_suffix('"')?;
    if !inner.contains('\\') {
        return Some(Cow::Borrowed(inner));
    }
    serde_json::from_str::<String>(json).ok().map(Cow::Owned)
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
        // Read from its text, as every other usage object is: a second reader of these
        // structs (from a JSON value) would double their code in the wasm build.
        let usage: OpenAiUsage = serde_json::from_str(&usage.to_string()).unwrap_or_default();
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

#[derive(Default)]
struct EmbeddingsResponse<'a> {
    model: Option<Cow<'a, str>>,
    data: Vec<EmbeddingItem<'a>>,
    usage: Option<OpenAiUsage>,
}
de::object_reader!(EmbeddingsResponse<'a>, "struct EmbeddingsResponse", skip, {
    "model" => model: text,
    "data" => data: value,
    "usage" => usage: value,
});

#[derive(Default)]
struct EmbeddingItem<'a> {
    embedding: Option<&'a RawValue>,
}
de::object_reader!(EmbeddingItem<'a>, "struct EmbeddingItem", skip, {
    "embedding" => embedding: value,
});

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
        let chunk: ChatResponse<'_, Skipped> = parse("chunk", data)?;
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
    if map_chat_delta_fast(data, outcome, ctx).is_some() {
        return Ok(());
    }
    // An error chunk is rare: look for it cheaply before reading the chunk properly.
    if ERROR_KEY.find(data.as_bytes()).is_some() {
        let chunk: ChatResponse<'_, Skipped> = parse("chunk", data)?;
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
    }
    map_chat_json("chunk", data, outcome, ctx, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genai::{ContentPolicy, GenAiSettings};

    /// The fast path for plain delta chunks must gather exactly what the full parse does.
    #[test]
    fn the_delta_fast_path_matches_the_full_parse() {
        let chunks = [
            r#"{"id":"c1","object":"chat.completion.chunk","model":"gpt-4o","system_fingerprint":"fp","choices":[{"index":0,"delta":{"role":"assistant","content":"","tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"f","arguments":""}}]},"finish_reason":null}]}"#,
            r#"{"id":"c1","object":"chat.completion.chunk","model":"gpt-4o","choices":[{"index":0,"delta":{"content":"He said \"hi\"","tool_calls":[{"index":0,"function":{"arguments":"{\"a\":"}}]},"finish_reason":null}],"usage":null}"#,
            r#"{"id":"c1","object":"chat.completion.chunk","model":"gpt-4o","choices":[{"index":1,"delta":{"content":"second choice","refusal":null},"finish_reason":"length"}]}"#,
            r#"{"id":"c1","object":"chat.completion.chunk","model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]},"finish_reason":"tool_calls"}]}"#,
            r#"{"id": "c1", "model": "gpt-4o", "choices" : [{"index": 0, "delta": {"content": "!"}}], "usage": null}"#,
            r#"{"id": "c1", "object": "chat.completion.chunk", "model": "gpt-4o", "choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12}}"#,
        ];
        let settings = GenAiSettings::default();
        for record_outputs in [false, true] {
            let ctx = MapContext {
                content: ContentPolicy {
                    record_inputs: false,
                    record_outputs,
                },
                settings: &settings,
            };
            let mut fast = Outcome::default();
            let mut full = Outcome::default();
            for chunk in chunks {
                map_chunk(Api::ChatCompletions, None, chunk, &mut fast, &ctx).unwrap();
                map_chat_json("chunk", chunk, &mut full, &ctx, true).unwrap();
            }
            assert_eq!(format!("{fast:?}"), format!("{full:?}"));
            assert_eq!(fast.usage.total, Some(12));
            assert_eq!(fast.choices.len(), 2);
            if record_outputs {
                assert_eq!(fast.choices[0].text, "He said \"hi\"!");
                assert_eq!(fast.choices[0].tool_calls[0].arguments, "{\"a\":1}");
            }
        }
    }
}
