"""llmtel: see what your program's LLM calls do.

    import llmtel
    llmtel.init()                      # spans go to .llmtel/spans.jsonl, or set dsn=... / otlp_endpoint=...
    with llmtel.start_span(name="Generate Report", op="ai.task"):
        client.chat.completions.create(...)   # traced automatically

The names follow Sentry's Python SDK (init, start_span, send_default_pii, before_send_span,
traces_sample_rate, integrations) so moving over is a copy-paste. The work happens in the Rust
core (llmtel._native); this package keeps the current span in contextvars and wraps clients.
"""

from __future__ import annotations

import atexit
import functools
import inspect
import json
import os
import sys
import time
from contextvars import ContextVar, Token
from typing import Any, Callable, Iterable, Optional, TypeVar, Union, overload

from . import _native, _otel, _processes
from ._scope import Scope, get_current_scope, new_scope
from ._native import ConfigError, FlushTimeout, InvalidArgument, MappingError, SpanEnded
from ._options import option_pairs

__all__ = [
    "init", "start_span", "start_transaction", "trace", "ai_track", "get_active_span", "get_current_span",
    "set_conversation_id", "flush", "close",
    "continue_trace", "get_traceparent", "get_baggage", "get_trace_data", "LlmtelSpanProcessor",
    "capture_exception", "capture_message", "set_tag", "set_tags", "set_user", "set_context",
    "new_scope", "get_current_scope", "Scope",
    "instrument_client", "Span", "ConfigError", "MappingError", "FlushTimeout", "SpanEnded", "InvalidArgument",
    "OpenAIIntegration", "AnthropicIntegration", "GoogleGenAIIntegration", "LangchainIntegration",
    "LanggraphIntegration", "LangChainCallbackHandler", "__version__",
]
__version__ = _native.version()

_current: ContextVar[Optional[Union["Span", "_ContinuedTrace"]]] = ContextVar("llmtel_current_span", default=None)
_conversation: ContextVar[Optional[str]] = ContextVar("llmtel_conversation_id", default=None)


_UNREAD: Any = object()  # "not read yet", where None is a value read (no OpenTelemetry span)


def _parent_context(theirs: Any = _UNREAD) -> Optional[_native.Context]:
    """Where a span started now goes: under the most recent of llmtel's active span and the
    application's active OpenTelemetry span. An OpenTelemetry span started inside an llmtel
    span is the more recent one; the one already active when the llmtel span started is not."""
    ours = _current.get()
    if theirs is _UNREAD:
        theirs = _otel.active_span()
    if theirs is not None and (ours is None or ours._otel_at is not theirs):
        context = _otel.context_of(theirs)
        if context is not None:
            return context
    return ours._context if ours is not None else None


def _scope_attributes() -> Optional[list]:
    """The current scope's attributes for a span (its tags, the user) as (key, value) pairs,
    or None when it has none (the common case)."""
    scope = get_current_scope()
    if not scope._tags and not scope._user:
        return None
    return list(scope.span_attributes().items())


class _State:
    client: Optional[_native.Client] = None
    send_default_pii: bool = False
    shutdown_timeout: float = 2.0
    integrations: dict = {}
    debug: bool = False


_state = _State()


