"""LangChain and LangGraph: agent, tool and model-call spans from LangChain's callbacks.

`init()` registers `LangChainCallbackHandler` with LangChain's own configure hook
(`register_configure_hook`), so every callback manager LangChain builds (invoke, stream, batch,
LangGraph graphs, async or not) carries it; passing the handler in `callbacks` does the same
by hand. The handler forwards each callback to the core, which decides what it means
(`llmtel_core::genai::langchain`): the same payload gives the same span from Node and Python.
This module keeps only the run id -> span bookkeeping.

One span per model call: a model run opens its `chat` span and marks it as the framework call
of this context (`integrations.framework_call`); the provider integration's call made inside
it (ChatOpenAI -> openai) takes that span over instead of starting its own, so the span has
the provider's full detail. The mark is a contextvar, so a direct provider call elsewhere
keeps its own span.
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from typing import Any, Dict, Optional
from uuid import UUID

from . import FrameworkCall, Integration, _fallback, debug, framework_call, when_imported


class LangchainIntegration(Integration):
    """Traces LangChain model, tool and agent runs. `record_inputs` / `record_outputs`
    override `send_default_pii` for their spans."""

    identifier = "langchain"

    def setup(self) -> None:
        when_imported("langchain_core", patch)


class LanggraphIntegration(Integration):
    """Content options for LangGraph agent spans (the graph runs themselves come through
    LangChain's callbacks)."""

    identifier = "langgraph"

    def setup(self) -> None:
        when_imported("langchain_core", patch)


def to_json(value: Any) -> str:
    """LangChain's payloads as JSON. Messages sit in fields typed as their base class
    (`ChatGeneration.message: BaseMessage`), so they are dumped as what they are
    (`serialize_as_any`), or an AIMessage's tool calls and usage would be lost."""
    return json.dumps(value, default=_as_any, separators=(",", ":"))


def _as_any(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json", exclude_none=True, serialize_as_any=True, warnings=False)
    return _fallback(value)


# The metadata keys the core reads (see `langchain::ModelStart` / `ChainStart`): only these
# cross into it, not LangGraph's paths and checkpoints.
_MODEL_KEYS = ("ls_provider", "ls_model_name", "ls_model_type", "ls_temperature", "ls_max_tokens", "ls_stop", "thread_id")
_CHAIN_KEYS = ("ls_integration", "langgraph_node", "lc_agent_name", "thread_id")


def _pick(metadata: Optional[dict], keys: tuple) -> dict:
    return {key: metadata[key] for key in keys if key in metadata} if metadata else {}


def _may_be_agent(metadata: Optional[dict], name: Optional[str]) -> bool:
    """Whether a chain can be an agent at all: a graph node's chain (LangGraph marks it with
    `langgraph_node`) is not, unless it is a create_agent sub-agent bearing its own name. The
    core decides (`langchain::agent`); this only keeps the many node chains of a graph run
    from crossing into it."""
    return not metadata or "langgraph_node" not in metadata or (
        metadata.get("lc_agent_name") is not None and metadata.get("lc_agent_name") == name)


_registered: Any = None
_class: Optional[type] = None


def handler_class() -> type:
    """`LangChainCallbackHandler`: a LangChain callback handler that records llmtel spans.
    Pass one in `callbacks` to trace a call by hand (`init()` adds it everywhere already)."""
    global _class
    if _class is None:
        from langchain_core.callbacks import BaseCallbackHandler

        _class = type("LangChainCallbackHandler", (_Handler, BaseCallbackHandler),
                      {"__module__": __name__, "__doc__": handler_class.__doc__})
    return _class


def __getattr__(name: str) -> Any:
    if name == "LangChainCallbackHandler":
        return handler_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def patch() -> bool:
    """Registers the handler with LangChain's configure hook once."""
    global _registered
    if _registered is not None:
        return True
    try:
        from langchain_core.tracers.context import register_configure_hook
    except ImportError:
        return False
    _registered = handler_class()()
    # A default seen from every context: each callback manager LangChain configures adds it
    # (once: LangChain skips it where a handler of this class is already there).
    register_configure_hook(ContextVar("llmtel_langchain_handler", default=_registered), True, handler_class())
    return True


def _client(handler: Any) -> Any:
    """The client to record with, or None: the handler init() registered records only while
    a LangChain or LangGraph integration is chosen; one the user passed records always."""
    from .. import _state

    if handler is _registered and not ("langchain" in _state.integrations or "langgraph" in _state.integrations):
        return None
    return _state.client


def _scope_attributes() -> Any:
    """The current scope's attributes for the spans started now (see llmtel._scope_attributes)."""
    from .. import _scope_attributes as scope_attributes

    return scope_attributes()


def _content(kind: str) -> tuple:
    from .. import _state

    integration = _state.integrations.get(kind) or _state.integrations.get(LangchainIntegration.identifier)
    if integration is None:
        default = _state.send_default_pii
        return default, default
    return integration.content()


class _Run:
    """A run in progress: its span (None for a chain that is not an agent), where its children
    go, whether its output is recorded, and for a model run its framework-call mark."""

    __slots__ = ("handle", "context", "record_outputs", "claim", "previous")

    def __init__(self, handle: Any, context: Any, record_outputs: bool = False,
                 claim: Optional[FrameworkCall] = None, previous: Any = None) -> None:
        self.handle = handle
        self.context = context
        self.record_outputs = record_outputs
        self.claim = claim
        self.previous = previous


class _Handler:
    """The methods of LangChainCallbackHandler (made a BaseCallbackHandler when first used,
    so importing llmtel does not import LangChain)."""

    run_inline = True  # called in the caller's context, so contextvars reach the model call
    raise_error = False

    def __init__(self) -> None:
        self._runs: Dict[UUID, _Run] = {}

    # Where a run's children go: its own span, else its parent's place.
    def _parent(self, parent_run_id: Optional[UUID]) -> Any:
        if parent_run_id is not None:
            run = self._runs.get(parent_run_id)
            if run is not None:
                return run.context
        from .. import _parent_context

        return _parent_context()

    # Chains: an agent (a LangGraph graph, an agent executor) gets a span; others only pass
    # their parent's place on.
    def on_chain_start(self, serialized: Any, inputs: Any, *, run_id: UUID, parent_run_id: Optional[UUID] = None,
                       metadata: Optional[dict] = None, name: Optional[str] = None, **kwargs: Any) -> None:
        parent = self._parent(parent_run_id)
        client = _client(self)
        handle = None
        record_outputs = False
        if client is not None and _may_be_agent(metadata, name):
            try:
                kind = "langgraph" if (metadata or {}).get("ls_integration") == "langgraph" else "langchain"
                record_inputs, record_outputs = _content(kind)
                start = {"name": name, "metadata": _pick(metadata, _CHAIN_KEYS)}
                if isinstance(serialized, dict):
                    start["serialized"] = {"id": serialized.get("id")}
                handle = client.langchain_chain(to_json(start), parent=parent, record_inputs=record_inputs,
                                                record_outputs=record_outputs, scope=_scope_attributes())
                if handle is not None and record_inputs:
                    handle.set_langchain_input(to_json(inputs))
            except Exception as error:
                debug(f"this LangChain chain is not traced: {error!r}")
        self._runs[run_id] = _Run(handle, handle.context if handle is not None else parent, record_outputs)

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._end_run(run_id, "end_langchain_agent", outputs)

    def _end_run(self, run_id: UUID, end: str, output: Any) -> None:
        """Ends a chain's or a tool's span with its output (JSON only when outputs are recorded)."""
        run = self._runs.pop(run_id, None)
        if run is not None and run.handle is not None:
            try:
                getattr(run.handle, end)(to_json(output) if run.record_outputs else "null")
            except Exception as error:
                debug(f"the LangChain run's end was not recorded ({end}): {error!r}")

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._fail_run(run_id, error)

    # Model runs.
    def on_chat_model_start(self, serialized: Any, messages: Any, *, run_id: UUID,
                            parent_run_id: Optional[UUID] = None, metadata: Optional[dict] = None,
                            invocation_params: Optional[dict] = None, **kwargs: Any) -> None:
        self._start_model(run_id, parent_run_id, serialized, metadata, invocation_params, messages=messages)

    def on_llm_start(self, serialized: Any, prompts: Any, *, run_id: UUID, parent_run_id: Optional[UUID] = None,
                     metadata: Optional[dict] = None, invocation_params: Optional[dict] = None, **kwargs: Any) -> None:
        self._start_model(run_id, parent_run_id, serialized, metadata, invocation_params, prompts=prompts)

    def _start_model(self, run_id: UUID, parent_run_id: Optional[UUID], serialized: Any, metadata: Optional[dict],
                     params: Optional[dict], messages: Any = None, prompts: Any = None) -> None:
        client = _client(self)
        if client is None:
            return
        try:
            record_inputs, record_outputs = _content(LangchainIntegration.identifier)
            params = dict(params or {})
            if not record_inputs:
                params.pop("tools", None)  # tool definitions are content
            start: Dict[str, Any] = {"invocation_params": params, "metadata": _pick(metadata, _MODEL_KEYS),
                                     "serialized": {"id": (serialized or {}).get("id")}}
            if record_inputs:
                if messages:
                    start["messages"] = messages[0]
                if prompts:
                    start["prompts"] = list(prompts)
            call = client.langchain_model(to_json(start), parent=self._parent(parent_run_id),
                                          record_inputs=record_inputs, record_outputs=record_outputs,
                                          scope=_scope_attributes())
        except Exception as error:
            debug(f"this LangChain model call is not traced: {error!r}")
            return
        claim = FrameworkCall(call)
        previous = framework_call.get()
        framework_call.set(claim)
        self._runs[run_id] = _Run(call, call.context, record_outputs, claim, previous)

    def on_llm_new_token(self, token: str, *, run_id: UUID, **kwargs: Any) -> None:
        run = self._runs.get(run_id)
        if run is not None and run.claim is not None and not run.claim.taken:
            try:
                run.handle.mark_chunk()  # a stream no provider integration reads
            except Exception:
                pass

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        run = self._end_model(run_id)
        if run is None or run.handle.is_ended:
            return  # the provider call inside it ended the span with the provider's detail
        try:
            run.handle.finish_langchain(to_json(response))
        except Exception as error:
            debug(f"the LangChain model result was not recorded: {error!r}")

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        run = self._end_model(run_id)
        if run is None or run.handle.is_ended:
            return
        try:
            run.handle.fail(http_status=getattr(error, "status_code", None), exception=type(error).__name__,
                            message=str(error) or None)
        except Exception as problem:
            debug(f"the LangChain model error was not recorded: {problem!r}")

    def _end_model(self, run_id: UUID) -> Optional[_Run]:
        run = self._runs.pop(run_id, None)
        if run is not None and framework_call.get() is run.claim:
            framework_call.set(run.previous)
        return run

    # Tools.
    def on_tool_start(self, serialized: Any, input_str: str, *, run_id: UUID, parent_run_id: Optional[UUID] = None,
                      metadata: Optional[dict] = None, inputs: Optional[dict] = None, name: Optional[str] = None,
                      **kwargs: Any) -> None:
        parent = self._parent(parent_run_id)
        client = _client(self)
        handle = None
        record_outputs = False
        if client is not None:
            try:
                record_inputs, record_outputs = _content(LangchainIntegration.identifier)
                serialized = serialized or {}
                start: Dict[str, Any] = {
                    "name": name or serialized.get("name"),
                    "serialized": {"name": serialized.get("name"), "description": serialized.get("description")},
                    "tool_call_id": kwargs.get("tool_call_id"),
                }
                if record_inputs:
                    start["input"] = input_str
                    start["inputs"] = inputs
                handle = client.langchain_tool(to_json(start), parent=parent, record_inputs=record_inputs,
                                               record_outputs=record_outputs, scope=_scope_attributes())
            except Exception as error:
                debug(f"this LangChain tool run is not traced: {error!r}")
        self._runs[run_id] = _Run(handle, handle.context if handle is not None else parent, record_outputs)

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._end_run(run_id, "end_langchain_tool", output)

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._fail_run(run_id, error)

    def _fail_run(self, run_id: UUID, error: BaseException) -> None:
        run = self._runs.pop(run_id, None)
        if run is None or run.handle is None:
            return
        try:
            run.handle.fail(type(error).__name__, str(error) or None)
        except Exception as problem:
            debug(f"the LangChain run's error was not recorded: {problem!r}")
