"""init()'s keywords to the core's (name, text) pairs, driven by the core's option table
(core/src/option_table.rs): every option it lists is accepted by name, converted by its kind."""

import json
import re
from typing import Any, Callable, Dict, List, Tuple
from urllib.parse import quote

from . import _native

#: name -> kind, for the options users set
TABLE: Dict[str, str] = {name: kind for name, kind, _example, public in _native.option_table() if public}


def _flag(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _headers(value: Any) -> str:
    # The OTEL_EXPORTER_OTLP_HEADERS form; the core percent-decodes the values.
    if isinstance(value, dict):
        return ",".join(f"{k}={quote(str(v), safe='')}" for k, v in value.items())
    return str(value)


def _json(value: Any) -> str:
    # A compiled pattern (in scrub_patterns) goes as its source.
    return value if isinstance(value, str) else json.dumps(value, default=_pattern_source)


def _pattern_source(value: Any) -> str:
    if isinstance(value, re.Pattern):
        return value.pattern
    raise TypeError(f"{type(value).__name__} is not JSON")


_CONVERT: Dict[str, Callable[[Any], str]] = {
    "text": str,
    "bool": _flag,
    "integer": str,
    "number": str,
    "duration": str,  # seconds, as Python's own APIs take them
    "headers": _headers,
    "json": _json,
    "path_or_off": _flag,
    "url_or_bool": _flag,
}
_CALLBACK = "callback"  # passed to the native client as a function, never as text


def option_pairs(options: Dict[str, Any]) -> Tuple[List[Tuple[str, str]], List[str]]:
    """The (name, text) pairs for the core, and the names of Sentry options llmtel does not use
    (a configuration copied from Sentry passes them); unknown names raise ConfigError naming
    them, with the option meant when one looks misspelt."""
    pairs = []
    ignored = []
    for name, value in options.items():
        if value is None:
            continue
        kind = TABLE.get(name)
        if kind is None:
            sentry_only, near = _native.option_advice(name)
            if sentry_only:
                ignored.append(name)
                continue
            known = ", ".join(n for n, k in TABLE.items() if k != _CALLBACK)
            reason = f"unknown option; did you mean {near}?" if near else f"unknown option; known options are {known}"
            error = _native.ConfigError(f"invalid option `{name}`: {reason}")
            error.option, error.reason = name, reason
            raise error
        if kind == _CALLBACK:
            continue
        pairs.append((name, _CONVERT[kind](value)))
    return pairs, ignored


def option_examples() -> List[Tuple[str, str, str]]:
    """Every option with a valid example value (for tests and tools)."""
    return [(name, example, kind) for name, kind, example, public in _native.option_table() if public and kind != _CALLBACK]