def init(
    dsn: Optional[str] = None,
    *,
    otlp_endpoint: Optional[str] = None,
    otlp_headers: Optional[dict] = None,
    spool: Union[str, bool, None] = None,
    spotlight: Union[str, bool, None] = None,
    environment: Optional[str] = None,
    release: Optional[str] = None,
    service_name: Optional[str] = None,
    send_default_pii: bool = False,
    traces_sample_rate: float = 1.0,
    before_send_span: Optional[Callable[[dict], Optional[dict]]] = None,
    traces_sampler: Optional[Callable[[dict], Any]] = None,
    integrations: Optional[Iterable["Integration"]] = None,
    default_integrations: bool = True,
    content_format: Optional[str] = None,
    max_content_bytes: Optional[int] = None,
    debug: bool = False,
    shutdown_timeout: float = 2.0,
    **options: Any,
) -> None:
    """Starts llmtel. Every option of the core is accepted by name (queue_capacity,
    flush_interval, export_timeout, prices, …). A bad value raises ConfigError (a ValueError)
    naming the option. Sentry options llmtel does not use (profiles_sample_rate,
    ignore_errors, …) are accepted with one notice. Calling init again replaces the previous
    setup.

    traces_sampler(sampling_context) -> float | bool, as Sentry's: called for each span that
    takes a sampling decision (a new trace, or the first span of a continued one) with
    {"name", "op", "attributes", "parent_sampled", "transaction_context": {"name", "op"}}.
    A rate or a bool decides; anything else (or a raise) leaves the default."""
    _check_callables(before_send_span=before_send_span, traces_sampler=traces_sampler)
    chosen_by_user = [(_integration_name(i), i) for i in integrations or ()]
    pairs, ignored = option_pairs({
        "dsn": dsn, "otlp_endpoint": otlp_endpoint, "otlp_headers": otlp_headers, "spool": spool,
        "spotlight": spotlight, "environment": environment, "release": release,
        "service_name": service_name, "send_default_pii": send_default_pii,
        "traces_sample_rate": traces_sample_rate, "content_format": content_format,
        "max_content_bytes": max_content_bytes, "debug": debug, "shutdown_timeout": shutdown_timeout,
        **options,
    })
    client = _native.Client(pairs, before_send_span, _sampler(traces_sampler) if traces_sampler else None)
    if ignored:
        print(f"llmtel: ignoring Sentry options llmtel does not use: {', '.join(ignored)}", file=sys.stderr)
    previous, _state.client = _state.client, client
    if previous is not None:
        try:
            previous.close(shutdown_timeout)
        except FlushTimeout:
            pass  # the old pipeline's thread finishes on its own
    _state.send_default_pii = send_default_pii
    _state.shutdown_timeout = shutdown_timeout
    _state.debug = debug
    _processes.install(_atexit)

    chosen = {}
    if default_integrations:
        for integration in _default_integrations():
            chosen[integration.identifier] = integration
    for name, integration in chosen_by_user:
        chosen[name] = integration  # the user's own options win
    _state.integrations = chosen
    if debug:
        print(f"llmtel: {client.describe()}; integrations: {', '.join(chosen) or 'none'}", file=sys.stderr)
    for integration in chosen.values():
        integration.setup()


def _check_callables(**callbacks: Any) -> None:
    """A callback that cannot be called is an init error: it would drop every span (or decide
    nothing) without a word."""
    for name, value in callbacks.items():
        if value is not None and not callable(value):
            reason = f"must be callable, got {type(value).__name__}"
            error = ConfigError(f"invalid option `{name}`: {reason}")
            error.option, error.reason = name, reason
            raise error


def _integration_name(integration: Any) -> str:
    """An integration's identifier; anything else is an init error naming what was passed."""
    from .integrations import Integration

    if isinstance(integration, Integration):
        return integration.identifier
    if isinstance(integration, type) and issubclass(integration, Integration):
        reason = f"pass an instance, {integration.__name__}(), not the class"
    else:
        known = [cls.__name__ for cls in _default_integration_classes()]
        name = type(integration).__name__
        near = _native.nearest_name(name, known)
        reason = f"{name} is not an llmtel integration; " + (f"did you mean {near}?" if near else f"llmtel has {', '.join(known)}")
    error = ConfigError(f"invalid option `integrations`: {reason}")
    error.option, error.reason = "integrations", reason
    raise error


def _sampler(traces_sampler: Callable[[dict], Any]) -> Callable[[dict], Any]:
    """The user's sampler, given Sentry's `transaction_context` as well."""

    def sample(context: dict) -> Any:
        context["transaction_context"] = {"name": context["name"], "op": context["op"]}
        return traces_sampler(context)

    return sample


