"""rustyray: Ray's Python API on rustyray's runtime — ``import rustyray as ray``.

Remote functions, actors, object refs and ``get``/``put``/``wait``/``cancel`` with Ray's
names and semantics; work runs on rustyray's work-stealing runtime in this process, and
objects stay Python objects (nothing is pickled in process).
"""

import inspect as _inspect

from . import exceptions
from ._runtime import init, is_initialized, shutdown, ensure_initialized as _ensure
from ._rustyray import ObjectRef, get, wait, cancel
from ._rustyray import put as _put
from .actor import ActorClass, ActorHandle, get_actor, kill
from .remote_function import RemoteFunction

__all__ = [
    "init",
    "shutdown",
    "is_initialized",
    "remote",
    "get",
    "put",
    "wait",
    "cancel",
    "kill",
    "get_actor",
    "ObjectRef",
    "ActorHandle",
    "exceptions",
]


def put(value):
    """Stores ``value`` (the object itself, not a copy) and returns its ``ObjectRef``."""
    try:
        return _put(value)
    except RuntimeError:
        if is_initialized():
            raise
        _ensure()
        return _put(value)


def remote(*args, **options):
    """``@rustyray.remote`` / ``@rustyray.remote(max_retries=…, …)`` on a function or a
    class."""

    def make(target):
        if _inspect.isclass(target):
            return ActorClass(target, options)
        if callable(target):
            return RemoteFunction(target, options)
        raise TypeError(f"@rustyray.remote applies to a function or a class, not {target!r}")

    if len(args) == 1 and not options and callable(args[0]):
        return make(args[0])
    if args:
        raise TypeError("@rustyray.remote takes keyword options only: @rustyray.remote(max_retries=2)")
    return make
