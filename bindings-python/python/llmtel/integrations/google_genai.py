"""Google GenAI (google-genai): models.generate_content(_stream), models.embed_content and chats
send_message(_stream), sync and async (client.aio), on the Gemini API and Vertex AI.

A chat's send_message calls models.generate_content underneath; while a chat call is in
progress that inner call is not traced again (the chat span is the one span for it)."""

from __future__ import annotations

import functools
from contextvars import ContextVar
from typing import Any, Optional
from urllib.parse import urlparse

from . import Integration, begin_call, debug, to_json, when_imported
from ._stainless import end, fail as _fail_stainless

_in_chat: ContextVar[bool] = ContextVar("llmtel_google_chat", default=False)
_MARK = "__llmtel_wrapped__"


class GoogleGenAIIntegration(Integration):
    """Traces google-genai calls. `record_inputs` / `record_outputs` override `send_default_pii`."""

    identifier = "google_genai"

    def setup(self) -> None:
        when_imported("google.genai", patch)


def patch() -> bool:
    try:
        from google.genai import chats, models
    except ImportError:
        return False
    for cls, is_async in ((models.Models, False), (models.AsyncModels, True)):
        _replace(cls, "generate_content", _models_call("generate_content", False, is_async))
        _replace(cls, "generate_content_stream", _models_call("generate_content", True, is_async))
        _replace(cls, "embed_content", _models_call("embed_content", False, is_async))
    for cls, is_async in ((chats.Chat, False), (chats.AsyncChat, True)):
        _replace(cls, "send_message", _chat_call(False, is_async))
        _replace(cls, "send_message_stream", _chat_call(True, is_async))
    return True


def _replace(cls: Any, name: str, make: Any) -> None:
    original = getattr(cls, name, None)
    if original is not None and not getattr(original, _MARK, False):
        wrapped = make(original)
        setattr(wrapped, _MARK, True)
        setattr(cls, name, wrapped)


def instrument_client(client: Any, *, record_inputs: Optional[bool], record_outputs: Optional[bool]) -> bool:
    """Traces this client's calls (and its aio side and chats) with its own content options."""
    try:
        from google import genai
    except ImportError:
        return False
    if not isinstance(client, genai.Client):
        return False
    patch()
    from ._stainless import set_client_content

    set_client_content(client._api_client, record_inputs, record_outputs)
    return True


def _begin(api_client: Any, api: str, request: dict, stream: bool) -> Any:
    from .. import _state

    def content() -> Optional[tuple]:
        chosen = getattr(api_client, "_llmtel_content", None)
        if chosen is None:
            integration = _state.integrations.get(GoogleGenAIIntegration.identifier)
            chosen = None if integration is None else integration.content()
        return chosen

    try:
        base = urlparse(str(getattr(api_client._http_options, "base_url", "") or ""))
        return begin_call(
            "gcp.vertex_ai" if getattr(api_client, "vertexai", False) else "gcp.gemini",
            api,
            {k: v for k, v in request.items() if v is not None},
            content,
            server_address=base.hostname,
            server_port=base.port or (443 if base.scheme == "https" else 80 if base.scheme else None),
            stream=stream,
        )
    except Exception as error:
        debug(f"this Google GenAI call is not traced: {error!r}")
        return None


def _dump(response: Any) -> str:
    return response.model_dump_json(exclude_none=True, warnings=False)


def _finish(call: Any, response: Any) -> None:
    try:
        call.finish(_dump(response))
    except Exception as error:
        debug(f"the Google GenAI response was not recorded: {error!r}")
        end(call)


def _chunk(call: Any, chunk: Any) -> None:
    try:
        call.chunk(None, _dump(chunk))
    except Exception:
        pass


def _fail(call: Any, error: BaseException) -> None:
    details = getattr(error, "details", None)
    if getattr(error, "code", None) is not None and details is not None:
        try:
            call.fail(http_status=error.code, body=to_json(details), exception=type(error).__name__, message=str(error))
            return
        except Exception:
            pass
    _fail_stainless(call, error)


def _traced(iterator: Any, call: Any, guard: bool) -> Any:
    """Yields the chunks, feeding each to the call; `guard` hides the inner models call."""
    try:
        it = iter(iterator)
        while True:
            token = _in_chat.set(True) if guard else None
            try:
                chunk = next(it)
            except StopIteration:
                return
            finally:
                if token is not None:
                    _in_chat.reset(token)
            _chunk(call, chunk)
            yield chunk
    except GeneratorExit:
        raise
    except BaseException as error:
        _fail(call, error)
        raise
    finally:
        end(call)


async def _traced_async(iterator: Any, call: Any, guard: bool) -> Any:
    try:
        it = iterator.__aiter__()
        while True:
            token = _in_chat.set(True) if guard else None
            try:
                chunk = await it.__anext__()
            except StopAsyncIteration:
                return
            finally:
                if token is not None:
                    _in_chat.reset(token)
            _chunk(call, chunk)
            yield chunk
    except GeneratorExit:
        raise
    except BaseException as error:
        _fail(call, error)
        raise
    finally:
        end(call)


def _models_call(api: str, stream: bool, is_async: bool) -> Any:
    def make(original: Any) -> Any:
        if is_async:
            @functools.wraps(original)
            async def call_async(self: Any, *args: Any, **kwargs: Any) -> Any:
                call = None if _in_chat.get() else _begin(self._api_client, api, kwargs, stream)
                if call is None:
                    return await original(self, *args, **kwargs)
                try:
                    result = await original(self, *args, **kwargs)
                except BaseException as error:
                    _fail(call, error)
                    raise
                if stream:
                    return _traced_async(result, call, False)
                _finish(call, result)
                return result
            return call_async

        @functools.wraps(original)
        def call_sync(self: Any, *args: Any, **kwargs: Any) -> Any:
            call = None if _in_chat.get() else _begin(self._api_client, api, kwargs, stream)
            if call is None:
                return original(self, *args, **kwargs)
            try:
                result = original(self, *args, **kwargs)
            except BaseException as error:
                _fail(call, error)
                raise
            if stream:
                return _traced(result, call, False)
            _finish(call, result)
            return result
        return call_sync
    return make


def _chat_request(chat: Any, message: Any, config: Any) -> dict:
    history = [c.model_dump(mode="json", exclude_none=True) for c in chat.get_history(curated=True)]
    return {"model": chat._model, "history": history, "message": message, "config": config or getattr(chat, "_config", None)}


def _chat_call(stream: bool, is_async: bool) -> Any:
    def make(original: Any) -> Any:
        if is_async:
            @functools.wraps(original)
            async def send_async(self: Any, message: Any, config: Any = None) -> Any:
                call = _begin(self._modules._api_client, "chat_send_message", _chat_request(self, message, config), stream)
                if call is None:
                    return await original(self, message, config)
                if stream:
                    return _traced_async(await original(self, message, config), call, True)
                token = _in_chat.set(True)
                try:
                    result = await original(self, message, config)
                except BaseException as error:
                    _fail(call, error)
                    raise
                finally:
                    _in_chat.reset(token)
                _finish(call, result)
                return result
            return send_async

        @functools.wraps(original)
        def send(self: Any, message: Any, config: Any = None) -> Any:
            call = _begin(self._modules._api_client, "chat_send_message", _chat_request(self, message, config), stream)
            if call is None:
                return original(self, message, config)
            if stream:
                return _traced(original(self, message, config), call, True)
            token = _in_chat.set(True)
            try:
                result = original(self, message, config)
            except BaseException as error:
                _fail(call, error)
                raise
            finally:
                _in_chat.reset(token)
            _finish(call, result)
            return result
        return send
    return make
