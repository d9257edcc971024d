"""``@rustyray.remote`` on a class: actors.

Three kinds, chosen from the class and its options, as in Ray:

* **plain** (no ``async def`` method, ``max_concurrency`` 1): calls run one at a time in
  submission order on the runtime's workers, or inline in a ``get`` waiting on one of
  them (the native ``Lane``);
* **threaded** (``max_concurrency`` > 1, no ``async def`` method): up to that many calls at
  once on the actor's own threads;
* **async** (any ``async def`` method): calls run as coroutines on the actor's own asyncio
  event loop, up to ``max_concurrency`` (default 1000) at once.
"""

import asyncio
import concurrent.futures
import inspect
import threading

from . import _rustyray
from ._runtime import ensure_initialized, on_shutdown
from .exceptions import _wrap_task_error
from .remote_function import check_options

_ACTOR_OPTIONS = {
    "name",
    "namespace",
    "lifetime",
    "get_if_exists",
    "max_restarts",
    "max_task_retries",
    "max_concurrency",
    "max_pending_calls",
    "num_cpus",
    "num_gpus",
    "resources",
    "memory",
    "runtime_env",
    "scheduling_strategy",
    "concurrency_groups",
    "accelerator_type",
    "label_selector",
}

_named_lock = threading.Lock()
_named = {}
_live = set()  # every actor not killed (stopped at shutdown)


def _shutdown_actors():
    with _named_lock:
        actors = list(_live)
        _named.clear()
        _live.clear()
    for actor in actors:
        actor._stop("rustyray was shut down")


on_shutdown(_shutdown_actors)


class ActorClass:
    """A class decorated with ``@rustyray.remote``: ``Cls.remote(...)`` starts an actor."""

    def __init__(self, cls, options):
        check_options(options, _ACTOR_OPTIONS, "@rustyray.remote on a class")
        self._cls = cls
        self._options = options
        self._methods = [
            name
            for name, member in inspect.getmembers(cls, callable)
            if not name.startswith("__") or name == "__call__"
        ]
        self._is_async = any(
            inspect.iscoroutinefunction(getattr(cls, name, None)) for name in self._methods
        )
        self.__name__ = cls.__name__
        self.__qualname__ = cls.__qualname__
        self.__doc__ = cls.__doc__

    def options(self, **options):
        """A copy with these options (``Cls.options(name="a").remote(...)``)."""
        return ActorClass(self._cls, {**self._options, **options})

    def remote(self, *args, **kwargs):
        """Starts an actor: the constructor runs first, then its calls in order."""
        ensure_initialized()
        opts = self._options
        name = opts.get("name")
        max_restarts = opts.get("max_restarts", 0)
        if not isinstance(max_restarts, int) or max_restarts < -1:
            raise ValueError(f"max_restarts must be an int >= -1, got {max_restarts!r}")
        max_concurrency = opts.get("max_concurrency", 1000 if self._is_async else 1)
        if not isinstance(max_concurrency, int) or max_concurrency < 1:
            raise ValueError(f"max_concurrency must be an int >= 1, got {max_concurrency!r}")
        with _named_lock:
            if name is not None:
                if not isinstance(name, str) or not name:
                    raise ValueError(f"an actor's name must be a non-empty str, got {name!r}")
                existing = _named.get(name)
                if existing is not None:
                    if opts.get("get_if_exists"):
                        return ActorHandle(existing)
                    raise ValueError(f"an actor named {name!r} already exists")
            if self._is_async:
                kind = _AsyncActor
            elif max_concurrency > 1:
                kind = _ThreadedActor
            else:
                kind = _PlainActor
            actor = kind(self, args, kwargs, max_concurrency)
            actor.name = name
            actor.restarts_left = float("inf") if max_restarts == -1 else max_restarts
            actor.max_task_retries = opts.get("max_task_retries", 0)
            if name is not None:
                _named[name] = actor
            _live.add(actor)
        return ActorHandle(actor)

    def __call__(self, *args, **kwargs):
        raise TypeError(
            f"actor class {self._cls.__qualname__} cannot be instantiated directly: "
            f"use {self._cls.__name__}.remote(...)"
        )

    def __repr__(self):
        return f"<rustyray actor class {self._cls.__qualname__}>"


class ActorHandle:
    """A handle to an actor: ``handle.method.remote(...)`` queues a call."""

    def __init__(self, actor):
        self._actor = actor
        for name in actor.actor_class._methods:
            self.__dict__[name] = ActorMethod(actor, name)

    def __getattr__(self, name):
        raise AttributeError(f"actor {self._actor.actor_class.__name__} has no method {name!r}")

    def __repr__(self):
        return f"<rustyray actor {self._actor.actor_class.__name__} name={self._actor.name!r}>"

    def __eq__(self, other):
        return isinstance(other, ActorHandle) and other._actor is self._actor

    def __hash__(self):
        return id(self._actor)