def _default_integration_classes() -> list:
    from .integrations.anthropic import AnthropicIntegration
    from .integrations.google_genai import GoogleGenAIIntegration
    from .integrations.langchain import LangchainIntegration, LanggraphIntegration
    from .integrations.openai import OpenAIIntegration

    return [OpenAIIntegration, AnthropicIntegration, GoogleGenAIIntegration, LangchainIntegration,
            LanggraphIntegration]


def _default_integrations() -> list:
    return [cls() for cls in _default_integration_classes()]


def _atexit() -> None:
    client = _state.client
    if client is None or client.is_closed():
        return
    started = time.monotonic()
    try:
        client.close(_state.shutdown_timeout)
        done = True
    except FlushTimeout:
        done = False
    waited = time.monotonic() - started
    if waited > 0.25 or not done:
        print(f"llmtel: waited {waited:.1f} s at exit to send spans" + ("" if done else " (some may be lost)"), file=sys.stderr)


atexit.register(_atexit)


class Span:
    """A span being recorded (from start_span, trace or get_active_span)."""

    __slots__ = ("_native", "_context", "_token", "_otel_at", "__weakref__")

    def __init__(self, native: "_native.Span", otel_at: Any = _UNREAD) -> None:
        self._native = native
        self._context = native.context  # where children start, read once
        self._token: Optional[Token] = None
        # The application's OpenTelemetry span active when this one started (_parent_context).
        self._otel_at = _otel.active_span() if otel_at is _UNREAD else otel_at

    def set_attribute(self, key: str, value: Any) -> None:
        try:
            self._native.set_attribute(key, value)
        except SpanEnded:
            pass

    def set_attributes(self, attributes: dict) -> None:
        for key, value in attributes.items():
            self.set_attribute(key, value)

    def set_data(self, key: str, value: Any) -> None:
        """sentry-sdk 2.x's name for set_attribute, so code written for it runs unchanged."""
        self.set_attribute(key, value)

    def set_tag(self, key: str, value: Any) -> None:
        """sentry-sdk's span tag: an attribute holding the value as a string."""
        self.set_attribute(key, str(value))

    def record_usage(self, *, input_tokens: Optional[int] = None, output_tokens: Optional[int] = None,
                     cached_input_tokens: Optional[int] = None, reasoning_tokens: Optional[int] = None) -> None:
        """Token counts as the span contract defines them: input includes cached, output
        includes reasoning. Counts left as None are not recorded."""
        count = lambda v: None if v is None else int(v)  # noqa: E731
        try:
            self._native.record_usage(input_tokens=count(input_tokens), output_tokens=count(output_tokens),
                                      cache_read_input_tokens=count(cached_input_tokens),
                                      reasoning_tokens=count(reasoning_tokens))
        except SpanEnded:
            pass

    def set_status(self, status: str, message: Optional[str] = None) -> None:
        """"ok", "error", or one of Sentry's statuses ("resource_exhausted", …)."""
        try:
            self._native.set_status(status, message)
        except SpanEnded:
            pass

    def end(self) -> None:
        try:
            self._native.end()
        except SpanEnded:
            pass

    @property
    def trace_id(self) -> str:
        return self._native.trace_id

    @property
    def span_id(self) -> str:
        return self._native.span_id


class _NoOpSpan(Span):
    """The span start_span gives before init (as Sentry's NoOpSpan): nothing is recorded, the
    code in the block runs, and `span.set_attribute(...)` needs no None check."""

    __slots__ = ()

    def __init__(self) -> None:  # no native span behind it
        self._token = None

    def set_attribute(self, key: str, value: Any) -> None:
        pass

    def record_usage(self, *, input_tokens: Optional[int] = None, output_tokens: Optional[int] = None,
                     cached_input_tokens: Optional[int] = None, reasoning_tokens: Optional[int] = None) -> None:
        pass

    def set_status(self, status: str, message: Optional[str] = None) -> None:
        pass

    def end(self) -> None:
        pass

    @property
    def trace_id(self) -> str:
        return "0" * 32

    @property
    def span_id(self) -> str:
        return "0" * 16


