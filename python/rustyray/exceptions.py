"""Ray's exception types, under Ray's names (``ray.exceptions``).

A task's or actor method's own exception comes back from ``get`` as a ``RayTaskError``
that is also an instance of the exception's class, so ``except ValueError`` and
``except RayTaskError`` both catch it; ``str()`` carries the remote traceback and
``.cause`` is the original exception.
"""

import threading
import traceback

__all__ = [
    "RayError",
    "RayTaskError",
    "TaskCancelledError",
    "GetTimeoutError",
    "RayActorError",
    "ActorDiedError",
    "ObjectLostError",
    "WorkerCrashedError",
]


class RayError(Exception):
    """Base of every rustyray (Ray) error."""


class RayTaskError(RayError):
    """A task or actor method raised: ``cause`` is its exception, ``traceback_str`` the
    remote traceback."""

    def __init__(self, function_name="", traceback_str="", cause=None):
        super().__init__(function_name, traceback_str, cause)
        self.function_name = function_name
        self.traceback_str = traceback_str
        self.cause = cause

    def __str__(self):
        return _describe(self)

    def as_instanceof_cause(self):
        """This error as an instance of both ``RayTaskError`` and the cause's class (what
        ``get`` raises already)."""
        if self.cause is None or isinstance(self, type(self.cause)):
            return self
        return _wrap(self.cause, self.function_name, self.traceback_str)


class TaskCancelledError(RayError):
    """The task was cancelled (``rustyray.cancel``) before it produced a value."""


class GetTimeoutError(RayError, TimeoutError):
    """``get`` gave up: the object was not ready within the timeout."""


class RayActorError(RayError):
    """The actor could not run the call."""


class ActorDiedError(RayActorError):
    """The actor died (killed, or its constructor raised) before it ran the call."""


class WorkerCrashedError(RayError):
    """The worker process running the task died (or its link to this process was lost)
    before it returned, and no retry was left."""


class ObjectLostError(RayError):
    """The object's producer went away without producing it (e.g. after ``shutdown``)."""


def _describe(err):
    cause = err.cause
    head = f"{err.function_name}() raised {type(cause).__name__ if cause is not None else 'an error'}"
    if cause is not None and str(cause):
        head += f": {cause}"
    return f"{head}\n\nRemote traceback:\n{err.traceback_str}".rstrip()


_dual_lock = threading.Lock()
_dual_classes = {}


def _dual_class(cls):
    """``RayTaskError(cls)``: a subclass of both, or None when Python cannot combine them."""
    with _dual_lock:
        if cls in _dual_classes:
            return _dual_classes[cls]
        try:
            dual = type(
                f"RayTaskError({cls.__name__})",
                (RayTaskError, cls),
                {"__str__": lambda self: _describe(self), "__module__": cls.__module__},
            )
        except TypeError:
            dual = None
        _dual_classes[cls] = dual
        return dual


def _wrap(exc, function_name, traceback_str):
    dual = _dual_class(type(exc)) if not isinstance(exc, RayTaskError) else None
    if dual is None:
        return RayTaskError(function_name, traceback_str, exc)
    try:
        err = dual.__new__(dual, *exc.args)
        err.args = exc.args
        try:
            err.__dict__.update(getattr(exc, "__dict__", {}))
        except (AttributeError, TypeError):
            pass
        err.function_name = function_name
        err.traceback_str = traceback_str
        err.cause = exc
        return err
    except Exception:
        return RayTaskError(function_name, traceback_str, exc)


def _wrap_task_error(exc, function):
    """Called by the native module with the exception a task raised and the callable."""
    if isinstance(exc, RayTaskError):
        return exc  # a failed dependency's error, passed on unchanged
    name = getattr(function, "__qualname__", None) or getattr(function, "__name__", None) or str(function)
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return _wrap(exc, name, tb)
