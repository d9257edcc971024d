"""Actors: creation, ordering, named actors, kill / restart, errors, threaded actors."""

import threading
import time

import pytest

import rustyray
from rustyray.exceptions import ActorDiedError, RayActorError, RayError, RayTaskError

T = 10.0


@rustyray.remote
class Counter:
    def __init__(self, start=0, step=1):
        self.value = start
        self.step = step

    def incr(self, by=None):
        self.value += self.step if by is None else by
        return self.value

    def get(self):
        return self.value

    def fail(self):
        raise ValueError("method failed")


@rustyray.remote
class Log:
    def __init__(self):
        self.items = []

    def append(self, x):
        self.items.append(x)

    def read(self):
        return list(self.items)


def _constructions_counter():
    """A class whose constructor counts how often it ran (actor restarts rerun it)."""
    inits = []
    lock = threading.Lock()

    class Restartable:
        def __init__(self):
            with lock:
                inits.append(1)
            self.value = 0

        def incr(self):
            self.value += 1
            return self.value

    return inits, Restartable


def test_basic_actor(ray):
    c = Counter.remote()
    ref = c.incr.remote()
    assert isinstance(ref, rustyray.ObjectRef)
    assert rustyray.get(ref, timeout=T) == 1
    assert rustyray.get(c.incr.remote(), timeout=T) == 2
    assert rustyray.get(c.incr.remote(by=10), timeout=T) == 12
    assert rustyray.get(c.get.remote(), timeout=T) == 12


def test_constructor_arguments(ray):
    c = Counter.remote(100, step=5)
    assert rustyray.get(c.incr.remote(), timeout=T) == 105
    d = Counter.remote(start=rustyray.put(7))  # a top-level ref argument is resolved
    assert rustyray.get(d.get.remote(), timeout=T) == 7


def test_actors_have_independent_state(ray):
    a, b = Counter.remote(), Counter.remote(1000)
    rustyray.get([a.incr.remote() for _ in range(5)], timeout=T)
    assert rustyray.get(a.get.remote(), timeout=T) == 5
    assert rustyray.get(b.get.remote(), timeout=T) == 1000


def test_calls_run_in_submission_order(ray):
    log = Log.remote()
    refs = [log.append.remote(i) for i in range(1000)]
    assert rustyray.get(log.read.remote(), timeout=T) == list(range(1000))
    assert rustyray.get(refs, timeout=T) == [None] * 1000


def test_method_ref_arguments_resolved(ray):
    c = Counter.remote()
    assert rustyray.get(c.incr.remote(rustyray.put(4)), timeout=T) == 4
    assert rustyray.get(c.incr.remote(by=c.get.remote()), timeout=T) == 8


def test_actor_returns_the_same_object(ray):
    @rustyray.remote
    class Holder:
        def __init__(self):
            self.obj = None

        def keep(self, obj):
            self.obj = obj

        def give(self):
            return self.obj

    h = Holder.remote()
    value = object()
    h.keep.remote(value)
    assert rustyray.get(h.give.remote(), timeout=T) is value


def test_direct_instantiation_is_a_type_error(ray):
    with pytest.raises(TypeError):
        Counter()
    with pytest.raises(TypeError):
        Counter(1, step=2)


def test_unknown_method_is_attribute_error(ray):
    c = Counter.remote()
    with pytest.raises(AttributeError):
        c.nope
    with pytest.raises(AttributeError):
        c.nope.remote()
    # the actor is fine afterwards
    assert rustyray.get(c.incr.remote(), timeout=T) == 1


def test_method_exception_does_not_kill_the_actor(ray):
    c = Counter.remote()
    assert rustyray.get(c.incr.remote(), timeout=T) == 1
    with pytest.raises(RayTaskError) as info:
        rustyray.get(c.fail.remote(), timeout=T)
    assert isinstance(info.value, ValueError)
    assert not isinstance(info.value, RayActorError)
    assert "method failed" in str(info.value)
    assert rustyray.get(c.incr.remote(), timeout=T) == 2


def test_options_on_classes(ray):
    c = Counter.options(max_restarts=1, max_task_retries=1, max_concurrency=1).remote(3)
    assert rustyray.get(c.incr.remote(), timeout=T) == 4


