//! Anthropic: messages (plain, streamed, and the stream helper's events) and count_tokens.

use std::borrow::Cow;

use serde_json::Value as Json;
use serde_json::value::RawValue;

use super::content::{self, Message, Part, modality_of};
use super::de::{self, OneOrMany};
use super::{
    Api, BlockKind, Failure, MapContext, MappingError, Outcome, RequestFacts, StreamState, Usage,
    parse, record_present,
};
use crate::keys as k;
use crate::span::Attributes;

#[derive(Default)]
struct Request<'a> {
    model: Option<Cow<'a, str>>,
    max_tokens: Option<i64>,
    temperature: Option<f64>,
    top_p: Option<f64>,
    top_k: Option<f64>,
    stop_sequences: Option<OneOrMany<'a>>,
    stream: Option<bool>,
    system: Option<&'a RawValue>,
    messages: Option<&'a RawValue>,
    tools: Option<&'a RawValue>,
}
de::object_reader!(Request<'a>, "struct Request", skip, {
    "model" => model: text,
    "max_tokens" => max_tokens: int,
    "temperature" => temperature: value,
    "top_p" => top_p: value,
    "top_k" => top_k: value,
    "stop_sequences" => stop_sequences: value,
    "stream" => stream: value,
    "system" => system: value,
    "messages" => messages: value,
    "tools" => tools: value,
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
    record_present(attrs, [(k::GEN_AI_REQUEST_MAX_TOKENS, req.max_tokens)]);
    record_present(
        attrs,
        [
            (k::GEN_AI_REQUEST_TEMPERATURE, req.temperature),
            (k::GEN_AI_REQUEST_TOP_P, req.top_p),
            (k::GEN_AI_REQUEST_TOP_K, req.top_k),
        ],
    );
    if let Some(stop) = req.stop_sequences {
        attrs.set(k::GEN_AI_REQUEST_STOP_SEQUENCES, stop.into_vec());
    }
    facts.stream = req.stream == Some(true) && api == Api::Messages;
    if ctx.content.record_inputs {
        let system = match req
            .system
            .map(|raw| serde_json::from_str::<Json>(raw.get()))
        {
            Some(Ok(Json::String(text))) => vec![Part::text(text)],
            Some(Ok(Json::Array(blocks))) => blocks.iter().filter_map(block_part).collect(),
            _ => Vec::new(),
        };
        let messages = req
            .messages
            .and_then(|raw| serde_json::from_str::<Vec<Json>>(raw.get()).ok())
            .unwrap_or_default()
            .into_iter()
            .map(|m| Message {
                role: m
                    .get("role")
                    .and_then(Json::as_str)
                    .unwrap_or("user")
                    .to_owned(),
                parts: match m.get("content") {
                    Some(Json::String(text)) => vec![Part::text(text.clone())],
                    Some(Json::Array(blocks)) => blocks.iter().filter_map(block_part).collect(),
                    _ => Vec::new(),
                },
                finish_reason: None,
            })
            .collect();
        let tools = req
            .tools
            .and_then(|raw| serde_json::from_str::<Vec<Json>>(raw.get()).ok())
            .unwrap_or_default()
            .into_iter()
            .map(|t| {
                let mut out = serde_json::Map::new();
                out.insert(
                    "type".into(),
                    t.get("type")
                        .filter(|k| k.as_str() != Some("custom"))
                        .cloned()
                        .unwrap_or_else(|| "function".into()),
                );
                for (from, to) in [
                    ("name", "name"),
                    ("description", "description"),
                    ("input_schema", "parameters"),
                ] {
                    if let Some(v) = t.get(from) {
                        out.insert(to.into(), v.clone());
                    }
                }
                Json::Object(out)
            })
            .collect();
        content::record_inputs(attrs, system, messages, tools, ctx.settings);
    }
    Ok(())
}

/// A content block to a part.
fn block_part(block: &Json) -> Option<Part> {
    let kind = block.get("type").and_then(Json::as_str)?;
    Some(match kind {
        "text" => Part::text(block.get("text")?.as_str()?),
        "thinking" => Part::Reasoning {
            content: block.get("thinking")?.as_str()?.to_owned(),
        },
        "tool_use" | "server_tool_use" => Part::ToolCall {
            id: block.get("id").and_then(Json::as_str).map(str::to_owned),
            name: block
                .get("name")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_owned(),
            arguments: block.get("input").cloned().unwrap_or(Json::Null),
        },
        "tool_result" => Part::ToolCallResponse {
            id: block
                .get("tool_use_id")
                .and_then(Json::as_str)
                .map(str::to_owned),
            response: match block.get("content") {
                Some(Json::Array(items)) => {
                    let texts: Vec<&str> = items
                        .iter()
                        .filter_map(|i| i.get("text").and_then(Json::as_str))
                        .collect();
                    if texts.len() == items.len() {
                        Json::String(texts.join("\n"))
                    } else {
                        Json::Array(items.clone())
                    }
                }
                Some(other) => other.clone(),
                None => Json::Null,
            },
        },
        "image" | "document" => {
            let source = block.get("source")?;
            let mime = source.get("media_type").and_then(Json::as_str);
            let modality = modality_of(mime, if kind == "image" { "image" } else { "document" });
            match source.get("type").and_then(Json::as_str) {
                Some("url") => Part::media(&modality, mime, source.get("url")?.as_str()?),
                Some("file") => Part::File {
                    modality,
                    mime_type: mime.map(str::to_owned),
                    file_id: source.get("file_id")?.as_str()?.to_owned(),
                },
                Some("text") => Part::text(source.get("data")?.as_str()?),
                _ => Part::blob(&modality, mime),
            }
        }
        _ => return None,
    })
}