class start_span:
    """`with llmtel.start_span(name=..., op=..., attributes={...}) as span:` (or `async with`).
    Nests through contextvars, so threads and asyncio tasks keep their parents apart."""

    def __init__(self, name: str, op: Optional[str] = None, attributes: Optional[dict] = None) -> None:
        self._name, self._op, self._attributes = name, op, attributes
        self._span: Optional[Span] = None
        self._token: Optional[Token] = None

    def __enter__(self) -> Span:
        client = _state.client
        if client is None:
            return _NoOpSpan()
        attributes = self._attributes
        scoped = _scope_attributes()
        if scoped:
            attributes = {**dict(scoped), **(attributes or {})}
        theirs = _otel.active_span()  # read once: for the parent and for the span itself
        native = client.start_span(self._name, self._op, None, _parent_context(theirs), attributes)
        self._span = Span(native, theirs)
        self._token = _current.set(self._span)
        return self._span

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._span is None:
            return
        if exc is not None:
            self._span.set_attribute("error.type", exc_type.__name__)
            self._span.set_status("error", str(exc) or exc_type.__name__)
        if self._token is not None:
            _current.reset(self._token)
        self._span.end()

    async def __aenter__(self) -> Span:
        return self.__enter__()

    async def __aexit__(self, exc_type, exc, tb) -> None:
        self.__exit__(exc_type, exc, tb)


F = TypeVar("F", bound=Callable[..., Any])


@overload
def trace(func: F) -> F: ...


@overload
def trace(func: None = None, *, name: Optional[str] = None, op: Optional[str] = None,
          attributes: Optional[dict] = None) -> Callable[[F], F]: ...


def trace(func: Optional[F] = None, *, name: Optional[str] = None, op: Optional[str] = None,
          attributes: Optional[dict] = None) -> Union[F, Callable[[F], F]]:
    """`@llmtel.trace` or `@llmtel.trace(name=..., op=...)` on sync and async functions; the
    decorated function keeps its signature (for type checkers too)."""

    def decorate(fn: F) -> F:
        span_name = name or getattr(fn, "__qualname__", "function")
        if inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                async with start_span(span_name, op, attributes):
                    return await fn(*args, **kwargs)
            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with start_span(span_name, op, attributes):
                return fn(*args, **kwargs)
        return wrapper  # type: ignore[return-value]

    return decorate(func) if func is not None else decorate


def get_active_span() -> Optional[Span]:
    span = _current.get()
    return span if isinstance(span, Span) else None


_ai_pipeline: ContextVar[Optional[str]] = ContextVar("llmtel_ai_pipeline", default=None)


def ai_track(description: str, **span_kwargs: Any) -> Callable[[F], F]:
    """sentry_sdk's `@ai_track("name")` (`sentry_sdk.ai.monitoring`), for code written for it:
    a span per call of the decorated function (sync or async), op `ai.pipeline` for the
    outermost and `ai.run` inside it with `ai.pipeline.name` (an `op=` given wins); the
    `sentry_tags=` (as strings, like set_tag) / `sentry_data=` keyword arguments of a call
    become attributes and are not passed on, as sentry_sdk does."""
    op_given = span_kwargs.get("op")

    def enter(kwargs: dict[str, Any]) -> tuple[start_span, Token[Optional[str]]]:
        pipeline = _ai_pipeline.get()
        tags = {key: str(value) for key, value in kwargs.pop("sentry_tags", {}).items()}
        attributes = {**tags, **kwargs.pop("sentry_data", {})}
        if pipeline is not None:
            attributes["ai.pipeline.name"] = pipeline
        span = start_span(description, op_given or ("ai.run" if pipeline else "ai.pipeline"), attributes)
        token = _ai_pipeline.set(pipeline if pipeline is not None else description)
        return span, token

    def decorate(fn: F) -> F:
        if inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                span, token = enter(kwargs)
                try:
                    async with span:
                        return await fn(*args, **kwargs)
                finally:
                    _ai_pipeline.reset(token)
            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            span, token = enter(kwargs)
            try:
                with span:
                    return fn(*args, **kwargs)
            finally:
                _ai_pipeline.reset(token)
        return wrapper  # type: ignore[return-value]

    return decorate


