"""OpenAI and Azure OpenAI: chat.completions.create, responses.create and embeddings.create,
sync and async, including with_raw_response and streams (see _stainless for how)."""

from __future__ import annotations

import functools
from typing import Any, Optional

from . import Integration, when_imported
from ._stainless import Spec, patch_methods, set_client_content

_TARGETS = (
    ("openai.resources.chat.completions", "Completions", "AsyncCompletions", "create", "chat_completions"),
    ("openai.resources.responses", "Responses", "AsyncResponses", "create", "responses"),
    ("openai.resources.embeddings", "Embeddings", "AsyncEmbeddings", "create", "embeddings"),
    # The structured-output helpers post by themselves, not through create().
    ("openai.resources.chat.completions", "Completions", "AsyncCompletions", "parse", "chat_completions"),
    ("openai.resources.beta.chat.completions", "Completions", "AsyncCompletions", "parse", "chat_completions"),
    ("openai.resources.responses", "Responses", "AsyncResponses", "parse", "responses"),
)


# The provider name per client class: checking the Azure classes on every call cost 0.7 us.
_PROVIDERS: dict = {}


def _provider(client: Any) -> str:
    cls = type(client)
    name = _PROVIDERS.get(cls)
    if name is None:
        import openai

        name = "azure.ai.openai" if issubclass(cls, (openai.AzureOpenAI, openai.AsyncAzureOpenAI)) else "openai"
        _PROVIDERS[cls] = name
    return name


@functools.lru_cache(maxsize=None)
def _streams() -> tuple:
    import openai

    return openai.Stream, openai.AsyncStream


SPEC = Spec(identifier="openai", provider=_provider, streams=_streams)


class OpenAIIntegration(Integration):
    """Traces OpenAI and Azure OpenAI calls. `record_inputs` / `record_outputs` override
    `send_default_pii` for these calls."""

    identifier = SPEC.identifier

    def setup(self) -> None:
        when_imported("openai", patch)


def patch() -> bool:
    """Wraps the methods once; False when openai is not installed."""
    try:
        import openai  # noqa: F401
    except ImportError:
        return False
    patch_methods(_TARGETS, SPEC)
    return True


def instrument_client(client: Any, *, record_inputs: Optional[bool], record_outputs: Optional[bool]) -> bool:
    """Traces this client's calls with its own content options, integration or not."""
    try:
        import openai
    except ImportError:
        return False
    if not isinstance(client, (openai.OpenAI, openai.AsyncOpenAI)):
        return False
    patch()
    set_client_content(client, record_inputs, record_outputs)
    return True
