//! Calls a framework already normalized (LangChain's messages, the AI SDK's prompt): the
//! request's model, parameters and messages and the result's messages, usage and finish
//! reasons, in the contract's own message schema. Deserializable, so a JS object or a Python
//! dict arrives as JSON and means the same from every host.

use serde::Deserialize;
use serde_json::Value as Json;

use super::content::{self, Message, Part};
use super::{Choice, MapContext, Outcome, RequestFacts, Usage, record_present};
use crate::keys as k;
use crate::span::Attributes;

/// A model call as a framework describes it. Unknown fields are refused, so a misspelt key
/// is an error that names it rather than a silently missing attribute.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct NormalizedRequest {
    /// `gen_ai.operation.name`: `chat` (default), `text_completion`, `embeddings`, …
    pub operation: Option<String>,
    /// `gen_ai.provider.name` as the contract spells it (`openai`, `anthropic`,
    /// `aws.bedrock`, …); `unknown` when the framework cannot tell.
    pub provider: Option<String>,
    pub model: Option<String>,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub top_k: Option<f64>,
    pub frequency_penalty: Option<f64>,
    pub presence_penalty: Option<f64>,
    pub max_tokens: Option<i64>,
    pub seed: Option<i64>,
    pub stop_sequences: Option<Vec<String>>,
    pub stream: bool,
    /// `gen_ai.output.type` the request asks for (`json`, `text`, …).
    pub output_type: Option<String>,
    /// System instructions, apart from the messages.
    pub system: Vec<Part>,
    pub messages: Vec<Message>,
    /// Tool definitions (`{"type": "function", "name", "description", "parameters"}`).
    pub tools: Vec<Json>,
    /// The texts of an `embeddings` call.
    pub embeddings_input: Vec<String>,
    pub conversation_id: Option<String>,
    pub server_address: Option<String>,
    pub server_port: Option<u16>,
}

/// What came back.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct NormalizedResponse {
    pub id: Option<String>,
    pub model: Option<String>,
    /// Output messages, one per choice, each with its finish reason when known.
    pub messages: Vec<Message>,
    /// Finish reasons for choices whose messages do not carry one (or when there are none).
    pub finish_reasons: Vec<String>,
    pub usage: Usage,
    /// An embeddings call's vector length.
    pub embedding_dims: Option<i64>,
}

impl NormalizedRequest {
    /// Writes the request attributes and content (when inputs are recorded).
    pub(crate) fn record(self, attrs: &mut Attributes, ctx: &MapContext<'_>) -> RequestFacts {
        let mut facts = RequestFacts {
            conversation_id: self.conversation_id.filter(|c| !c.is_empty()),
            ..RequestFacts::default()
        };
        facts.record_model(attrs, self.model.as_deref());
        record_present(
            attrs,
            [
                (k::GEN_AI_REQUEST_TEMPERATURE, self.temperature),
                (k::GEN_AI_REQUEST_TOP_P, self.top_p),
                (k::GEN_AI_REQUEST_TOP_K, self.top_k),
                (k::GEN_AI_REQUEST_FREQUENCY_PENALTY, self.frequency_penalty),
                (k::GEN_AI_REQUEST_PRESENCE_PENALTY, self.presence_penalty),
            ],
        );
        record_present(
            attrs,
            [
                (k::GEN_AI_REQUEST_MAX_TOKENS, self.max_tokens),
                (k::GEN_AI_REQUEST_SEED, self.seed),
            ],
        );
        if let Some(stop) = self.stop_sequences.filter(|s| !s.is_empty()) {
            attrs.set(k::GEN_AI_REQUEST_STOP_SEQUENCES, stop);
        }
        if let Some(output_type) = self.output_type.filter(|t| !t.is_empty()) {
            attrs.set(k::GEN_AI_OUTPUT_TYPE, output_type);
        }
        // As for wire calls, tool definitions count as input content.
        if ctx.content.record_inputs {
            if !self.embeddings_input.is_empty() {
                content::record_embeddings_input(attrs, self.embeddings_input, ctx.settings);
            }
            content::record_inputs(attrs, self.system, self.messages, self.tools, ctx.settings);
        }
        facts
    }
}

impl NormalizedResponse {
    pub(crate) fn into_outcome(self, outcome: &mut Outcome) {
        outcome.id(self.id.as_deref());
        outcome.model(self.model.as_deref());
        outcome.usage.merge(self.usage);
        if self.embedding_dims.is_some() {
            outcome.embedding_dims = self.embedding_dims;
        }
        let choices = self.messages.len().max(self.finish_reasons.len());
        let mut messages = self.messages.into_iter();
        let mut reasons = self.finish_reasons.into_iter();
        for index in 0..choices {
            let message = messages.next();
            let reason = reasons.next();
            let choice: &mut Choice = outcome.choice(index as i64);
            if let Some(message) = message {
                choice.role = Some(message.role);
                choice.finish_reason = message.finish_reason;
                for part in message.parts {
                    choice.push_part(part);
                }
            }
            if choice.finish_reason.is_none() {
                choice.finish_reason = reason;
            }
        }
    }
}
