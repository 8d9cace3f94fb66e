"""OpenTelemetry, both ways, without depending on it:

- The application's active, recording OpenTelemetry span (its HTTP server span, say) becomes
  the parent of llmtel's spans, read through `opentelemetry.trace` once the application has
  imported it (llmtel never imports it first).
- `LlmtelSpanProcessor`, given to an OpenTelemetry SDK's tracer provider, hands the
  application's own spans to llmtel's pipeline (Sentry, OTLP, the spool) beside the GenAI spans,
  in the same segment (Sentry transaction).
"""

from __future__ import annotations

import json
import sys
import threading
import weakref
from typing import Any, Callable, Dict, Optional

from . import _native

#: span id (int) of an OpenTelemetry span the processor saw start and not yet end -> the span
#: id (hex) of its local root
_segments: Dict[int, str] = {}
_lock = threading.Lock()
#: OpenTelemetry span -> its Context, made on first use (making one costs microseconds)
_contexts: "weakref.WeakKeyDictionary[Any, _native.Context]" = weakref.WeakKeyDictionary()


def active_span() -> Any:
    """The application's active, recording OpenTelemetry span, or None."""
    trace = sys.modules.get("opentelemetry.trace")
    if trace is None:
        return None
    try:
        span = trace.get_current_span()
        if not span.is_recording():
            return None
        return span
    except Exception:
        return None


def context_of(span: Any) -> Optional[_native.Context]:
    """Where an llmtel span under `span` starts: a local parent in its segment when the
    processor records `span`, else a remote one (the llmtel span is a local root under it)."""
    try:
        return _contexts[span]
    except (KeyError, TypeError):  # not made yet, or a span that cannot be a weak key
        pass
    ctx = span.get_span_context()
    if not ctx.trace_id:
        return None
    context = _native.foreign_context(
        format(ctx.trace_id, "032x"), format(ctx.span_id, "016x"), bool(ctx.trace_flags & 1),
        _segments.get(ctx.span_id),
    )
    try:
        _contexts[span] = context
    except TypeError:
        pass
    return context


class LlmtelSpanProcessor:
    """Give it to an OpenTelemetry SDK (`provider.add_span_processor(LlmtelSpanProcessor())`):
    every sampled span the application's tracer ends goes through llmtel's pipeline, after
    `llmtel.init()`. llmtel's spans started inside one of those spans land in its segment, so
    Sentry shows them in one transaction. It has the SDK's SpanProcessor methods without
    subclassing it, so importing llmtel never imports OpenTelemetry."""

    def __init__(self, client: Optional[Callable[[], Any]] = None) -> None:
        if client is None:
            from . import _state

            client = lambda: _state.client  # noqa: E731
        self._client = client

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        own = span.get_span_context()
        segment = format(own.span_id, "016x")
        parent = span.parent
        if parent is not None and not parent.is_remote and parent.trace_id == own.trace_id:
            segment = _segments.get(parent.span_id, segment)
        with _lock:
            _segments[own.span_id] = segment

    def _on_ending(self, span: Any) -> None:
        pass

    def on_end(self, span: Any) -> None:
        ctx = span.get_span_context()
        with _lock:
            segment = _segments.pop(ctx.span_id, None)
        client = self._client()
        if client is None or not ctx.trace_flags & 1:
            return
        own = format(ctx.span_id, "016x")
        record = {
            "name": span.name,
            "kind": span.kind.value,
            "trace_id": format(ctx.trace_id, "032x"),
            "span_id": own,
            "parent_span_id": format(span.parent.span_id, "016x") if span.parent is not None else None,
            "segment_id": segment if segment not in (None, own) else None,
            "start": span.start_time,
            "end": span.end_time,
            "status": span.status.status_code.value,
            "status_message": span.status.description,
            "attributes": dict(span.attributes or {}),
        }
        try:
            client.import_span(json.dumps(record, default=str))
        except Exception as error:  # never the application's problem
            from .integrations import debug

            debug(f"an OpenTelemetry span could not be recorded: {error}")

    def shutdown(self) -> None:
        self.force_flush()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        client = self._client()
        if client is None:
            return True
        try:
            client.flush(timeout_millis / 1000)
            return True
        except Exception:
            return False
