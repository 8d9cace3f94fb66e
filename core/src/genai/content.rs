//! Recorded content: the contract's message schema (conventions §3), inline media replaced,
//! secrets scrubbed, each attribute capped with the newest messages kept whole, and the flattened
//! `indexed` form some backends still read.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::{Choice, GenAiSettings};
use crate::keys as k;
use crate::span::Attributes;

/// What replaces inline binary media.
pub const BLOB_SUBSTITUTE: &str = "[Blob substitute]";

/// How content attributes are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ContentFormat {
    /// `gen_ai.input.messages` and friends, as JSON strings (the current conventions).
    #[default]
    Json,
    /// `gen_ai.prompt.{i}.role` / `.content`, `gen_ai.completion.{i}.…`, one key per message.
    Indexed,
}

impl ContentFormat {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "json" | "messages" => Some(ContentFormat::Json),
            "indexed" => Some(ContentFormat::Indexed),
            _ => None,
        }
    }
}

/// One message of the contract's schema.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Message {
    pub role: String,
    #[serde(default)]
    pub parts: Vec<Part>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
}

/// A message part (conventions §3).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Part {
    Text {
        content: String,
    },
    ToolCall {
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        name: String,
        arguments: Json,
    },
    ToolCallResponse {
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        response: Json,
    },
    Reasoning {
        content: String,
    },
    Blob {
        modality: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
        content: String,
    },
    Uri {
        modality: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
        uri: String,
    },
    File {
        modality: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
        file_id: String,
    },
}

impl Part {
    pub fn text(content: impl Into<String>) -> Part {
        Part::Text {
            content: content.into(),
        }
    }

    /// Tool-call arguments: parsed JSON when they parse, else the raw string.
    pub fn tool_call(id: Option<String>, name: String, arguments: &str) -> Part {
        let arguments =
            serde_json::from_str(arguments).unwrap_or_else(|_| Json::String(arguments.to_owned()));
        Part::ToolCall {
            id,
            name,
            arguments,
        }
    }

    /// A media reference: a `data:` URL or bare base64 becomes a blob substitute, an http(s)
    /// URL stays a URI.
    pub fn media(modality: &str, mime_type: Option<&str>, url_or_data: &str) -> Part {
        if let Some(rest) = url_or_data.strip_prefix("data:") {
            let mime = rest.split([';', ',']).next().filter(|m| !m.is_empty());
            return Part::Blob {
                modality: modality.to_owned(),
                mime_type: mime.or(mime_type).map(str::to_owned),
                content: BLOB_SUBSTITUTE.to_owned(),
            };
        }
        if url_or_data.contains("://") {
            return Part::Uri {
                modality: modality.to_owned(),
                mime_type: mime_type.map(str::to_owned),
                uri: url_or_data.to_owned(),
            };
        }
        Part::blob(modality, mime_type)
    }

    /// Inline binary data, never recorded.
    pub fn blob(modality: &str, mime_type: Option<&str>) -> Part {
        Part::Blob {
            modality: modality.to_owned(),
            mime_type: mime_type.map(str::to_owned),
            content: BLOB_SUBSTITUTE.to_owned(),
        }
    }
}

/// `image/png` -> `image`; unknown -> the given fallback.
pub fn modality_of(mime_type: Option<&str>, fallback: &str) -> String {
    match mime_type.and_then(|m| m.split('/').next()) {
        Some("image") => "image".into(),
        Some("audio") => "audio".into(),
        Some("video") => "video".into(),
        _ => fallback.into(),
    }
}

/// Turns assembled choices into output messages.
pub(crate) fn output_messages(choices: Vec<Choice>) -> Vec<Message> {
    choices
        .into_iter()
        .map(|c| {
            let mut parts = Vec::new();
            if !c.reasoning.is_empty() {
                parts.push(Part::Reasoning {
                    content: c.reasoning,
                });
            }
            if !c.text.is_empty() {
                parts.push(Part::text(c.text));
            }
            for call in c.tool_calls {
                let arguments = match call.arguments_json {
                    Some(json) if call.arguments.is_empty() => json,
                    _ => serde_json::from_str(&call.arguments)
                        .unwrap_or(Json::String(call.arguments)),
                };
                parts.push(Part::ToolCall {
                    id: call.id,
                    name: call.name.unwrap_or_default(),
                    arguments,
                });
            }
            parts.extend(c.other_parts);
            Message {
                role: c.role.unwrap_or_else(|| "assistant".into()),
                parts,
                finish_reason: c.finish_reason,
            }
        })
        .collect()
}