class ActorMethod:
    """One method of an actor handle."""

    def __init__(self, actor, name, retry_exceptions=None):
        self._actor = actor
        self._name = name
        self._retry = retry_exceptions
        # The hot path: one bound call into the actor's queue.
        self.remote = self._make_remote()

    def _make_remote(self):
        submit = self._actor.submit
        name = self._name
        retries = self._actor.max_task_retries_for_exceptions if self._retry else 0
        retry = self._retry

        def remote(*args, **kwargs):
            return submit(name, args, kwargs or None, retries, retry)

        return remote

    def options(self, **options):
        """Per-call options (``retry_exceptions``; the rest are accepted and ignored)."""
        retry = options.get("retry_exceptions", self._retry)
        if retry is False:
            retry = None
        elif retry not in (None, True):
            retry = tuple(retry)
        return ActorMethod(self._actor, self._name, retry)

    def __call__(self, *args, **kwargs):
        raise TypeError(f"actor method {self._name} cannot be called directly: use .{self._name}.remote(...)")


class _Actor:
    """State shared by every handle of one actor."""

    name = None
    restarts_left = 0
    max_task_retries = 0

    def __init__(self, actor_class, args, kwargs):
        self.actor_class = actor_class
        self.args = args
        self.kwargs = kwargs

    @property
    def max_task_retries_for_exceptions(self):
        retries = self.max_task_retries
        return (1 << 32) - 1 if retries == -1 else retries

    def kill(self, no_restart):
        if not no_restart and self.restarts_left > 0:
            self.restarts_left -= 1
            self._restart()
            return
        with _named_lock:
            if self.name is not None and _named.get(self.name) is self:
                del _named[self.name]
            _live.discard(self)
        self._stop("the actor was killed by rustyray.kill()")


class _PlainActor(_Actor):
    def __init__(self, actor_class, args, kwargs, max_concurrency):
        super().__init__(actor_class, args, kwargs)
        self.lane, self.ready = _rustyray.Lane.start(actor_class._cls, args, kwargs or None)
        self.submit = self.lane.call

    def _restart(self):
        self.ready = self.lane.restart(self.max_task_retries != 0)

    def _stop(self, reason):
        self.lane.kill(reason)


class _PythonRunActor(_Actor):
    """Threaded and async actors: calls complete promises from Python."""

    def __init__(self, actor_class, args, kwargs):
        super().__init__(actor_class, args, kwargs)
        self.lock = threading.Lock()
        self.dead = None
        self.outstanding = set()
        self.instance = None
        self.generation = 0

    def _restart(self):
        if self.max_task_retries == 0:
            self._fail_outstanding("the actor restarted before running the call")
        with self.lock:
            self.dead = None
        self._start()

    def _stop(self, reason):
        with self.lock:
            self.dead = reason
        self._fail_outstanding(reason)
        self._stop_runner()

    def _refuse_if_dead(self, promise):
        """True, with the call failed as ``ActorDiedError``, if the actor is dead."""
        with self.lock:
            dead = self.dead
        if dead is not None:
            promise.set_actor_died(dead)
            return True
        return False

    def _track(self, promise):
        with self.lock:
            if self.dead is not None:
                promise.set_actor_died(self.dead)
                return False
            self.outstanding.add(promise)
            return True

    def _done(self, promise):
        with self.lock:
            self.outstanding.discard(promise)

    def _fail_outstanding(self, reason):
        with self.lock:
            outstanding, self.outstanding = self.outstanding, set()
        for promise in outstanding:
            promise.set_actor_died(reason)


def _resolve(args, kwargs):
    get = _rustyray.get
    ObjectRef = _rustyray.ObjectRef
    args = tuple(get(a) if type(a) is ObjectRef else a for a in args)
    if kwargs:
        kwargs = {k: (get(v) if type(v) is ObjectRef else v) for k, v in kwargs.items()}
    return args, kwargs or {}


def _should_retry(retry, exc):
    return retry is True or (isinstance(retry, tuple) and isinstance(exc, retry))


