"""Worker processes: where ``@rustyray.remote(process=True)`` functions run.

The driver (the process that called ``init``) starts them on first use and talks to each
over rustyray's node layer on a Unix socket in a private directory, authenticated with a
pre-shared key that only the driver and its children know (it travels in the child's
environment). A call crosses as one pickled payload ``(function, args, kwargs)`` and comes
back as one pickled reply ``(ok, value_or_exception, traceback)``; in the driver, objects
stay Python objects and only what crosses is pickled.

Functions are sent by reference (module and name) when the worker can import them and by
value (with ``cloudpickle``) when it cannot: functions of ``__main__``, local functions,
lambdas. The
worker inherits the driver's ``sys.path``, so a function of any module the driver imported
from a path is found.

The driver runs ``python -c "import rustyray._worker as w; w.main()" ADDRESS``; nobody else
has the key.
"""

import importlib
import os
import pickle
import sys
import traceback

try:
    import cloudpickle
except ImportError:  # pragma: no cover - cloudpickle is a dependency of process tasks
    cloudpickle = None

KEY_ENV = "RUSTYRAY_WORKER_KEY"

# Functions already unpickled in this worker, by their pickled bytes.
_functions = {}


def _by_name(module, qualname):
    obj = sys.modules[module] if module in sys.modules else importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    # (`@rustyray.remote` puts a RemoteFunction where the function was defined.)
    return getattr(obj, "_function", obj) if type(obj).__name__ == "RemoteFunction" else obj


def dumps_function(function):
    """The function's bytes: by reference (module and name) if the worker can import it
    from where the driver did, else by value (cloudpickle)."""
    module = getattr(function, "__module__", None)
    qualname = getattr(function, "__qualname__", "")
    if module not in (None, "__main__") and "<" not in qualname:
        try:
            if _by_name(module, qualname) is function:
                return pickle.dumps(("ref", module, qualname), protocol=pickle.HIGHEST_PROTOCOL)
        except (ImportError, AttributeError):
            pass
    if cloudpickle is None:
        raise TypeError(
            f"{qualname or function!r} cannot be sent to a worker process by reference; "
            "install cloudpickle to send it by value"
        )
    blob = cloudpickle.dumps(function, protocol=pickle.HIGHEST_PROTOCOL)
    return pickle.dumps(("value", blob, None), protocol=pickle.HIGHEST_PROTOCOL)


def _loads_function(function_bytes):
    kind, a, b = pickle.loads(function_bytes)
    return _by_name(a, b) if kind == "ref" else pickle.loads(a)


def _dumps(value):
    try:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, AttributeError, TypeError):
        if cloudpickle is None:
            raise
        return cloudpickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def dumps_call(function_bytes, args, kwargs):
    """The payload of one call (called by the driver, with arguments already resolved)."""
    return _dumps((function_bytes, args, kwargs))


def execute(payload):
    """Runs one call in this worker: the pickled reply, never an exception."""
    tb = None
    try:
        function_bytes, args, kwargs = pickle.loads(payload)
        function = _functions.get(function_bytes)
        if function is None:
            function = _functions[function_bytes] = _loads_function(function_bytes)
        value = function(*args, **(kwargs or {}))
        return _dumps((True, value, None))
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the caller
        tb = traceback.format_exc()
        try:
            return _dumps((False, exc, tb))
        except Exception:  # noqa: BLE001 - the exception itself does not pickle
            return _dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}"), tb))


def loads_reply(reply, function_name):
    """``(True, value)`` or ``(False, the RayTaskError to raise)`` (called by the driver)."""
    from .exceptions import _wrap

    ok, value, tb = pickle.loads(reply)
    if ok:
        return True, value
    return False, _wrap(value, function_name, tb or "")


def main():
    if len(sys.argv) != 2 or KEY_ENV not in os.environ:
        sys.exit("rustyray._worker is started by rustyray.init, not by hand")
    key = os.environ.pop(KEY_ENV)
    from . import _rustyray

    _rustyray._serve_worker(sys.argv[1], key)

