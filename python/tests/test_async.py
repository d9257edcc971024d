"""asyncio: awaiting refs, ref.future(), and async actors."""

import asyncio
import concurrent.futures
import threading

import pytest

import rustyray
from rustyray.exceptions import RayTaskError

T = 10.0


class MyError(Exception):
    pass


@rustyray.remote
def double(x):
    return 2 * x


@rustyray.remote
def wait_on(ev, value=None):
    assert ev.wait(T), "gate never opened"
    return value


@rustyray.remote
def fail(message):
    raise MyError(message)


# ---------------------------------------------------------------------------------------
# Awaiting ObjectRefs
# ---------------------------------------------------------------------------------------


def test_await_ref(ray):
    async def main():
        return await double.remote(21)

    assert asyncio.run(main()) == 42


def test_await_put_ref(ray):
    value = object()

    async def main():
        return await rustyray.put(value)

    assert asyncio.run(main()) is value


def test_gather_refs(ray):
    async def main():
        return await asyncio.gather(*[double.remote(i) for i in range(20)])

    assert asyncio.run(main()) == [2 * i for i in range(20)]


def test_await_same_ref_twice(ray):
    async def main():
        ref = double.remote(5)
        return await ref, await ref

    assert asyncio.run(main()) == (10, 10)


def test_wait_for_times_out_on_pending_ref(ray, gate):
    ev = gate()
    ref = wait_on.remote(ev, "eventually")

    async def main():
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(ref, 0.05)
        # The asyncio timeout cancels the wait, not the task: the ref still resolves.
        ev.set()
        return await asyncio.wait_for(ref, T)

    assert asyncio.run(main()) == "eventually"
    assert rustyray.get(ref, timeout=T) == "eventually"


def test_await_does_not_block_the_event_loop(ray, gate):
    ev = gate()
    ref = wait_on.remote(ev, "done")

    async def main():
        ticks = 0
        waiter = asyncio.ensure_future(ref)
        while not waiter.done() and ticks < 20:
            ticks += 1
            await asyncio.sleep(0.01)
        assert not waiter.done()
        ev.set()
        return await asyncio.wait_for(waiter, T), ticks

    value, ticks = asyncio.run(main())
    assert value == "done"
    assert ticks == 20


def test_awaited_failure_raises_task_error(ray):
    async def main():
        with pytest.raises(MyError) as info:
            await fail.remote("awaited failure")
        return info.value

    e = asyncio.run(main())
    assert isinstance(e, RayTaskError)
    assert "awaited failure" in str(e)
    assert "fail" in str(e)


def test_gather_with_a_failure(ray):
    async def main():
        return await asyncio.gather(double.remote(1), fail.remote("in gather"), return_exceptions=True)

    ok, err = asyncio.run(main())
    assert ok == 2
    assert isinstance(err, MyError) and isinstance(err, RayTaskError)


def test_future_returns_concurrent_future(ray):
    fut = double.remote(4).future()
    assert isinstance(fut, concurrent.futures.Future)
    assert fut.result(timeout=T) == 8


def test_future_of_pending_ref_and_callback(ray, gate):
    ev = gate()
    fut = wait_on.remote(ev, 99).future()
    called = threading.Event()
    seen = []

    def callback(f):
        seen.append(f.result())
        called.set()

    fut.add_done_callback(callback)
    with pytest.raises(concurrent.futures.TimeoutError):
        fut.result(timeout=0.05)
    assert not fut.done()
    ev.set()
    assert fut.result(timeout=T) == 99
    assert called.wait(T)
    assert seen == [99]


def test_future_of_failed_task(ray):
    fut = fail.remote("future failure").future()
    exc = fut.exception(timeout=T)
    assert isinstance(exc, MyError)
    assert isinstance(exc, RayTaskError)
    with pytest.raises(MyError):
        fut.result(timeout=T)


def test_future_wrapped_for_asyncio(ray):
    async def main():
        return await asyncio.wrap_future(double.remote(8).future())

    assert asyncio.run(main()) == 16


# ---------------------------------------------------------------------------------------
# Async actors
# ---------------------------------------------------------------------------------------


@rustyray.remote
class EventActor:
    def __init__(self):
        self.event = None

    def _event(self):
        if self.event is None:
            self.event = asyncio.Event()
        return self.event

    async def wait_for_event(self):
        await asyncio.wait_for(self._event().wait(), 5)
        return "waited"

    async def set_event(self):
        self._event().set()
        return "set"

    async def loop_id(self):
        return id(asyncio.get_running_loop())

    def sync_method(self, x):
        return x + 1

    async def boom(self, message):
        await asyncio.sleep(0)
        raise MyError(message)

    async def await_ref(self, boxed):
        return await boxed[0]


