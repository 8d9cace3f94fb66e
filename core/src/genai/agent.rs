//! Agent, workflow and tool spans, for frameworks (LangChain, LangGraph, the AI SDK) and for
//! users: `invoke_agent {name}`, `create_agent {name}`, `invoke_workflow {name}` and
//! `execute_tool {tool}`. An agent or workflow span carries the token usage and cost summed over
//! the model calls beneath it; a tool's arguments and result are content, gated and scrubbed
//! like messages.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value as Json;

use super::call::{CallPlacement, op_for};
use super::content::{self, Message, Part};
use super::{ContentPolicy, GenAiSettings, code_for_error_type};
use crate::keys as k;
use crate::span::{ErrorCode, SpanContext, SpanKind, Status, Str};
use crate::{Client, Span, SpanStart};

/// An agent or workflow step as a framework (or a user) describes it.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AgentSpec {
    /// `invoke_agent` (default), `create_agent` or `invoke_workflow`.
    pub operation: Option<String>,
    /// `gen_ai.agent.name` (a workflow's name goes there too, as the GenAI conventions now say).
    pub name: Option<String>,
    pub id: Option<String>,
    pub description: Option<String>,
    pub provider: Option<String>,
    pub model: Option<String>,
    pub conversation_id: Option<String>,
    /// Recorded when inputs are: the agent's instructions, input messages and tools.
    pub system: Vec<Part>,
    pub messages: Vec<Message>,
    pub tools: Vec<Json>,
}

/// A tool call as the framework runs it.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ToolSpec {
    pub name: String,
    pub call_id: Option<String>,
    /// `function` (default), `extension` or `datastore`.
    #[serde(rename = "type")]
    pub tool_type: Option<String>,
    pub description: Option<String>,
    /// Recorded when inputs are: JSON, or text as it came.
    pub arguments: Option<Json>,
}

/// A spec the core cannot use, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecError {
    pub field: &'static str,
    pub reason: String,
}

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid `{}`: {}", self.field, self.reason)
    }
}

impl std::error::Error for SpecError {}

const AGENT_OPERATIONS: [&str; 3] = ["invoke_agent", "create_agent", "invoke_workflow"];

/// An agent, workflow or tool span being recorded. Dropping it ends it.
pub struct AgentRun {
    span: Span,
    content: ContentPolicy,
    settings: Arc<GenAiSettings>,
}

impl Client {
    /// Starts an `invoke_agent` / `create_agent` / `invoke_workflow` span. The model calls and
    /// sub-agents started beneath it add their token usage and cost to it.
    pub fn start_agent(
        &self,
        spec: AgentSpec,
        placement: CallPlacement,
    ) -> Result<AgentRun, SpecError> {
        let operation = spec.operation.as_deref().unwrap_or("invoke_agent");
        let Some(operation) = AGENT_OPERATIONS.iter().find(|o| **o == operation) else {
            return Err(SpecError {
                field: "operation",
                reason: format!(
                    "expected one of {}, got {operation:?}",
                    AGENT_OPERATIONS.join(", ")
                ),
            });
        };
        let name = match spec.name.as_deref().filter(|n| !n.is_empty()) {
            Some(agent) => format!("{operation} {agent}"),
            None => (*operation).to_owned(),
        };
        let started_at = placement.start_time_unix_nano();
        let mut start = SpanStart::new(name)
            .scope(&placement.scope)
            .op(op_for(operation))
            .origin(placement.origin.unwrap_or(Str::Borrowed("manual")))
            .kind(SpanKind::Internal)
            .parent_opt(placement.parent)
            .rolls_up_usage()
            .attribute(k::GEN_AI_OPERATION_NAME, *operation);
        if let Some(at) = started_at {
            start = start.start_time_unix_nano(at);
        }
        for (key, value) in [
            (k::GEN_AI_AGENT_NAME, spec.name),
            (k::GEN_AI_AGENT_ID, spec.id),
            (k::GEN_AI_AGENT_DESCRIPTION, spec.description),
            (k::GEN_AI_PROVIDER_NAME, spec.provider),
            (k::GEN_AI_REQUEST_MODEL, spec.model),
            (k::GEN_AI_CONVERSATION_ID, spec.conversation_id),
        ] {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                start = start.attribute(key, v);
            }
        }
        let mut run = self.start_run(start, placement.content);
        if run.content.record_inputs
            && let Some(attrs) = run.span.attributes_mut()
        {
            content::record_inputs(attrs, spec.system, spec.messages, spec.tools, &run.settings);
        }
        Ok(run)
    }

    /// Starts an `execute_tool {name}` span.
    pub fn start_tool(
        &self,
        spec: ToolSpec,
        placement: CallPlacement,
    ) -> Result<AgentRun, SpecError> {
        if spec.name.is_empty() {
            return Err(SpecError {
                field: "name",
                reason: "a tool span needs the tool's name".into(),
            });
        }
        let started_at = placement.start_time_unix_nano();
        let mut start = SpanStart::new(format!("execute_tool {}", spec.name))
            .scope(&placement.scope)
            .op(op_for("execute_tool"))
            .origin(placement.origin.unwrap_or(Str::Borrowed("manual")))
            .kind(SpanKind::Internal)
            .parent_opt(placement.parent)
            .attribute(k::GEN_AI_OPERATION_NAME, "execute_tool")
            .attribute(
                k::GEN_AI_TOOL_TYPE,
                spec.tool_type.unwrap_or_else(|| "function".into()),
            )
            .attribute(k::GEN_AI_TOOL_NAME, spec.name);
        if let Some(at) = started_at {
            start = start.start_time_unix_nano(at);
        }
        for (key, value) in [
            (k::GEN_AI_TOOL_CALL_ID, spec.call_id),
            (k::GEN_AI_TOOL_DESCRIPTION, spec.description),
        ] {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                start = start.attribute(key, v);
            }
        }
        let mut run = self.start_run(start, placement.content);
        if run.content.record_inputs
            && let Some(arguments) = spec.arguments
        {
            run.record_content(k::GEN_AI_TOOL_CALL_ARGUMENTS, arguments);
        }
        Ok(run)
    }

    fn start_run(&self, start: SpanStart, content: ContentPolicy) -> AgentRun {
        AgentRun {
            span: self.start_span(start),
            content,
            settings: self.genai_settings().clone(),
        }
    }
}

