"""Spans from multiprocessing children. A child started by `fork` (or `forkserver`) leaves
through `os._exit`, so the interpreter's atexit, where llmtel closes, never runs there; a Pool's
workers are even killed with SIGTERM when the pool is terminated (as `with Pool() as p:` does).

So in every multiprocessing child llmtel closes the way multiprocessing itself cleans up: with
a `multiprocessing.util.Finalize` that the child's bootstrap runs before `os._exit`, registered
right after the fork (or at `init()` when it runs inside a child). A Pool worker also closes
llmtel on SIGTERM, within the shutdown timeout (the terminating parent waits for its workers),
and then dies of the signal as it would have; a handler the application set is left alone.
Nothing here imports multiprocessing: a process that never uses it pays nothing.
"""

import os
import signal
import sys
from typing import Any, Callable

_close: Callable[[], None] = lambda: None  # noqa: E731
_hooked = False


class _Key:
    """What multiprocessing's after-fork registry holds (it keys by weak reference)."""


_KEY = _Key()


def install(close: Callable[[], None]) -> None:
    """`close` closes llmtel within its shutdown timeout."""
    global _close, _hooked
    _close = close
    mp = sys.modules.get("multiprocessing")
    if mp is not None and mp.parent_process() is not None:
        _in_child()  # init() runs inside a multiprocessing child
    if not _hooked and hasattr(os, "register_at_fork"):
        _hooked = True
        os.register_at_fork(after_in_child=_after_fork)


def _after_fork() -> None:
    # Runs in every forked child, before multiprocessing's bootstrap clears its finalizers; the
    # after-fork callbacks registered here run after that clearing.
    util = sys.modules.get("multiprocessing.util")
    if util is not None:
        util.register_after_fork(_KEY, lambda _key: _in_child())


def _in_child() -> None:
    mp = sys.modules["multiprocessing"]
    mp.util.Finalize(None, lambda: _close(), exitpriority=10)
    pool = sys.modules.get("multiprocessing.pool")
    target = getattr(mp.current_process(), "_target", None)
    if pool is not None and target is pool.worker and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _close_then_die)


def _close_then_die(signum: int, _frame: Any) -> None:
    try:
        _close()
    finally:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