def test_actor_handle_passed_to_tasks(ray):
    @rustyray.remote
    def bump(handle, n):
        for _ in range(n):
            rustyray.get(handle.incr.remote(), timeout=T)
        return rustyray.get(handle.get.remote(), timeout=T)

    c = Counter.remote()
    results = rustyray.get([bump.remote(c, 10), bump.remote(c, 10)], timeout=T)
    assert max(results) == 20
    assert rustyray.get(c.get.remote(), timeout=T) == 20


def test_actor_handle_passed_to_another_actor(ray):
    @rustyray.remote
    class Caller:
        def __init__(self, target):
            self.target = target

        def call(self):
            return rustyray.get(self.target.incr.remote(), timeout=T)

    c = Counter.remote()
    caller = Caller.remote(c)
    assert rustyray.get(caller.call.remote(), timeout=T) == 1
    assert rustyray.get(c.get.remote(), timeout=T) == 1


def test_handle_inside_container_argument(ray):
    @rustyray.remote
    def use(handles):
        return rustyray.get([h.incr.remote() for h in handles], timeout=T)

    a, b = Counter.remote(), Counter.remote(10)
    assert rustyray.get(use.remote([a, b]), timeout=T) == [1, 11]


# ---------------------------------------------------------------------------------------
# Named actors
# ---------------------------------------------------------------------------------------


def test_named_actor_get_actor(ray):
    c = Counter.options(name="counter").remote()
    rustyray.get(c.incr.remote(), timeout=T)
    same = rustyray.get_actor("counter")
    assert rustyray.get(same.incr.remote(), timeout=T) == 2
    assert rustyray.get(c.get.remote(), timeout=T) == 2


def test_get_actor_unknown_name_is_value_error(ray):
    with pytest.raises(ValueError):
        rustyray.get_actor("no-such-actor")


def test_duplicate_live_name_is_value_error(ray):
    c = Counter.options(name="dup").remote()
    with pytest.raises(ValueError):
        Counter.options(name="dup").remote()
    with pytest.raises(ValueError):
        Log.options(name="dup").remote()
    # the original keeps its name and works
    assert rustyray.get(rustyray.get_actor("dup").incr.remote(), timeout=T) == 1
    assert rustyray.get(c.get.remote(), timeout=T) == 1


def test_names_do_not_survive_shutdown(ray):
    Counter.options(name="ephemeral").remote()
    rustyray.shutdown()
    rustyray.init(num_cpus=2)
    with pytest.raises(ValueError):
        rustyray.get_actor("ephemeral")
    c = Counter.options(name="ephemeral").remote()
    assert rustyray.get(c.incr.remote(), timeout=T) == 1


# ---------------------------------------------------------------------------------------
# kill / restart
# ---------------------------------------------------------------------------------------


def test_kill_then_calls_raise_actor_died(ray):
    c = Counter.remote()
    assert rustyray.get(c.incr.remote(), timeout=T) == 1
    rustyray.kill(c)
    ref = c.incr.remote()
    with pytest.raises(ActorDiedError) as info:
        rustyray.get(ref, timeout=T)
    assert isinstance(info.value, RayActorError)
    assert isinstance(info.value, RayError)
    ref2 = c.get.remote()
    with pytest.raises(RayActorError):
        rustyray.get(ref2, timeout=T)


def test_kill_frees_the_name(ray):
    c = Counter.options(name="reused").remote(5)
    rustyray.kill(c)
    with pytest.raises(ValueError):
        rustyray.get_actor("reused")
    d = Counter.options(name="reused").remote(50)
    assert rustyray.get(rustyray.get_actor("reused").get.remote(), timeout=T) == 50
    assert rustyray.get(d.incr.remote(), timeout=T) == 51


def test_kill_through_get_actor_handle(ray):
    c = Counter.options(name="victim").remote()
    rustyray.kill(rustyray.get_actor("victim"))
    with pytest.raises(ActorDiedError):
        rustyray.get(c.incr.remote(), timeout=T)


def test_kill_with_restart_reruns_constructor(ray):
    inits, cls = _constructions_counter()
    a = rustyray.remote(cls).options(max_restarts=1).remote()
    assert rustyray.get(a.incr.remote(), timeout=T) == 1
    assert rustyray.get(a.incr.remote(), timeout=T) == 2
    assert len(inits) == 1
    rustyray.kill(a, no_restart=False)
    assert rustyray.get(a.incr.remote(), timeout=T) == 1  # state reset
    assert len(inits) == 2
    assert rustyray.get(a.incr.remote(), timeout=T) == 2