def get_current_span() -> Optional[Span]:
    """sentry_sdk's name for get_active_span."""
    return get_active_span()


class start_transaction(start_span):
    """sentry_sdk 2.x's `with start_transaction(name=..., op=...)`, as its AI docs write it: a
    span like start_span's (a transaction in Sentry when nothing is active; inside an active
    span it nests, where sentry_sdk would start a separate transaction). Its other arguments
    (`source`, `custom_sampling_context`, …) are accepted and not used."""

    def __init__(self, name: str = "transaction", op: Optional[str] = None,
                 attributes: Optional[dict] = None, **_: Any) -> None:
        super().__init__(name, op, attributes)


class _ContinuedTrace:
    """The active place in a continued trace: spans and calls nest under the caller's span, but
    there is no span of ours for get_active_span to return."""

    __slots__ = ("_context", "_otel_at")

    def __init__(self, context: _native.Context) -> None:
        self._context = context
        self._otel_at = _otel.active_span()


def _header(headers: Any, name: str) -> Optional[str]:
    """A header from a mapping of headers (any case) or a WSGI / ASGI-style environ."""
    if not headers:
        return None
    getter = getattr(headers, "get", None)
    if getter is None:
        return None
    for key in (name, name.title(), "HTTP_" + name.upper().replace("-", "_")):
        value = getter(key)
        if value is not None:
            return value.decode("latin-1") if isinstance(value, bytes) else str(value)
    lowered = {str(k).lower(): v for k, v in headers.items()} if hasattr(headers, "items") else {}
    value = lowered.get(name)
    return None if value is None else str(value)


class continue_trace:
    """`with llmtel.continue_trace(request.headers):` (or `async with`): spans and GenAI calls
    made inside join the trace of the incoming request (`sentry-trace` + `baggage`, or
    `traceparent` + `tracestate`), with its sampling decision and its dynamic sampling context.
    Takes a headers mapping or a WSGI environ. Headers that cannot be read start a new trace
    (said under debug); the block always runs."""

    def __init__(self, headers: Any) -> None:
        self._headers = headers
        self._token: Optional[Token] = None

    def __enter__(self) -> None:
        client = _state.client
        if client is None:
            return
        get = lambda name: _header(self._headers, name)  # noqa: E731
        try:
            context = client.continue_trace(sentry_trace=get("sentry-trace"), baggage=get("baggage"),
                                            traceparent=get("traceparent"), tracestate=get("tracestate"))
        except InvalidArgument as error:
            if _state.debug:
                print(f"llmtel: not continuing the incoming trace: {error}", file=sys.stderr)
            context = None
        self._token = _current.set(_ContinuedTrace(context) if context is not None else None)

    def __exit__(self, *_: Any) -> None:
        if self._token is not None:
            _current.reset(self._token)

    async def __aenter__(self) -> None:
        self.__enter__()

    async def __aexit__(self, *exc: Any) -> None:
        self.__exit__(*exc)


def get_trace_data() -> dict:
    """The headers that continue the active trace in another service: {"sentry-trace",
    "baggage", "traceparent"}, from the active span (llmtel's or OpenTelemetry's) or the
    continued trace; empty when nothing is active or init() was not called."""
    client = _state.client
    context = _parent_context() if client is not None else None
    if client is None or context is None:
        return {}
    sentry_trace, traceparent, baggage = client.trace_data(context)
    return {"sentry-trace": sentry_trace, "baggage": baggage, "traceparent": traceparent}