/// Anthropic's usage as reported: `input_tokens` excludes cache reads and writes.
#[derive(Default, Clone, Copy)]
struct RawUsage {
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    cache_read_input_tokens: Option<i64>,
    cache_creation_input_tokens: Option<i64>,
}
de::object_reader!(RawUsage, "struct RawUsage", skip, {
    "input_tokens" => input_tokens: int,
    "output_tokens" => output_tokens: int,
    "cache_read_input_tokens" => cache_read_input_tokens: int,
    "cache_creation_input_tokens" => cache_creation_input_tokens: int,
});

impl RawUsage {
    fn merge(&mut self, newer: RawUsage) {
        for (slot, value) in [
            (&mut self.input_tokens, newer.input_tokens),
            (&mut self.output_tokens, newer.output_tokens),
            (
                &mut self.cache_read_input_tokens,
                newer.cache_read_input_tokens,
            ),
            (
                &mut self.cache_creation_input_tokens,
                newer.cache_creation_input_tokens,
            ),
        ] {
            if value.is_some() {
                *slot = value;
            }
        }
    }

    /// The contract's input includes cache reads and writes.
    fn usage(&self) -> Usage {
        let input = self.input_tokens.map(|i| {
            i.saturating_add(self.cache_read_input_tokens.unwrap_or(0))
                .saturating_add(self.cache_creation_input_tokens.unwrap_or(0))
        });
        Usage {
            input,
            output: self.output_tokens,
            cache_read: self.cache_read_input_tokens,
            cache_creation: self.cache_creation_input_tokens,
            reasoning: None,
            total: None,
        }
    }
}

#[derive(Default)]
struct MessageResponse<'a> {
    id: Option<Cow<'a, str>>,
    model: Option<Cow<'a, str>>,
    role: Option<Cow<'a, str>>,
    stop_reason: Option<Cow<'a, str>>,
    content: Option<&'a RawValue>,
    usage: Option<RawUsage>,
    input_tokens: Option<i64>,
}
de::object_reader!(MessageResponse<'a>, "struct MessageResponse", skip, {
    "id" => id: text,
    "model" => model: text,
    "role" => role: text,
    "stop_reason" => stop_reason: text,
    "content" => content: value,
    "usage" => usage: value,
    "input_tokens" => input_tokens: int,
});

pub(super) fn map_response(
    api: Api,
    json: &str,
    outcome: &mut Outcome,
    ctx: &MapContext<'_>,
) -> Result<(), MappingError> {
    let resp: MessageResponse<'_> = parse("response", json)?;
    if api == Api::CountTokens {
        if let Some(n) = resp.input_tokens {
            outcome
                .extra
                .push((k::ANTHROPIC_COUNT_TOKENS_INPUT_TOKENS, n.into()));
        }
        return Ok(());
    }
    outcome.id(resp.id.as_deref());
    outcome.model(resp.model.as_deref());
    if let Some(usage) = resp.usage {
        outcome.usage.merge(usage.usage());
    }
    let choice = outcome.choice(0);
    choice.finish_reason = resp.stop_reason.map(Cow::into_owned);
    if ctx.content.record_outputs {
        choice.role = resp.role.map(Cow::into_owned);
        let blocks = resp
            .content
            .and_then(|raw| serde_json::from_str::<Vec<Json>>(raw.get()).ok())
            .unwrap_or_default();
        for part in blocks.iter().filter_map(block_part) {
            choice.push_part(part);
        }
    }
    Ok(())
}

#[derive(Default)]
struct Event<'a> {
    kind: Option<Cow<'a, str>>,
    message: Option<MessageResponse<'a>>,
    index: Option<i64>,
    content_block: Option<&'a RawValue>,
    delta: Option<Delta<'a>>,
    usage: Option<RawUsage>,
    error: Option<ErrorBody<'a>>,
}
de::object_reader!(Event<'a>, "struct Event", skip, {
    "type" => kind: text,
    "message" => message: value,
    "index" => index: int,
    "content_block" => content_block: value,
    "delta" => delta: value,
    "usage" => usage: value,
    "error" => error: value,
});