def test_restarts_are_bounded_by_max_restarts(ray):
    inits, cls = _constructions_counter()
    a = rustyray.remote(cls).options(max_restarts=1).remote()
    assert rustyray.get(a.incr.remote(), timeout=T) == 1
    rustyray.kill(a, no_restart=False)
    assert rustyray.get(a.incr.remote(), timeout=T) == 1
    rustyray.kill(a, no_restart=False)  # the one restart is used up
    with pytest.raises(ActorDiedError):
        rustyray.get(a.incr.remote(), timeout=T)
    assert len(inits) == 2


def test_kill_with_restart_but_max_restarts_zero_stays_dead(ray):
    inits, cls = _constructions_counter()
    a = rustyray.remote(cls).options(max_restarts=0).remote()
    assert rustyray.get(a.incr.remote(), timeout=T) == 1
    rustyray.kill(a, no_restart=False)
    with pytest.raises(ActorDiedError):
        rustyray.get(a.incr.remote(), timeout=T)
    assert len(inits) == 1


def test_kill_default_no_restart_even_with_max_restarts(ray):
    inits, cls = _constructions_counter()
    a = rustyray.remote(cls).options(max_restarts=5).remote()
    assert rustyray.get(a.incr.remote(), timeout=T) == 1
    rustyray.kill(a)
    with pytest.raises(ActorDiedError):
        rustyray.get(a.incr.remote(), timeout=T)
    assert len(inits) == 1


def test_restarted_named_actor_keeps_its_name(ray):
    inits, cls = _constructions_counter()
    a = rustyray.remote(cls).options(name="phoenix", max_restarts=2).remote()
    rustyray.get(a.incr.remote(), timeout=T)
    rustyray.kill(a, no_restart=False)
    assert rustyray.get(rustyray.get_actor("phoenix").incr.remote(), timeout=T) == 1


def test_killing_one_actor_leaves_others(ray):
    a, b = Counter.remote(), Counter.remote()
    rustyray.kill(a)
    assert rustyray.get(b.incr.remote(), timeout=T) == 1


# ---------------------------------------------------------------------------------------
# Threaded (max_concurrency > 1) synchronous actors
# ---------------------------------------------------------------------------------------


def _meeting_class(parties, wait_timeout):
    barrier = threading.Barrier(parties, timeout=wait_timeout)

    class Meeting:
        def meet(self, i):
            barrier.wait()
            return i

    return Meeting


def test_threaded_actor_runs_calls_concurrently(ray):
    a = rustyray.remote(_meeting_class(2, 5)).options(max_concurrency=2).remote()
    refs = [a.meet.remote(0), a.meet.remote(1)]
    assert rustyray.get(refs, timeout=T) == [0, 1]


def test_threaded_actor_with_more_threads_than_cpus(ray):
    a = rustyray.remote(_meeting_class(4, 5)).options(max_concurrency=4).remote()
    refs = [a.meet.remote(i) for i in range(4)]
    assert rustyray.get(refs, timeout=T) == [0, 1, 2, 3]


def test_default_sync_actor_runs_one_call_at_a_time(ray):
    a = rustyray.remote(_meeting_class(2, 0.3)).remote()
    refs = [a.meet.remote(0), a.meet.remote(1)]
    # Run one after the other, the first call's barrier times out (and breaks), so both
    # calls fail instead of meeting.
    for ref in refs:
        with pytest.raises(threading.BrokenBarrierError):
            rustyray.get(ref, timeout=T)


def test_threaded_actor_limits_concurrency(ray):
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    class Busy:
        def work(self):
            with lock:
                state["now"] += 1
                state["peak"] = max(state["peak"], state["now"])
            time.sleep(0.05)
            with lock:
                state["now"] -= 1
            return True

    a = rustyray.remote(Busy).options(max_concurrency=2).remote()
    assert rustyray.get([a.work.remote() for _ in range(8)], timeout=T) == [True] * 8
    assert 1 <= state["peak"] <= 2
