"""get and wait release the GIL while they wait; many Python threads can use rustyray."""

import threading
import time

import pytest

import rustyray
from rustyray.exceptions import GetTimeoutError

T = 10.0


@rustyray.remote
def wait_on(started, ev, value=None):
    started.set()
    return value if ev.wait(5) else "gate never opened"


@rustyray.remote
def inc(x):
    return x + 1


class Counter(threading.Thread):
    """A pure-Python busy loop that records when it made progress."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.stamps = []

    def run(self):
        n = 0
        while not self.stop.is_set():
            n += 1
            if n % 1000 == 0:
                self.stamps.append(time.monotonic())

    def progress_between(self, t0, t1):
        return sum(1 for s in self.stamps if t0 <= s <= t1)

    def finish(self):
        self.stop.set()
        self.join(T)


def test_background_thread_unblocks_task_while_main_is_in_get(ray, gate):
    started, ev = threading.Event(), gate()
    ref = wait_on.remote(started, ev, "released")
    assert started.wait(T)  # the task runs on a worker, not inline in our get

    def release_later():
        total = 0
        for i in range(200_000):  # pure Python: needs the GIL
            total += i
        ev.set()

    t = threading.Thread(target=release_later, daemon=True)
    t.start()
    try:
        assert rustyray.get(ref, timeout=8) == "released"
    finally:
        ev.set()
        t.join(T)


def _progress_while_blocked(gate, block):
    """Runs ``block(ref)`` (which waits about 0.8 s on a held task) while a pure-Python
    thread counts; returns what ``block`` returned, the counter and the window."""
    started, ev = threading.Event(), gate()
    ref = wait_on.remote(started, ev)
    assert started.wait(T)
    counter = Counter()
    counter.start()
    try:
        time.sleep(0.05)
        t0 = time.monotonic()
        out = block(ref)
        t1 = time.monotonic()
    finally:
        counter.finish()
        ev.set()
    return out, counter, t0, t1


def test_background_thread_progresses_during_get_timeout(ray, gate):
    def get_times_out(ref):
        with pytest.raises(GetTimeoutError):
            rustyray.get(ref, timeout=0.8)

    _, counter, t0, t1 = _progress_while_blocked(gate, get_times_out)
    # progress well inside the window, not just around its edges
    assert counter.progress_between(t0 + 0.2, t1 - 0.2) > 0


def test_background_thread_progresses_during_wait(ray, gate):
    (ready, not_ready), counter, t0, t1 = _progress_while_blocked(gate, lambda ref: rustyray.wait([ref], timeout=0.8))
    assert ready == [] and len(not_ready) == 1
    assert counter.progress_between(t0 + 0.2, t1 - 0.2) > 0


def test_background_thread_unblocks_task_while_main_is_in_wait(ray, gate):
    started, ev = threading.Event(), gate()
    ref = wait_on.remote(started, ev, "released")
    assert started.wait(T)

    def release_later():
        total = 0
        for i in range(200_000):
            total += i
        ev.set()

    t = threading.Thread(target=release_later, daemon=True)
    t.start()
    try:
        ready, _ = rustyray.wait([ref], timeout=8)
        assert len(ready) == 1
        assert rustyray.get(ref, timeout=T) == "released"
    finally:
        ev.set()
        t.join(T)


def test_tasks_run_python_while_main_thread_is_blocked(ray):
    @rustyray.remote
    def python_work(n):
        total = 0
        for i in range(n):
            total += i
        return total

    refs = [python_work.remote(100_000) for _ in range(4)]
    assert rustyray.get(refs, timeout=T) == [sum(range(100_000))] * 4


def test_many_threads_submit_and_get(ray):
    errors = []
    results = {}

    def client(k):
        try:
            x = k
            for _ in range(50):
                x = rustyray.get(inc.remote(x), timeout=T)
            refs = [inc.remote(i) for i in range(20)]
            results[k] = (x, rustyray.get(refs, timeout=T))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads), "a client thread hung"
    assert errors == []
    for k in range(8):
        assert results[k] == (k + 50, list(range(1, 21)))


def test_many_threads_call_one_actor(ray):
    @rustyray.remote
    class Tally:
        def __init__(self):
            self.n = 0

        def add(self):
            self.n += 1
            return self.n

        def total(self):
            return self.n

    a = Tally.remote()
    errors = []

    def client():
        try:
            rustyray.get([a.add.remote() for _ in range(100)], timeout=T)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert rustyray.get(a.total.remote(), timeout=T) == 600


def test_put_and_get_from_threads(ray):
    errors = []

    def client(k):
        try:
            for i in range(200):
                v = (k, i)
                assert rustyray.get(rustyray.put(v), timeout=T) is v
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