/// Records the request's content: system instructions, input messages, tool definitions.
pub(crate) fn record_inputs(
    attrs: &mut Attributes,
    mut system: Vec<Part>,
    mut messages: Vec<Message>,
    tools: Vec<Json>,
    settings: &GenAiSettings,
) {
    let cap = settings.max_content_bytes;
    crop_parts(&mut system, cap);
    messages
        .iter_mut()
        .for_each(|m| crop_parts(&mut m.parts, cap));
    match settings.content_format {
        ContentFormat::Json => {
            if !system.is_empty() {
                let (json, _) = capped_json_list(&system, settings.max_content_bytes);
                attrs.set(k::GEN_AI_SYSTEM_INSTRUCTIONS, scrub(json, settings));
            }
            if !messages.is_empty() {
                let (json, original) = capped_json_list(&messages, settings.max_content_bytes);
                attrs.set(k::GEN_AI_INPUT_MESSAGES, scrub(json, settings));
                if let Some(n) = original {
                    attrs.set(k::LLMTEL_CONTENT_ORIGINAL_LENGTH, n as i64);
                }
            }
        }
        ContentFormat::Indexed => {
            let mut all = Vec::with_capacity(messages.len() + 1);
            if !system.is_empty() {
                all.push(Message {
                    role: "system".into(),
                    parts: system,
                    finish_reason: None,
                });
            }
            all.extend(messages);
            record_indexed(attrs, "gen_ai.prompt", &all, settings);
        }
    }
    if !tools.is_empty() {
        let (json, _) = capped_json_list(&tools, settings.max_content_bytes);
        attrs.set(k::GEN_AI_TOOL_DEFINITIONS, scrub(json, settings));
    }
}

pub(crate) fn record_outputs(
    attrs: &mut Attributes,
    mut messages: Vec<Message>,
    settings: &GenAiSettings,
) {
    if messages.iter().all(|m| m.parts.is_empty()) {
        return;
    }
    let cap = settings.max_content_bytes;
    messages
        .iter_mut()
        .for_each(|m| crop_parts(&mut m.parts, cap));
    match settings.content_format {
        ContentFormat::Json => {
            let (json, _) = capped_json_list(&messages, settings.max_content_bytes);
            attrs.set(k::GEN_AI_OUTPUT_MESSAGES, scrub(json, settings));
        }
        ContentFormat::Indexed => record_indexed(attrs, "gen_ai.completion", &messages, settings),
    }
}

/// Embedding inputs: one text as is, several as a JSON array.
pub(crate) fn record_embeddings_input(
    attrs: &mut Attributes,
    inputs: Vec<String>,
    settings: &GenAiSettings,
) {
    let text = match inputs.len() {
        0 => return,
        1 => crop_str(&inputs[0], settings.max_content_bytes).to_owned(),
        _ => capped_json_list(&inputs, settings.max_content_bytes).0,
    };
    attrs.set(k::GEN_AI_EMBEDDINGS_INPUT, scrub(text, settings));
}

fn record_indexed(
    attrs: &mut Attributes,
    prefix: &str,
    messages: &[Message],
    settings: &GenAiSettings,
) {
    let cap = settings.max_content_bytes;
    for (i, message) in messages.iter().enumerate() {
        attrs.set(format!("{prefix}.{i}.role"), message.role.clone());
        let texts: Vec<&str> = message
            .parts
            .iter()
            .filter_map(|p| match p {
                Part::Text { content } => Some(content.as_str()),
                _ => None,
            })
            .collect();
        let others: Vec<&Part> = message
            .parts
            .iter()
            .filter(|p| !matches!(p, Part::Text { .. } | Part::ToolCall { .. }))
            .collect();
        let content = if others.is_empty() {
            texts.join("\n")
        } else {
            serde_json::to_string(&message.parts).expect("parts serialize")
        };
        if !content.is_empty() {
            attrs.set(
                format!("{prefix}.{i}.content"),
                scrub(crop_str(&content, cap).to_owned(), settings),
            );
        }
        let calls: Vec<&Part> = message
            .parts
            .iter()
            .filter(|p| matches!(p, Part::ToolCall { .. }))
            .collect();
        if !calls.is_empty() {
            let json = serde_json::to_string(&calls).expect("parts serialize");
            attrs.set(
                format!("{prefix}.{i}.tool_calls"),
                scrub(crop_str(&json, cap).to_owned(), settings),
            );
        }
    }
}