def get_traceparent() -> Optional[str]:
    """The `sentry-trace` header value of the active span, as Sentry's get_traceparent gives
    it (the W3C `traceparent` is in get_trace_data()); None when nothing is active."""
    return get_trace_data().get("sentry-trace")


def capture_exception(error: Optional[BaseException] = None) -> Optional[str]:
    """Sends `error` (by default the exception being handled) as an error event linked to the
    active span, with the current scope's tags, user and contexts; returns the event id (None
    before init or with no exception). Never raises: an event llmtel cannot record is said
    under debug."""
    from ._scope import exception_event

    event = exception_event(error)
    return None if event is None else _capture(event)


def capture_message(message: str, level: Optional[str] = None) -> Optional[str]:
    """Sends `message` as an event (level "fatal", "error", "warning", "info" (default) or
    "debug") linked to the active span, with the current scope; returns its id."""
    return _capture(get_current_scope().event(message=str(message), level=level))


def _capture(event: dict) -> Optional[str]:
    client = _state.client
    if client is None:
        return None
    try:
        return client.capture_event(json.dumps(event, default=str), _parent_context())
    except InvalidArgument as error:
        if _state.debug:
            print(f"llmtel: an event was not recorded: {error}", file=sys.stderr)
        return None


def set_tag(key: str, value: Any) -> None:
    get_current_scope().set_tag(key, value)


def set_tags(tags: dict) -> None:
    get_current_scope().set_tags(tags)


def set_user(user: Optional[dict]) -> None:
    get_current_scope().set_user(user)


def set_context(name: str, context: Optional[dict]) -> None:
    get_current_scope().set_context(name, context)


def get_baggage() -> Optional[str]:
    """The `baggage` header value for the active trace; None when nothing is active."""
    return get_trace_data().get("baggage")


def set_conversation_id(conversation_id: Optional[str]) -> None:
    """Tags the GenAI calls made from here on (in this context) with gen_ai.conversation.id."""
    _conversation.set(conversation_id)


def flush(timeout: float = 2.0) -> bool:
    """Waits (without holding the GIL) until queued spans were attempted; False on timeout."""
    client = _state.client
    try:
        if client is not None:
            client.flush(timeout)
    except FlushTimeout:
        return False
    return True


def close(timeout: Optional[float] = None) -> bool:
    """Stops intake and delivers what is queued; False when the timeout came first."""
    client = _state.client
    try:
        if client is not None:
            client.close(_state.shutdown_timeout if timeout is None else timeout)
    except FlushTimeout:
        return False
    return True


def stats() -> dict:
    client = _state.client
    return {} if client is None else client.stats()


def instrument_client(client: Any, *, record_inputs: Optional[bool] = None, record_outputs: Optional[bool] = None) -> Any:
    """Instruments one client object (of any supported kind), with its own content options."""
    from .integrations import anthropic as anthropic_integration
    from .integrations import google_genai as google_integration
    from .integrations import openai as openai_integration

    for integration in (openai_integration, anthropic_integration, google_integration):
        if integration.instrument_client(client, record_inputs=record_inputs, record_outputs=record_outputs):
            return client
    raise TypeError(f"llmtel cannot instrument {type(client).__name__} objects")


from ._otel import LlmtelSpanProcessor  # noqa: E402
from .integrations import Integration  # noqa: E402
from .integrations.anthropic import AnthropicIntegration  # noqa: E402
from .integrations.google_genai import GoogleGenAIIntegration  # noqa: E402
from .integrations.langchain import LangchainIntegration, LanggraphIntegration  # noqa: E402


def __getattr__(name: str) -> Any:
    # LangChainCallbackHandler subclasses LangChain's handler: made when first asked for, so
    # importing llmtel does not import LangChain.
    if name == "LangChainCallbackHandler":
        from .integrations.langchain import handler_class

        return handler_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
from .integrations.openai import OpenAIIntegration  # noqa: E402