class _ThreadedActor(_PythonRunActor):
    def __init__(self, actor_class, args, kwargs, max_concurrency):
        super().__init__(actor_class, args, kwargs)
        self.pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=max_concurrency, thread_name_prefix=f"rustyray-{actor_class.__name__}"
        )
        self._start()

    def _start(self):
        self.constructed = threading.Event()
        self.ctor_error = None
        self.ready, promise = _rustyray.pending()
        self.pool.submit(self._construct, promise, self.constructed)

    def _construct(self, promise, constructed):
        try:
            args, kwargs = _resolve(self.args, self.kwargs)
            self.instance = self.actor_class._cls(*args, **kwargs)
            promise.set_result(None)
        except BaseException as exc:
            err = _wrap_task_error(exc, self.actor_class._cls)
            self.ctor_error = err
            promise.set_exception(err)
            with self.lock:
                self.dead = f"the constructor raised: {exc!r}"
        finally:
            constructed.set()

    def submit(self, name, args, kwargs, retries, retry):
        ref, promise = _rustyray.pending()
        if self._track(promise):
            self.pool.submit(self._run, promise, name, args, kwargs, retries, retry, self.constructed)
        return ref

    def _run(self, promise, name, args, kwargs, retries, retry, constructed):
        try:
            constructed.wait()
            if self._refuse_if_dead(promise):
                return
            method = getattr(self.instance, name)
            args, kwargs = _resolve(args, kwargs)
            while True:
                try:
                    promise.set_result(method(*args, **kwargs))
                    return
                except BaseException as exc:
                    if retries > 0 and _should_retry(retry, exc):
                        retries -= 1
                        continue
                    promise.set_exception(_wrap_task_error(exc, method))
                    return
        except BaseException as exc:  # an argument's error
            promise.set_exception(_wrap_task_error(exc, name))
        finally:
            self._done(promise)

    def _stop_runner(self):
        self.pool.shutdown(wait=False, cancel_futures=False)


class _AsyncActor(_PythonRunActor):
    def __init__(self, actor_class, args, kwargs, max_concurrency):
        super().__init__(actor_class, args, kwargs)
        self.max_concurrency = max_concurrency
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self._serve, name=f"rustyray-{actor_class.__name__}", daemon=True
        )
        self.thread.start()
        self._start()

    def _serve(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()
        self.loop.close()

    def _start(self):
        self.ready, promise = _rustyray.pending()
        self.constructed = asyncio.run_coroutine_threadsafe(self._construct(promise), self.loop)

    async def _construct(self, promise):
        self.semaphore = asyncio.Semaphore(self.max_concurrency)
        try:
            args, kwargs = await _resolve_async(self.args, self.kwargs)
            self.instance = self.actor_class._cls(*args, **kwargs)
            promise.set_result(None)
        except BaseException as exc:
            promise.set_exception(_wrap_task_error(exc, self.actor_class._cls))
            with self.lock:
                self.dead = f"the constructor raised: {exc!r}"

    def submit(self, name, args, kwargs, retries, retry):
        ref, promise = _rustyray.pending()
        if self._track(promise):
            constructed = self.constructed
            try:
                self.loop.call_soon_threadsafe(
                    self._spawn, promise, name, args, kwargs, retries, retry, constructed
                )
            except RuntimeError:  # the loop stopped
                promise.set_actor_died(self.dead or "the actor stopped")
        return ref

    def _spawn(self, *call):
        self.loop.create_task(self._run(*call))

    async def _run(self, promise, name, args, kwargs, retries, retry, constructed):
        try:
            await asyncio.wrap_future(constructed)
            async with self.semaphore:
                if self._refuse_if_dead(promise):
                    return
                method = getattr(self.instance, name)
                args, kwargs = await _resolve_async(args, kwargs)
                while True:
                    try:
                        value = method(*args, **kwargs)
                        if inspect.isawaitable(value):
                            value = await value
                        promise.set_result(value)
                        return
                    except asyncio.CancelledError:
                        promise.set_cancelled()
                        return
                    except BaseException as exc:
                        if retries > 0 and _should_retry(retry, exc):
                            retries -= 1
                            continue
                        promise.set_exception(_wrap_task_error(exc, method))
                        return
        except BaseException as exc:
            promise.set_exception(_wrap_task_error(exc, name))
        finally:
            self._done(promise)

    def _stop_runner(self):
        try:
            self.loop.call_soon_threadsafe(self.loop.stop)
        except RuntimeError:
            pass


async def _resolve_async(args, kwargs):
    ObjectRef = _rustyray.ObjectRef
    args = tuple([(await a) if type(a) is ObjectRef else a for a in args])
    if kwargs:
        kwargs = {k: ((await v) if type(v) is ObjectRef else v) for k, v in kwargs.items()}
    return args, kwargs or {}


def get_actor(name, namespace=None):
    """The handle of the live actor named ``name``; ``ValueError`` if there is none."""
    with _named_lock:
        actor = _named.get(name)
    if actor is None:
        raise ValueError(f"no live actor is named {name!r}")
    return ActorHandle(actor)


def kill(actor, *, no_restart=True):
    """Kills the actor: queued and later calls raise ``ActorDiedError``. With
    ``no_restart=False`` and restarts left it is restarted instead (constructor again)."""
    if not isinstance(actor, ActorHandle):
        raise TypeError(f"kill() expects an actor handle, got {actor!r}")
    actor._actor.kill(no_restart)