impl AgentRun {
    pub fn context(&self) -> SpanContext {
        self.span.context()
    }

    pub fn is_recording(&self) -> bool {
        self.span.is_recording()
    }

    /// The span itself, for attributes of the host's own.
    pub fn span_mut(&mut self) -> &mut Span {
        &mut self.span
    }

    /// An agent's input messages, when they are known only after it started (recorded when
    /// inputs are). System messages go to the instructions.
    pub fn set_input(&mut self, messages: Vec<Message>) {
        if self.content.record_inputs
            && let Some(attrs) = self.span.attributes_mut()
        {
            let (system, messages): (Vec<Message>, Vec<Message>) =
                messages.into_iter().partition(|m| m.role == "system");
            let system = system.into_iter().flat_map(|m| m.parts).collect();
            content::record_inputs(attrs, system, messages, Vec::new(), &self.settings);
        }
    }

    /// An agent's final output messages (recorded when outputs are).
    pub fn set_output(&mut self, messages: Vec<Message>) {
        if self.content.record_outputs
            && let Some(attrs) = self.span.attributes_mut()
        {
            content::record_outputs(attrs, messages, &self.settings);
        }
    }

    /// A tool's result (recorded when outputs are): JSON, or text as it came.
    pub fn set_result(&mut self, result: Json) {
        if self.content.record_outputs {
            self.record_content(k::GEN_AI_TOOL_CALL_RESULT, result);
        }
    }

    fn record_content(&mut self, key: &'static str, value: Json) {
        let Some(attrs) = self.span.attributes_mut() else {
            return;
        };
        let text = match value {
            Json::String(text) => text,
            other => other.to_string(),
        };
        let capped = if self.settings.max_content_bytes == 0 {
            text
        } else {
            content::crop_str(&text, self.settings.max_content_bytes).to_owned()
        };
        attrs.set(key, content::scrub(capped, &self.settings));
    }

    /// Ends the span as succeeded.
    pub fn end(mut self) {
        self.span.set_status(Status::Ok);
        self.span.end();
    }

    /// Ends the span as failed: `error_type` is the exception class or error code.
    pub fn fail(mut self, error_type: &str, message: Option<&str>) {
        let error_type = if error_type.is_empty() {
            "error"
        } else {
            error_type
        };
        self.span
            .set_attribute(k::ERROR_TYPE, error_type.to_owned());
        self.span.set_status(Status::Error {
            code: code_for_error_type(error_type).unwrap_or(ErrorCode::InternalError),
            message: message.map(str::to_owned),
        });
        self.span.end();
    }
}
