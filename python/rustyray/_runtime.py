"""``init``, ``shutdown``, ``is_initialized``: the process's runtime."""

import os
import sys
import threading

from . import _rustyray

# Ray's keywords that mean nothing here: accepted, noted on stderr once per call.
_IGNORED = {
    "dashboard_host": "there is no dashboard",
    "dashboard_port": "there is no dashboard",
    "include_dashboard": "there is no dashboard",
    "logging_level": "rustyray does not configure logging",
    "logging_format": "rustyray does not configure logging",
    "log_to_driver": "tasks print straight to this process's stdout and stderr",
    "configure_logging": "rustyray does not configure logging",
    "object_store_memory": "objects are Python objects in this process's memory",
    "namespace": "there is one namespace per process",
    "runtime_env": "tasks run in this process's environment (worker processes inherit it)",
    "num_gpus": "no GPU scheduling",
    "resources": "no custom resources",
    "_temp_dir": "nothing is written to disk",
    "local_mode": "tasks run in this process unless declared with process=True",
}

_lock = threading.Lock()
_shutdown_hooks = []
# Worker processes for `@remote(process=True)` functions: how many (None: one per CPU).
_worker_processes = None


class RuntimeContext:
    """What ``init`` returns; ``with rustyray.init():`` shuts down on exit."""

    def __init__(self, num_cpus):
        self.num_cpus = num_cpus
        self.address_info = {"address": "local", "num_cpus": num_cpus}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutdown()
        return False

    def __repr__(self):
        return f"RuntimeContext(num_cpus={self.num_cpus})"


def init(num_cpus=None, *, ignore_reinit_error=False, address=None, worker_processes=None, **kwargs):
    """Starts rustyray with ``num_cpus`` worker threads (default: every CPU).

    ``worker_processes``: how many worker processes run ``@remote(process=True)``
    functions. ``None`` (the default) starts ``num_cpus`` of them at the first such call,
    so a program without process functions never starts one; a number starts that many
    now; ``0`` allows none (a process function's call raises ``RuntimeError``).

    Accepts Ray's common keywords; those that mean nothing here are ignored with a one-line
    note on stderr. Unknown keywords raise ``TypeError``.
    """
    global _worker_processes
    if address not in (None, "local"):
        raise ValueError(f"rustyray runs in this process: address must be None or 'local', got {address!r}")
    unknown = sorted(k for k in kwargs if k not in _IGNORED)
    if unknown:
        raise TypeError(f"init() got unexpected keyword argument(s): {', '.join(unknown)}")
    if num_cpus is not None and (isinstance(num_cpus, bool) or not isinstance(num_cpus, int) or num_cpus < 1):
        raise ValueError(f"num_cpus must be a positive int, got {num_cpus!r}")
    if worker_processes is not None and (
        isinstance(worker_processes, bool) or not isinstance(worker_processes, int) or worker_processes < 0
    ):
        raise ValueError(f"worker_processes must be None or an int >= 0, got {worker_processes!r}")
    for key in kwargs:
        print(f"rustyray: ignoring init({key}=...): {_IGNORED[key]}", file=sys.stderr)
    with _lock:
        if _rustyray.is_initialized():
            if ignore_reinit_error:
                return RuntimeContext(_rustyray.num_cpus())
            raise RuntimeError("rustyray.init() was called twice (pass ignore_reinit_error=True to allow it)")
        context = RuntimeContext(_rustyray.init(num_cpus))
        _worker_processes = worker_processes
        if worker_processes:
            try:
                _start_workers_locked()
            except BaseException:
                _rustyray.shutdown()
                raise
        return context


def _start_workers_locked():
    n = _worker_processes if _worker_processes is not None else _rustyray.num_cpus()
    if n == 0:
        raise RuntimeError("rustyray.init(worker_processes=0): process functions cannot run")
    # The workers see what this process imports from: its sys.path ('' is the directory
    # it was started in).
    path = os.pathsep.join(os.getcwd() if p == "" else p for p in sys.path)
    _rustyray._start_workers(n, sys.executable, path, os.urandom(32).hex())


def ensure_workers():
    """Starts the worker processes if they do not run yet (first process call)."""
    if not _rustyray._workers_started():
        with _lock:
            if not _rustyray._workers_started():
                _start_workers_locked()


def ensure_initialized():
    """Auto-init on first use, as Ray does."""
    if not _rustyray.is_initialized():
        with _lock:
            if not _rustyray.is_initialized():
                _rustyray.init(None)


def on_shutdown(hook):
    """Registers ``hook()`` to run at ``shutdown`` (actors stop their threads)."""
    _shutdown_hooks.append(hook)


def shutdown():
    """Stops rustyray: every actor is killed, queued work is dropped (its refs raise
    ``ObjectLostError``). ``init`` may be called again afterwards."""
    with _lock:
        global _worker_processes
        for hook in list(_shutdown_hooks):
            hook()
        _rustyray.shutdown()
        _worker_processes = None


def is_initialized():
    """True between ``init`` and ``shutdown``."""
    return _rustyray.is_initialized()