/// The cap applied before any other work: no string of a part can appear in an attribute
/// longer than `cap` bytes, so each is cut to that first (on a character boundary), and a
/// 50 MB answer costs what 64 KiB cost from here on. `cap` 0 means no cap.
fn crop_parts(parts: &mut [Part], cap: usize) {
    if cap == 0 {
        return;
    }
    for part in parts {
        match part {
            Part::Text { content } | Part::Reasoning { content } => crop_string(content, cap),
            Part::ToolCall {
                arguments: json, ..
            }
            | Part::ToolCallResponse { response: json, .. } => crop_json_strings(json, cap),
            Part::Blob { .. } | Part::Uri { .. } | Part::File { .. } => {}
        }
    }
}

/// `crop_str` in place.
fn crop_string(text: &mut String, cap: usize) {
    let keep = crop_str(text, cap).len();
    text.truncate(keep);
}

fn crop_json_strings(value: &mut Json, cap: usize) {
    match value {
        Json::String(text) => crop_string(text, cap),
        Json::Array(items) => items.iter_mut().for_each(|i| crop_json_strings(i, cap)),
        Json::Object(map) => map.values_mut().for_each(|v| crop_json_strings(v, cap)),
        _ => {}
    }
}

/// Serializes a list as a JSON array within `cap` bytes (0 = no cap): the newest (last)
/// elements are kept whole, the oldest kept one is cropped to fit, older ones are dropped.
/// Returns the JSON and, when anything was cut, the original element count.
pub fn capped_json_list<T: Serialize>(items: &[T], cap: usize) -> (String, Option<usize>) {
    let whole = serde_json::to_string(items).expect("content serializes");
    if cap == 0 || whole.len() <= cap {
        return (whole, None);
    }
    // The elements as JSON values, read back from the text just written: no second
    // serializer (into values) for the content types, which the wasm build would carry.
    let values: Vec<Json> = serde_json::from_str(&whole).expect("content reads back");
    let mut kept: Vec<Json> = Vec::new();
    let mut budget = cap.saturating_sub(2); // the brackets
    for value in values.iter().rev() {
        let size = serde_json::to_string(value).map(|s| s.len()).unwrap_or(0) + 1;
        if size <= budget {
            budget -= size;
            kept.push(value.clone());
            continue;
        }
        if let Some(cropped) = crop_value(value, budget.saturating_sub(1)) {
            kept.push(cropped);
        }
        break;
    }
    kept.reverse();
    let json = serde_json::to_string(&kept).expect("content serializes");
    (json, Some(items.len()))
}

/// Shrinks the longest strings inside `value` until its JSON fits in `budget` bytes.
fn crop_value(value: &Json, budget: usize) -> Option<Json> {
    const SMALLEST_USEFUL: usize = 32;
    if budget < SMALLEST_USEFUL {
        return None;
    }
    let mut value = value.clone();
    for _ in 0..16 {
        let size = serde_json::to_string(&value).ok()?.len();
        if size <= budget {
            return Some(value);
        }
        let longest = longest_string(&mut value)?;
        let over = size - budget;
        let keep = longest.len().saturating_sub(over + 8);
        let cut = crop_str(longest, keep).len();
        if cut == longest.len() {
            return None;
        }
        longest.truncate(cut);
    }
    None
}

fn longest_string(value: &mut Json) -> Option<&mut String> {
    match value {
        Json::String(s) => Some(s),
        Json::Array(items) => items
            .iter_mut()
            .filter_map(longest_string)
            .max_by_key(|s| s.len()),
        Json::Object(map) => map
            .iter_mut()
            .filter(|(k, _)| !matches!(k.as_str(), "type" | "role" | "id" | "name"))
            .filter_map(|(_, v)| longest_string(v))
            .max_by_key(|s| s.len()),
        _ => None,
    }
}

