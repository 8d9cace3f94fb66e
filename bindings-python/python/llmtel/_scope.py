"""Sentry's scope, for the calls people copy: set_tag / set_tags / set_user / set_context on the
current scope (the process's, or new_scope()'s copy inside its block), capture_exception /
capture_message, whose events carry the scope and link to the active span. Spans started with
start_span carry the scope's tags and user as attributes."""

from __future__ import annotations

import sys
import traceback
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Dict, Iterator, Optional


class Scope:
    """Tags, user and contexts for the events captured in it (and the spans started in it)."""

    __slots__ = ("_tags", "_user", "_contexts")

    def __init__(self, copy_of: Optional["Scope"] = None) -> None:
        self._tags: Dict[str, str] = dict(copy_of._tags) if copy_of else {}
        self._user: Optional[Dict[str, Any]] = copy_of._user if copy_of else None
        self._contexts: Dict[str, Any] = dict(copy_of._contexts) if copy_of else {}

    def set_tag(self, key: str, value: Any) -> None:
        """A tag; None removes it."""
        if value is None:
            self._tags.pop(str(key), None)
        else:
            self._tags[str(key)] = str(value)

    def set_tags(self, tags: Dict[str, Any]) -> None:
        for key, value in tags.items():
            self.set_tag(key, value)

    def remove_tag(self, key: str) -> None:
        self._tags.pop(str(key), None)

    def set_user(self, user: Optional[Dict[str, Any]]) -> None:
        """{"id", "email", "username", "ip_address", …}, or None to forget the user."""
        self._user = dict(user) if user else None

    def set_context(self, name: str, context: Optional[Dict[str, Any]]) -> None:
        if context:
            self._contexts[str(name)] = dict(context)
        else:
            self._contexts.pop(str(name), None)

    def span_attributes(self) -> Dict[str, str]:
        """Its tags, and the user's id, email, name and IP address under OpenTelemetry's
        `user.*` keys."""
        attributes = dict(self._tags)
        if self._user:
            for source, key in (("id", "user.id"), ("email", "user.email"), ("username", "user.name"),
                                ("ip_address", "user.ip_address")):
                if self._user.get(source) is not None:
                    attributes[key] = str(self._user[source])
        return attributes

    def event(self, **fields: Any) -> Dict[str, Any]:
        """An event spec carrying this scope."""
        event = {**fields, "tags": self._tags, "contexts": self._contexts}
        if self._user:
            event["user"] = self._user
        return event


_process_scope = Scope()
_scope: ContextVar[Optional[Scope]] = ContextVar("llmtel_scope", default=None)


def get_current_scope() -> Scope:
    return _scope.get() or _process_scope


@contextmanager
def new_scope() -> Iterator[Scope]:
    """`with llmtel.new_scope() as scope:` a copy of the current scope; what the block sets stays
    inside it."""
    token = _scope.set(Scope(get_current_scope()))
    try:
        yield _scope.get()  # type: ignore[misc]
    finally:
        _scope.reset(token)


def exception_event(error: Optional[BaseException]) -> Optional[Dict[str, Any]]:
    """The event of an exception (the one being handled when `error` is None): its class,
    message and frames, oldest call first; None when there is none."""
    if error is None:
        error = sys.exc_info()[1]
        if error is None:
            return None
    frames = [
        {"function": frame.name, "filename": frame.filename, "lineno": frame.lineno,
         "in_app": "site-packages" not in frame.filename and not frame.filename.startswith("<frozen")}
        for frame in traceback.extract_tb(error.__traceback__)
    ]
    exception = {"type": type(error).__name__, "value": str(error), "stacktrace": frames}
    return get_current_scope().event(exception=exception)
