"""``@rustyray.remote`` on a function: ``f.remote(...)`` submits a call, returns its ref."""

import functools

from . import _rustyray, _worker
from ._runtime import ensure_initialized, ensure_workers

# Ray's task options. Scheduling ones (resources, placement) have no effect in process
# but are accepted so a Ray script runs unchanged.
_TASK_OPTIONS = {
    "num_cpus",
    "num_gpus",
    "resources",
    "memory",
    "max_retries",
    "retry_exceptions",
    "num_returns",
    "name",
    "runtime_env",
    "scheduling_strategy",
    "accelerator_type",
    "max_calls",
    "label_selector",
    # rustyray's own: run in a worker process (CPU-bound pure Python)
    "process",
}


def check_options(options, allowed, what):
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise TypeError(f"{what} got unexpected option(s): {', '.join(unknown)}")
    num_cpus = options.get("num_cpus")
    if num_cpus is not None and (not isinstance(num_cpus, (int, float)) or num_cpus < 0):
        raise ValueError(f"num_cpus must be a number >= 0, got {num_cpus!r}")
    if options.get("num_returns", 1) != 1:
        raise ValueError("rustyray supports num_returns=1 only")


class RemoteFunction:
    """A function decorated with ``@rustyray.remote``."""

    def __init__(self, function, options):
        check_options(options, _TASK_OPTIONS, "@rustyray.remote")
        self._function = function
        self._options = options
        max_retries = options.get("max_retries", 3)
        if not isinstance(max_retries, int) or max_retries < -1:
            raise ValueError(f"max_retries must be an int >= -1, got {max_retries!r}")
        # -1 is Ray's "retry forever"
        self._max_retries = (1 << 32) - 1 if max_retries == -1 else max_retries
        retry = options.get("retry_exceptions", False)
        if retry is False:
            self._retry = None
        elif retry is True:
            self._retry = True
        else:
            self._retry = tuple(retry)
        process = options.get("process", False)
        if not isinstance(process, bool):
            raise ValueError(f"process must be True or False, got {process!r}")
        self._process = process
        # (Pickled at the first call: a function may be decorated before what it refers to
        # is defined.)
        self._pickled = None
        functools.update_wrapper(self, function)

    def remote(self, *args, **kwargs):
        """Submits ``function(*args, **kwargs)``; returns the ``ObjectRef`` of its result."""
        if not _rustyray.is_initialized():
            ensure_initialized()
        if self._process:
            return self._remote_in_process(args, kwargs)
        return _rustyray.submit(self._function, args, kwargs or None, self._max_retries, self._retry)

    def _remote_in_process(self, args, kwargs):
        if self._pickled is None:
            self._pickled = _worker.dumps_function(self._function)
        ensure_workers()
        name = getattr(self._function, "__qualname__", None) or str(self._function)
        return _rustyray.submit_process(self._pickled, name, args, kwargs or None, self._max_retries, self._retry)

    def options(self, **options):
        """A copy with these options changed (``f.options(max_retries=0).remote(...)``)."""
        return RemoteFunction(self._function, {**self._options, **options})

    def __call__(self, *args, **kwargs):
        raise TypeError(
            f"remote function {self._function.__qualname__} cannot be called directly: "
            f"use {self._function.__name__}.remote(...)"
        )

    def __repr__(self):
        return f"<rustyray remote function {self._function.__qualname__}>"
