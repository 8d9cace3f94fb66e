"""What reading the application's OpenTelemetry span costs llmtel on every span and call
(llmtel/_otel.py): OpenTelemetry not imported, imported with no active span, inside an active
span, and that span's cached context. Nanoseconds per lookup.

    .venv/bin/python bindings-python/bench/bench_otel_lookup.py
"""

import timeit

from llmtel import _otel


def per_call(fn, n=1_000_000):
    return timeit.timeit(fn, number=n) / n * 1e9


print(f"active_span, OpenTelemetry not imported     {per_call(_otel.active_span):6.0f} ns")
from opentelemetry import trace  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402

trace.set_tracer_provider(TracerProvider())
print(f"active_span, imported, no active span        {per_call(_otel.active_span):6.0f} ns")
with trace.get_tracer("bench").start_as_current_span("request") as span:
    print(f"active_span, inside an active span           {per_call(_otel.active_span):6.0f} ns")
    print(f"context_of that span (cached)                {per_call(lambda: _otel.context_of(span), 200_000):6.0f} ns")
