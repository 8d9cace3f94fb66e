"""What the Stainless-generated SDKs (openai, anthropic) share: resource methods to wrap,
`Stream` / `AsyncStream` objects whose response body can be read as it arrives, and
status errors that carry the HTTP response. Provider modules say which methods, which provider
name and which stream classes; everything else is here, once.

The user's call is never changed: the same objects come back, the same exceptions are raised,
and a problem inside llmtel only costs the span.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import inspect
import json
import weakref
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Callable, Optional, Tuple

from .. import _state
from . import begin_call, debug, to_json

# Keyword arguments that shape the HTTP call but are not part of the request body.
_NOT_BODY = frozenset({"extra_headers", "extra_query", "extra_body", "timeout"})
_MARK = "__llmtel_wrapped__"
# A body up to this size is handed to the core as it came over the wire; a longer one (an
# answer of many megabytes) is cropped from the parsed model instead (response_json).
_WIRE_LIMIT = 1 << 20


@dataclass(frozen=True)
class Spec:
    """One SDK: its integration's identifier, the provider name a client maps to, and its
    stream classes (looked up when needed, so the SDK is imported only if installed)."""

    identifier: str
    provider: Callable[[Any], str]
    streams: Callable[[], Tuple[type, type]]


def patch_methods(targets: tuple, spec: Spec) -> None:
    """Wraps each (module, sync class, async class, method, API) once, and the SDK's response
    processing (see _wire)."""
    if targets:
        _patch_wire(targets[0][0].split(".")[0] + "._base_client")
    for module_name, sync_name, async_name, method, api in targets:
        try:
            module = importlib.import_module(module_name)
        except ImportError:  # an older SDK without this API
            continue
        for class_name, is_async in ((sync_name, False), (async_name, True)):
            cls = getattr(module, class_name, None)
            original = getattr(cls, method, None)
            if original is not None and not getattr(original, _MARK, False):
                setattr(cls, method, wrap(original, api, is_async, spec))


# The HTTP response of the call in progress, caught where the SDK processes it
# (`_process_response`, once per request, in openai and anthropic alike), so that the core maps
# the body the SDK already read instead of the parsed model dumped back to JSON (that dump was a
# third of the time llmtel added to a Python call: bench_openai.py). A list per call, which the
# SDK's code fills whatever context it runs in; None outside a traced call.
_wire: ContextVar[Optional[list]] = ContextVar("llmtel_wire", default=None)


def _catch(kwargs: dict) -> None:
    holder = _wire.get()
    if holder is not None and not holder:
        response = kwargs.get("response")
        if response is not None:
            holder.append(response)


def _patch_wire(module_name: str) -> None:
    """Wraps SyncAPIClient / AsyncAPIClient._process_response of the SDK, once; an SDK without
    them only loses the shortcut (the parsed model is dumped instead)."""
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return
    for class_name, is_async in (("SyncAPIClient", False), ("AsyncAPIClient", True)):
        cls = getattr(module, class_name, None)
        original = getattr(cls, "_process_response", None)
        if original is None or getattr(original, _MARK, False):
            continue
        if is_async:
            async def process(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
                _catch(kwargs)
                return await __original(self, *args, **kwargs)
        else:
            def process(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
                _catch(kwargs)
                return __original(self, *args, **kwargs)
        functools.update_wrapper(process, original)
        setattr(process, _MARK, True)
        setattr(cls, "_process_response", process)


def set_client_content(client: Any, record_inputs: Optional[bool], record_outputs: Optional[bool]) -> None:
    client._llmtel_content = (
        _state.send_default_pii if record_inputs is None else record_inputs,
        _state.send_default_pii if record_outputs is None else record_outputs,
    )


def wrap(original: Any, api: str, is_async: bool, spec: "Spec") -> Any:
    if is_async:
        @functools.wraps(original)
        async def create(self: Any, *args: Any, **kwargs: Any) -> Any:
            call = begin(self, api, kwargs, spec)
            if call is None:
                return await original(self, *args, **kwargs)
            wire: list = []
            token = _wire.set(wire)
            try:
                result = await original(self, *args, **kwargs)
            except BaseException as error:
                fail(call, error)
                raise
            finally:
                _wire.reset(token)
            value = _readable(result, kwargs)
            if inspect.isawaitable(value):  # anthropic's AsyncAPIResponse.parse()
                try:
                    value = await value
                except Exception:
                    value = None  # the caller's own parse() raises it, not ours
            after(call, value, spec, api, wire)
            return result
    else:
        @functools.wraps(original)
        def create(self: Any, *args: Any, **kwargs: Any) -> Any:
            call = begin(self, api, kwargs, spec)
            if call is None:
                return original(self, *args, **kwargs)
            wire: list = []
            token = _wire.set(wire)
            try:
                result = original(self, *args, **kwargs)
            except BaseException as error:
                fail(call, error)
                raise
            finally:
                _wire.reset(token)
            after(call, _readable(result, kwargs), spec, api, wire)
            return result
    setattr(create, _MARK, True)
    return create


# The last base URL read and its host and port. openai 3's `base_url` property imports a module
# on every read (1.5 us), and a program's clients mostly share one URL; the SDKs keep it in
# `_base_url` (an httpx URL, immutable: setting `base_url` stores a new one).
_last_server: tuple = (None, None, None)


def _server(owner: Any) -> Tuple[Optional[str], int]:
    global _last_server
    url = getattr(owner, "_base_url", None)
    if url is None:
        url = owner.base_url
    last = _last_server
    if url is last[0]:
        return last[1], last[2]
    address, port = url.host or None, url.port or (443 if url.scheme == "https" else 80)
    _last_server = (url, address, port)
    return address, port


def begin(resource: Any, api: str, kwargs: dict, spec: "Spec") -> Any:
    try:
        owner = resource._client

        def content() -> Optional[tuple]:
            chosen = getattr(owner, "_llmtel_content", None)
            if chosen is None:
                integration = _state.integrations.get(spec.identifier)
                chosen = None if integration is None else integration.content()
            return chosen

        body = {k: v for k, v in kwargs.items() if k not in _NOT_BODY}
        extra = kwargs.get("extra_body")
        if isinstance(extra, dict):
            body.update(extra)
        address, port = _server(owner)
        call = begin_call(
            spec.provider(owner),
            api,
            body,
            content,
            server_address=address,
            server_port=port,
            stream=bool(body.get("stream")),
        )
        return call
    except Exception as error:  # never let llmtel break the user's call
        debug(f"this {spec.identifier} call is not traced: {error!r}")
        return None


def _readable(result: Any, kwargs: dict) -> Any:
    """What to read the response from. A with_raw_response result (LegacyAPIResponse in
    openai, APIResponse / AsyncAPIResponse in anthropic 2) is parsed: parse() is cached, so the
    caller gets the same object (an awaitable for the async one). A with_streaming_response
    body (marked by the SDK's header) is left alone: parsing it would consume what the caller
    means to read, so that span keeps its request attributes only."""
    if type(result).__name__ not in ("LegacyAPIResponse", "APIResponse", "AsyncAPIResponse"):
        return result
    headers = kwargs.get("extra_headers")
    if isinstance(headers, dict) and headers.get("X-Stainless-Raw-Response") == "stream":
        return None
    try:
        return result.parse()
    except Exception:
        return None  # the caller's own parse() raises it, not ours


def after(call: Any, value: Any, spec: "Spec", api: str = "", wire: Optional[list] = None) -> None:
    """Records the response (`value`: the parsed result, a stream, or None when there is
    nothing to read; `wire`: the HTTP response it was read from, if caught) and ends the call,
    or hands the stream the call to end."""
    try:
        sync_stream, async_stream = spec.streams()
        if isinstance(value, sync_stream):
            tap(value, call)
        elif isinstance(value, async_stream):
            tap_async(value, call)
        elif hasattr(value, "model_dump_json"):
            call.finish(_wire_body(wire) or response_json(value, api))
        else:
            end(call)
    except Exception as error:
        debug(f"the {spec.identifier} response was not recorded: {error!r}")
        end(call)


def _wire_body(wire: Optional[list]) -> Optional[str]:
    """The JSON body of the caught response, when the SDK read it and it is not too long."""
    if not wire:
        return None
    response = wire[0]
    try:
        content = response.content  # raises when the body was not read (a streamed response)
        if len(content) > _WIRE_LIMIT or "json" not in response.headers.get("content-type", ""):
            return None
        return content.decode("utf-8")
    except Exception:
        return None


def response_json(value: Any, api: str = "") -> str:
    """The response as JSON for the core. An answer whose text passes the content cap (no
    attribute holds more of it) is dumped with its strings cut at the cap first, so a 50 MB
    answer costs what 64 KiB cost; the check reads only where the API puts long text."""
    client = _state.client
    cap = client.content_cap if client is not None else 0
    texts = _LONG_TEXT.get(api)
    if cap and texts is not None and any(len(text or "") > cap for text in texts(value)):
        return json.dumps(_cropped(value.model_dump(mode="json", warnings=False), cap))
    return value.model_dump_json(warnings=False)


def _responses_text(value: Any) -> Any:
    for item in value.output or ():
        if item.type == "message":
            yield from (part.text for part in item.content if part.type == "output_text")


# Where each API carries long text (a missing attribute costs a pydantic exception: ask for
# what the type has).
_LONG_TEXT = {
    "chat_completions": lambda value: (choice.message.content for choice in value.choices or ()),
    "responses": _responses_text,
    "messages": lambda value: (block.text for block in value.content or () if block.type == "text"),
}


def _cropped(value: Any, cap: int) -> Any:
    if isinstance(value, str):
        return value[:cap] if len(value) > cap else value
    if isinstance(value, list):
        return [_cropped(item, cap) for item in value]
    if isinstance(value, dict):
        return {key: _cropped(item, cap) for key, item in value.items()}
    return value


def fail(call: Any, error: BaseException) -> None:
    try:
        body = None
        response = getattr(error, "response", None)
        if response is not None:
            try:
                body = response.text
            except Exception:
                body = None
        if body is None and getattr(error, "body", None) is not None:
            body = to_json(error.body)
        call.fail(
            http_status=getattr(error, "status_code", None),
            body=body,
            exception=type(error).__name__,
            message=str(error) or None,
        )
    except Exception as problem:
        debug(f"the provider's error was not recorded: {problem!r}")
        end(call)


def end(call: Any) -> None:
    if not call.is_ended:
        try:
            call.finish_stream()
        except Exception:
            pass


class _Body:
    """A stream call fed the response body as the SDK reads it off the wire (the core reads the
    server-sent events itself): the first piece at once (it marks the time to first chunk), the
    others gathered in `pending` and handed over in batches (the byte iterators of _tap_body
    gather inline: a method call per piece cost 0.05 to 0.09 us more in a tight loop). One call into
    the core per event cost several microseconds there, its caches cold from the SDK's own work
    between events (bench_openai.py, paired: 2.4 to 2.9 us added per chunk, against 1.6 to 1.9
    with batches); a batch is read hot. Stands in for the call wherever the stream ends it (end,
    fail), which hand the core the rest first."""

    __slots__ = ("call", "pending")

    # Pieces gathered before they are handed over: a few hundred events' worth at most.
    BATCH = 64

    def __init__(self, call: Any) -> None:
        self.call = call
        self.pending: list = []

    def flush(self) -> None:
        if self.pending:
            batch = b"".join(self.pending)
            self.pending.clear()
            self.feed(batch)

    def feed(self, data: bytes) -> None:
        try:
            self.call.feed(data)
        except Exception:
            pass  # an event llmtel cannot read costs only itself

    @property
    def is_ended(self) -> bool:
        return self.call.is_ended

    def finish_stream(self) -> None:
        self.flush()
        self.call.finish_stream()

    def fail(self, **error: Any) -> None:
        self.flush()
        self.call.fail(**error)


def _tap_body(response: Any, body: _Body, is_async: bool) -> None:
    """Replaces the response's byte iterator (which the SDK's event decoder reads) with one that
    hands each piece to `body`. The body read to the end ends the call; the SDK stopping early
    ([DONE], a break) closes the iterator, which also ends it. An error while reading only hands
    over what came: the stream's iteration fails the call with the error the caller sees (the
    SDK's, not the transport's)."""
    if is_async:
        pieces = response.aiter_bytes

        async def aiter_bytes(*args: Any, **kwargs: Any) -> Any:
            pending, limit = body.pending, 1  # the first piece at once, then batches
            try:
                async for piece in pieces(*args, **kwargs):
                    pending.append(piece)
                    if len(pending) >= limit:
                        body.flush()
                        limit = _Body.BATCH
                    yield piece
            except (GeneratorExit, asyncio.CancelledError):
                end(body)
                raise
            except BaseException:
                body.flush()
                raise
            end(body)

        response.aiter_bytes = aiter_bytes
    else:
        pieces = response.iter_bytes

        def iter_bytes(*args: Any, **kwargs: Any) -> Any:
            pending, limit = body.pending, 1  # the first piece at once, then batches
            try:
                for piece in pieces(*args, **kwargs):
                    pending.append(piece)
                    if len(pending) >= limit:
                        body.flush()
                        limit = _Body.BATCH
                    yield piece
            except GeneratorExit:
                end(body)
                raise
            except BaseException:
                body.flush()
                raise
            end(body)

        response.iter_bytes = iter_bytes


# Stream subclasses (one per stream class) whose iteration ends the call when the consumer's
# loop stops: a `break` closes the loop's generator, which the stream itself never notices. An
# error the SDK raises while reading the stream (an event that is not JSON) fails the call with
# the error the caller sees.
_TRACED_TYPES: dict = {}


def _traced_type(cls: type) -> type:
    traced = _TRACED_TYPES.get(cls)
    if traced is None:
        if hasattr(cls, "__aiter__"):
            async def __aiter__(self: Any) -> Any:
                try:
                    async for item in cls.__aiter__(self):
                        yield item
                except (GeneratorExit, asyncio.CancelledError):
                    raise  # the consumer stopped: not a failure of the call
                except BaseException as error:
                    fail(self.__dict__["_llmtel_call"], error)
                    raise
                finally:
                    end(self.__dict__["_llmtel_call"])

            body = {"__aiter__": __aiter__}
        else:
            def __iter__(self: Any) -> Any:
                try:
                    yield from cls.__iter__(self)
                except GeneratorExit:
                    raise
                except BaseException as error:
                    fail(self.__dict__["_llmtel_call"], error)
                    raise
                finally:
                    end(self.__dict__["_llmtel_call"])

            body = {"__iter__": __iter__}
        traced = type(cls.__name__, (cls,), {**body, "__qualname__": cls.__qualname__, "__module__": cls.__module__})
        _TRACED_TYPES[cls] = traced
    return traced


def _watch_iteration(stream: Any, call: Any) -> None:
    try:
        stream.__dict__["_llmtel_call"] = call
        stream.__class__ = _traced_type(type(stream))
    except TypeError:
        pass  # an unusual stream class: the span then ends on exhaustion, close() or collection


def _tapped(stream: Any, call: Any, is_async: bool) -> _Body:
    """What tap and tap_async share: the body fed to the call, the iteration watched, and the
    call ended when the stream is collected unread."""
    body = _Body(call)
    _watch_iteration(stream, body)
    _tap_body(stream.response, body, is_async)
    weakref.finalize(stream, end, body)
    return body


def tap(stream: Any, call: Any) -> None:
    """Feeds the stream's body to the call; ends the call on exhaustion, error, a break out of
    the consumer's loop, close(), or when the stream is collected unread."""
    body = _tapped(stream, call, is_async=False)
    close = stream.close

    def closing() -> None:
        try:
            close()
        finally:
            end(body)

    stream.close = closing


def tap_async(stream: Any, call: Any) -> None:
    body = _tapped(stream, call, is_async=True)
    close = stream.close

    async def closing() -> None:
        try:
            await close()
        finally:
            end(body)

    stream.close = closing