/// The longest prefix of `text` within `max` bytes that ends on a character boundary
/// (`max` = 0 means no cap).
pub fn crop_str(text: &str, max: usize) -> &str {
    if max == 0 || text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Replaces secrets by `[Filtered]` (see `crate::scrub`).
pub(crate) fn scrub(text: String, settings: &GenAiSettings) -> String {
    settings.scrubber.scrub_owned(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> GenAiSettings {
        GenAiSettings::default()
    }

    #[test]
    fn secrets_are_filtered_and_ordinary_text_is_not() {
        let s = settings();
        for (text, expected) in [
            (
                "key sk-proj-abcdefghijklmnopqrstuvwx1234 ok",
                "key [Filtered] ok",
            ),
            ("sk-ant-api03-abcdefghijklmnopqrst", "[Filtered]"),
            (
                "g AIzaSyA1234567890abcdefghijklmnopqrstuv x",
                "g [Filtered] x",
            ),
            ("aws AKIAIOSFODNN7EXAMPLE.", "aws [Filtered]."),
            ("ghp_abcdefghijklmnopqrstuvwxyz0123456789", "[Filtered]"),
            ("xoxb-1234567890-abcdef", "[Filtered]"),
            (
                "Authorization: Bearer eyJhbGciOi.abc.def",
                "Authorization: Bearer [Filtered]",
            ),
            (
                "-----BEGIN RSA PRIVATE KEY-----\\nMIIE\\n-----END RSA PRIVATE KEY-----",
                "[Filtered]",
            ),
            ("ask-me about tasks", "ask-me about tasks"),
        ] {
            assert_eq!(scrub(text.to_owned(), &s), expected, "{text}");
        }
    }

    #[test]
    fn the_cap_keeps_the_newest_messages_whole_and_the_json_valid() {
        let messages: Vec<Message> = (0..10)
            .map(|i| Message {
                role: "user".into(),
                parts: vec![Part::text(format!("{i}:{}", "é".repeat(500)))],
                finish_reason: None,
            })
            .collect();
        let (json, original) = capped_json_list(&messages, 3000);
        assert!(json.len() <= 3000, "{}", json.len());
        assert_eq!(original, Some(10));
        let parsed: Vec<Json> = serde_json::from_str(&json).expect("valid JSON");
        let last = parsed.last().unwrap()["parts"][0]["content"]
            .as_str()
            .unwrap();
        assert!(
            last.starts_with("9:") && last.len() == 2 + 1000,
            "the newest is whole"
        );
        let first = parsed[0]["parts"][0]["content"].as_str().unwrap();
        assert!(first.len() < 1002, "the oldest kept one is cropped");
        let (json, original) = capped_json_list(&messages, 0);
        assert_eq!(original, None);
        assert_eq!(serde_json::from_str::<Vec<Json>>(&json).unwrap().len(), 10);
    }

    #[test]
    fn a_single_huge_message_is_cropped_on_a_character_boundary() {
        let messages = vec![Message {
            role: "user".into(),
            parts: vec![Part::text("日本語".repeat(100_000))],
            finish_reason: None,
        }];
        let (json, original) = capped_json_list(&messages, 64 * 1024);
        assert!(json.len() <= 64 * 1024);
        assert_eq!(original, Some(1));
        let parsed: Vec<Json> = serde_json::from_str(&json).unwrap();
        assert!(parsed[0]["parts"][0]["content"].as_str().unwrap().len() > 60_000);
    }

    #[test]
    fn media_becomes_a_blob_substitute_or_stays_a_uri() {
        assert_eq!(
            Part::media("image", None, "data:image/png;base64,iVBORw0KGgo="),
            Part::Blob {
                modality: "image".into(),
                mime_type: Some("image/png".into()),
                content: BLOB_SUBSTITUTE.into()
            }
        );
        assert!(matches!(
            Part::media("image", None, "https://example.com/cat.png"),
            Part::Uri { .. }
        ));
    }
}