def test_async_actor_runs_calls_concurrently(ray):
    a = EventActor.remote()
    waiting = a.wait_for_event.remote()
    setting = a.set_event.remote()
    assert rustyray.get([waiting, setting], timeout=T) == ["waited", "set"]


def test_async_actor_many_concurrent_waiters(ray):
    a = EventActor.remote()
    waiters = [a.wait_for_event.remote() for _ in range(50)]
    setter = a.set_event.remote()
    assert rustyray.get(waiters, timeout=T) == ["waited"] * 50
    assert rustyray.get(setter, timeout=T) == "set"


def test_async_actor_uses_one_loop_of_its_own(ray):
    a = EventActor.remote()
    ids = rustyray.get([a.loop_id.remote() for _ in range(5)], timeout=T)
    assert len(set(ids)) == 1

    async def main():
        mine = id(asyncio.get_running_loop())
        theirs = await a.loop_id.remote()
        return mine, theirs

    mine, theirs = asyncio.run(main())
    assert theirs == ids[0]
    assert mine != theirs


def test_async_actor_sync_method(ray):
    a = EventActor.remote()
    assert rustyray.get(a.sync_method.remote(1), timeout=T) == 2


def test_async_actor_exception(ray):
    a = EventActor.remote()
    with pytest.raises(MyError) as info:
        rustyray.get(a.boom.remote("async method failed"), timeout=T)
    assert isinstance(info.value, RayTaskError)
    assert "async method failed" in str(info.value)
    assert "boom" in str(info.value)
    # the actor is still usable
    assert rustyray.get(a.sync_method.remote(2), timeout=T) == 3


def test_async_actor_awaits_a_ref(ray):
    a = EventActor.remote()
    assert rustyray.get(a.await_ref.remote([double.remote(3)]), timeout=T) == 6


def test_await_async_actor_call_from_asyncio(ray):
    a = EventActor.remote()

    async def main():
        waiting = a.wait_for_event.remote()
        return await asyncio.gather(waiting, a.set_event.remote())

    assert asyncio.run(main()) == ["waited", "set"]


def test_async_actor_max_concurrency_one_preserves_order(ray):
    @rustyray.remote
    class Ordered:
        def __init__(self):
            self.items = []

        async def add(self, i, delay):
            await asyncio.sleep(delay)
            self.items.append(i)
            return i

        async def read(self):
            return list(self.items)

    a = Ordered.options(max_concurrency=1).remote()
    # Later calls sleep less: run concurrently they would finish in reverse order.
    refs = [a.add.remote(i, 0.01 * (5 - i)) for i in range(6)]
    assert rustyray.get(refs, timeout=T) == list(range(6))
    assert rustyray.get(a.read.remote(), timeout=T) == list(range(6))


def _busy(seconds):
    """An async actor class whose ``work`` takes ``seconds``; ``peak_seen`` is the most
    calls that were inside ``work`` at once."""

    @rustyray.remote
    class Busy:
        def __init__(self):
            self.now = 0
            self.peak = 0

        async def work(self):
            self.now += 1
            self.peak = max(self.peak, self.now)
            await asyncio.sleep(seconds)
            self.now -= 1
            return True

        async def peak_seen(self):
            return self.peak

    return Busy


def test_async_actor_respects_max_concurrency(ray):
    a = _busy(0.03).options(max_concurrency=3).remote()
    assert rustyray.get([a.work.remote() for _ in range(12)], timeout=T) == [True] * 12
    assert 1 <= rustyray.get(a.peak_seen.remote(), timeout=T) <= 3


def test_async_actor_default_concurrency_is_high(ray):
    a = _busy(0.2).remote()
    assert rustyray.get([a.work.remote() for _ in range(100)], timeout=T) == [True] * 100
    assert rustyray.get(a.peak_seen.remote(), timeout=T) > 50


def test_async_actor_killed(ray):
    from rustyray.exceptions import ActorDiedError

    a = EventActor.remote()
    assert rustyray.get(a.sync_method.remote(0), timeout=T) == 1
    rustyray.kill(a)
    with pytest.raises(ActorDiedError):
        rustyray.get(a.sync_method.remote(0), timeout=T)
