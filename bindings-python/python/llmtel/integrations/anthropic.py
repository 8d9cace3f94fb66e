"""Anthropic: messages.create (plain and stream=True), the messages.stream() helper and its
events, and messages.count_tokens, sync and async."""

from __future__ import annotations

import functools
from typing import Any, Optional

from . import Integration, when_imported
from ._stainless import Spec, begin, end, fail, patch_methods, set_client_content, tap, tap_async

_TARGETS = (
    ("anthropic.resources.messages.messages", "Messages", "AsyncMessages", "create", "messages"),
    ("anthropic.resources.messages.messages", "Messages", "AsyncMessages", "count_tokens", "count_tokens"),
)
_MARK = "__llmtel_wrapped__"


@functools.lru_cache(maxsize=None)
def _streams() -> tuple:
    import anthropic

    return anthropic.Stream, anthropic.AsyncStream


SPEC = Spec(identifier="anthropic", provider=lambda client: "anthropic", streams=_streams)


class AnthropicIntegration(Integration):
    """Traces Anthropic calls. `record_inputs` / `record_outputs` override `send_default_pii`."""

    identifier = SPEC.identifier

    def setup(self) -> None:
        when_imported("anthropic", patch)


def patch() -> bool:
    try:
        from anthropic.resources.messages import messages as module
    except ImportError:
        return False
    patch_methods(_TARGETS, SPEC)
    for cls, is_async in ((module.Messages, False), (module.AsyncMessages, True)):
        original = getattr(cls, "stream", None)
        if original is not None and not getattr(original, _MARK, False):
            cls.stream = _wrap_stream_helper(original, is_async)
    return True


def instrument_client(client: Any, *, record_inputs: Optional[bool], record_outputs: Optional[bool]) -> bool:
    try:
        import anthropic
    except ImportError:
        return False
    if not isinstance(client, (anthropic.Anthropic, anthropic.AsyncAnthropic)):
        return False
    patch()
    set_client_content(client, record_inputs, record_outputs)
    return True


# messages.stream() returns a manager that makes the request on enter; the manager's class is
# swapped for a subclass (one per class, cached) that starts the call there and ends it on exit.
_MANAGERS: dict = {}


def _traced_manager(cls: type) -> type:
    traced = _MANAGERS.get(cls)
    if traced is not None:
        return traced
    if hasattr(cls, "__aenter__"):
        async def __aenter__(self: Any) -> Any:
            info = self.__dict__["_llmtel"]
            call = begin(info["resource"], "messages", info["kwargs"], SPEC)
            try:
                message_stream = await cls.__aenter__(self)
            except BaseException as error:
                if call is not None:
                    fail(call, error)
                raise
            if call is not None:
                info["call"] = call
                tap_async(message_stream._raw_stream, call)
            return message_stream

        async def __aexit__(self: Any, *exc: Any) -> Any:
            try:
                return await cls.__aexit__(self, *exc)
            finally:
                call = self.__dict__["_llmtel"].get("call")
                if call is not None:
                    end(call)

        body = {"__aenter__": __aenter__, "__aexit__": __aexit__}
    else:
        def __enter__(self: Any) -> Any:
            info = self.__dict__["_llmtel"]
            call = begin(info["resource"], "messages", info["kwargs"], SPEC)
            try:
                message_stream = cls.__enter__(self)
            except BaseException as error:
                if call is not None:
                    fail(call, error)
                raise
            if call is not None:
                info["call"] = call
                tap(message_stream._raw_stream, call)
            return message_stream

        def __exit__(self: Any, *exc: Any) -> Any:
            try:
                return cls.__exit__(self, *exc)
            finally:
                call = self.__dict__["_llmtel"].get("call")
                if call is not None:
                    end(call)

        body = {"__enter__": __enter__, "__exit__": __exit__}
    traced = type(cls.__name__, (cls,), {**body, "__qualname__": cls.__qualname__, "__module__": cls.__module__})
    _MANAGERS[cls] = traced
    return traced


def _wrap_stream_helper(original: Any, is_async: bool) -> Any:
    import functools

    @functools.wraps(original)
    def stream(self: Any, *args: Any, **kwargs: Any) -> Any:
        manager = original(self, *args, **kwargs)
        try:
            manager.__dict__["_llmtel"] = {"resource": self, "kwargs": {**kwargs, "stream": True}}
            manager.__class__ = _traced_manager(type(manager))
        except Exception:
            pass  # an unusual manager: the call simply goes untraced
        return manager

    setattr(stream, _MARK, True)
    return stream