#[derive(Default)]
struct Delta<'a> {
    kind: Option<Cow<'a, str>>,
    text: Option<Cow<'a, str>>,
    partial_json: Option<Cow<'a, str>>,
    thinking: Option<Cow<'a, str>>,
    stop_reason: Option<Cow<'a, str>>,
}
de::object_reader!(Delta<'a>, "struct Delta", skip, {
    "type" => kind: text,
    "text" => text: text,
    "partial_json" => partial_json: text,
    "thinking" => thinking: text,
    "stop_reason" => stop_reason: text,
});

#[derive(Default)]
struct ErrorBody<'a> {
    kind: Option<Cow<'a, str>>,
    message: Option<Cow<'a, str>>,
}
de::object_reader!(ErrorBody<'a>, "struct ErrorBody", skip, {
    "type" => kind: text,
    "message" => message: text,
});

pub(super) fn map_chunk(
    event: Option<&str>,
    data: &str,
    outcome: &mut Outcome,
    stream: &mut StreamState,
    ctx: &MapContext<'_>,
) -> Result<(), MappingError> {
    if matches!(event, Some("ping" | "content_block_stop" | "message_stop")) {
        return Ok(());
    }
    let ev: Event<'_> = parse("chunk", data)?;
    let kind = event.or(ev.kind.as_deref()).unwrap_or("");
    match kind {
        "message_start" => {
            if let Some(message) = ev.message {
                outcome.id(message.id.as_deref());
                outcome.model(message.model.as_deref());
                if let Some(usage) = message.usage {
                    stream.anthropic_usage.merge_raw(usage);
                }
                if ctx.content.record_outputs {
                    outcome.choice(0).role = message.role.map(Cow::into_owned);
                }
            }
        }
        "content_block_start" => {
            let index = ev.index.unwrap_or(0);
            let block: Json = ev
                .content_block
                .and_then(|raw| serde_json::from_str(raw.get()).ok())
                .unwrap_or(Json::Null);
            let block_kind = match block.get("type").and_then(Json::as_str) {
                Some("text") => BlockKind::Text,
                Some("thinking") => BlockKind::Thinking,
                Some("tool_use" | "server_tool_use") => BlockKind::ToolUse,
                _ => BlockKind::Other,
            };
            if ctx.content.record_outputs {
                let choice = outcome.choice(0);
                match block_kind {
                    BlockKind::ToolUse => {
                        let acc = choice.tool_call(index);
                        acc.id = block.get("id").and_then(Json::as_str).map(str::to_owned);
                        acc.name = block.get("name").and_then(Json::as_str).map(str::to_owned);
                    }
                    BlockKind::Text => choice
                        .text
                        .push_str(block.get("text").and_then(Json::as_str).unwrap_or("")),
                    _ => {}
                }
            }
        }
        "content_block_delta" => {
            if !ctx.content.record_outputs {
                return Ok(());
            }
            let index = ev.index.unwrap_or(0);
            let Some(delta) = ev.delta else {
                return Ok(());
            };
            let choice = outcome.choice(0);
            match delta.kind.as_deref() {
                Some("text_delta") => choice.text.push_str(delta.text.as_deref().unwrap_or("")),
                Some("thinking_delta") => choice
                    .reasoning
                    .push_str(delta.thinking.as_deref().unwrap_or("")),
                Some("input_json_delta") => choice
                    .tool_call(index)
                    .arguments
                    .push_str(delta.partial_json.as_deref().unwrap_or("")),
                _ => {}
            }
        }
        "message_delta" => {
            if let Some(reason) = ev.delta.and_then(|d| d.stop_reason) {
                outcome.choice(0).finish_reason = Some(reason.into_owned());
            }
            if let Some(usage) = ev.usage {
                stream.anthropic_usage.merge_raw(usage);
            }
        }
        "error" => {
            let error = ev.error.unwrap_or_default();
            outcome.error = Some(Failure::reported(
                error.kind.as_deref().unwrap_or("error"),
                error.message.as_deref(),
            ));
        }
        _ => {}
    }
    outcome.usage = stream.anthropic_usage.usage();
    Ok(())
}

/// Anthropic usage gathered across stream events.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct StreamUsage([Option<i64>; 4]);

impl StreamUsage {
    fn merge_raw(&mut self, usage: RawUsage) {
        let mut raw = RawUsage {
            input_tokens: self.0[0],
            output_tokens: self.0[1],
            cache_read_input_tokens: self.0[2],
            cache_creation_input_tokens: self.0[3],
        };
        raw.merge(usage);
        self.0 = [
            raw.input_tokens,
            raw.output_tokens,
            raw.cache_read_input_tokens,
            raw.cache_creation_input_tokens,
        ];
    }

    fn usage(&self) -> Usage {
        RawUsage {
            input_tokens: self.0[0],
            output_tokens: self.0[1],
            cache_read_input_tokens: self.0[2],
            cache_creation_input_tokens: self.0[3],
        }
        .usage()
    }
}
