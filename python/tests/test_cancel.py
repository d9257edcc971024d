"""rustyray.cancel: queued tasks, running tasks, finished tasks, queued actor calls."""

import threading
import time

import pytest

import rustyray
from rustyray.exceptions import RayError, TaskCancelledError

T = 10.0


@rustyray.remote
def block(started, release, value="blocker"):
    started.set()
    assert release.wait(T), "gate never opened"
    return value


@rustyray.remote
def spin(started, seconds=10.0):
    """Busy in pure Python until cancelled (or until the deadline, so a bug can't hang)."""
    started.set()
    deadline = time.monotonic() + seconds
    x = 0
    while time.monotonic() < deadline:
        x += 1
    return x


@rustyray.remote
def quick(x):
    return x


def test_cancel_queued_task(ray1, gate):
    started, release = threading.Event(), gate()
    ran = []

    @rustyray.remote
    def queued():
        ran.append(1)
        return "ran"

    first = block.remote(started, release)
    assert started.wait(T)
    second = queued.remote()  # one CPU, held by `first`: this one waits in the queue
    rustyray.cancel(second)
    release.set()
    assert rustyray.get(first, timeout=T) == "blocker"
    with pytest.raises(TaskCancelledError) as info:
        rustyray.get(second, timeout=T)
    assert isinstance(info.value, RayError)
    assert ran == []
    # the runtime keeps working
    assert rustyray.get(quick.remote(5), timeout=T) == 5


def test_cancel_queued_task_get_before_release(ray1, gate):
    started, release = threading.Event(), gate()
    first = block.remote(started, release)
    assert started.wait(T)
    second = quick.remote("never")
    rustyray.cancel(second)
    # The cancellation is visible right away, without waiting for the CPU to free up.
    with pytest.raises(TaskCancelledError):
        rustyray.get(second, timeout=T)
    release.set()
    assert rustyray.get(first, timeout=T) == "blocker"


def test_cancel_running_python_loop(ray):
    started = threading.Event()
    ref = spin.remote(started)
    assert started.wait(T)
    time.sleep(0.05)  # well inside the loop
    t0 = time.monotonic()
    rustyray.cancel(ref)
    with pytest.raises(TaskCancelledError):
        rustyray.get(ref, timeout=15)
    assert time.monotonic() - t0 < 5.0


def test_cpu_is_usable_after_cancelling_a_running_task(ray1):
    started = threading.Event()
    ref = spin.remote(started)
    assert started.wait(T)
    rustyray.cancel(ref)
    with pytest.raises(TaskCancelledError):
        rustyray.get(ref, timeout=15)
    t0 = time.monotonic()
    assert rustyray.get(quick.remote("after"), timeout=T) == "after"
    assert time.monotonic() - t0 < 5.0


def test_cancel_finished_task_changes_nothing(ray):
    ref = quick.remote(7)
    assert rustyray.get(ref, timeout=T) == 7
    rustyray.cancel(ref)
    assert rustyray.get(ref, timeout=T) == 7


def test_cancel_finished_but_not_yet_fetched(ray):
    ref = quick.remote(8)
    ready, _ = rustyray.wait([ref], timeout=T)
    assert len(ready) == 1
    rustyray.cancel(ref)
    assert rustyray.get(ref, timeout=T) == 8


def test_cancel_failed_task_keeps_its_error(ray):
    @rustyray.remote
    def fail():
        raise KeyError("k")

    ref = fail.remote()
    rustyray.wait([ref], timeout=T)
    rustyray.cancel(ref)
    with pytest.raises(KeyError):
        rustyray.get(ref, timeout=T)


def test_cancel_twice(ray1, gate):
    started, release = threading.Event(), gate()
    first = block.remote(started, release)
    assert started.wait(T)
    second = quick.remote(1)
    rustyray.cancel(second)
    rustyray.cancel(second)
    release.set()
    with pytest.raises(TaskCancelledError):
        rustyray.get(second, timeout=T)
    assert rustyray.get(first, timeout=T) == "blocker"


def test_cancelled_task_is_ready_for_wait(ray1, gate):
    started, release = threading.Event(), gate()
    first = block.remote(started, release)
    assert started.wait(T)
    second = quick.remote(1)
    rustyray.cancel(second)
    ready, not_ready = rustyray.wait([first, second], num_returns=1, timeout=T)
    assert len(ready) == 1 and len(not_ready) == 1
    assert ready[0] is second or ready[0] == second
    release.set()


def test_cancel_queued_actor_call(ray, gate):
    started, release = threading.Event(), gate()

    @rustyray.remote
    class Worker:
        def __init__(self):
            self.marks = []

        def hold(self):
            started.set()
            assert release.wait(T)
            return "held"

        def mark(self, x):
            self.marks.append(x)
            return x

        def read(self):
            return list(self.marks)

    w = Worker.remote()
    held = w.hold.remote()
    assert started.wait(T)
    queued = w.mark.remote("cancelled")
    rustyray.cancel(queued)
    release.set()
    assert rustyray.get(held, timeout=T) == "held"
    with pytest.raises(TaskCancelledError):
        rustyray.get(queued, timeout=T)
    # the actor is alive; later calls still run in order
    assert rustyray.get(w.mark.remote("after"), timeout=T) == "after"
    assert rustyray.get(w.read.remote(), timeout=T) == ["after"]
