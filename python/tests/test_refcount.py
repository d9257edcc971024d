"""Objects are freed when the last ObjectRef to them goes, and not before."""

import gc
import threading
import time
import weakref

import rustyray

T = 10.0


class Big:
    """A weakref-able stand-in for a large object."""

    def __init__(self, tag=0):
        self.tag = tag
        self.payload = bytearray(1024)


def alive(wr):
    gc.collect()
    return wr() is not None


def freed(wr, within=2.0):
    """True once the referent is gone; polls a little in case freeing is deferred."""
    deadline = time.monotonic() + within
    while True:
        gc.collect()
        if wr() is None:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)


@rustyray.remote
def make_big(tag=0):
    return Big(tag)


@rustyray.remote
def tag_of(obj, *deps):
    return obj.tag


@rustyray.remote
def wait_on(ev, value=None):
    assert ev.wait(T), "gate never opened"
    return value


def test_put_object_freed_when_last_ref_goes(ray):
    obj = Big()
    wr = weakref.ref(obj)
    r = rustyray.put(obj)
    del obj
    assert alive(wr), "the store must keep a put object alive while its ref lives"
    del r
    assert freed(wr), "the object outlived its last ref"


def test_copies_of_a_ref_keep_it_alive(ray):
    obj = Big()
    wr = weakref.ref(obj)
    r = rustyray.put(obj)
    del obj
    refs = [r, r]
    r2 = refs[0]
    del r
    assert alive(wr)
    del refs
    assert alive(wr)
    del r2
    assert freed(wr)


def test_two_puts_of_one_object(ray):
    obj = Big()
    wr = weakref.ref(obj)
    r1, r2 = rustyray.put(obj), rustyray.put(obj)
    del obj
    del r1
    assert alive(wr)
    assert rustyray.get(r2, timeout=T).tag == 0
    del r2
    assert freed(wr)


def test_get_result_does_not_pin_the_object(ray):
    obj = Big()
    wr = weakref.ref(obj)
    r = rustyray.put(obj)
    del obj
    for _ in range(3):
        assert rustyray.get(r, timeout=T).tag == 0
    del r
    assert freed(wr)


def test_task_result_freed_when_ref_dropped(ray):
    r = make_big.remote(5)
    value = rustyray.get(r, timeout=T)
    assert value.tag == 5
    wr = weakref.ref(value)
    del value
    assert alive(wr), "the result must stay in the store while its ref lives"
    assert rustyray.get(r, timeout=T).tag == 5
    del r
    assert freed(wr)


def test_task_result_freed_when_ref_dropped_before_completion(ray, gate):
    ev = gate()
    made = []

    @rustyray.remote
    def make_later():
        assert ev.wait(T)
        obj = Big(1)
        made.append(weakref.ref(obj))
        return obj

    r = make_later.remote()
    del r
    ev.set()
    deadline = time.monotonic() + T
    while not made and time.monotonic() < deadline:
        time.sleep(0.01)
    assert made, "the task never ran"
    assert freed(made[0], within=5.0)


def test_many_objects_are_all_freed(ray):
    refs, wrs = [], []
    for i in range(500):
        obj = Big(i)
        wrs.append(weakref.ref(obj))
        refs.append(rustyray.put(obj))
    del obj
    assert [rustyray.get(r, timeout=T).tag for r in refs[:5]] == [0, 1, 2, 3, 4]
    del refs
    deadline = time.monotonic() + 2.0
    while any(w() is not None for w in wrs) and time.monotonic() < deadline:
        gc.collect()
        time.sleep(0.01)
    assert sum(w() is not None for w in wrs) == 0


def test_pending_task_keeps_its_argument_alive(ray, gate):
    ev = gate()
    blocker = wait_on.remote(ev, "go")  # `use` depends on this, so it cannot run yet
    obj = Big(42)
    wr = weakref.ref(obj)
    r = rustyray.put(obj)
    del obj
    use = tag_of.remote(r, blocker)
    del r
    assert alive(wr), "a pending task's argument was freed"
    time.sleep(0.05)
    assert alive(wr)
    ev.set()
    assert rustyray.get(use, timeout=T) == 42
    assert rustyray.get(blocker, timeout=T) == "go"
    del use
    assert freed(wr), "the argument outlived the task"


def test_queued_task_keeps_its_argument_alive(ray1, gate):
    started, release = threading.Event(), gate()

    @rustyray.remote
    def hold():
        started.set()
        assert release.wait(T)

    first = hold.remote()
    assert started.wait(T)
    obj = Big(7)
    wr = weakref.ref(obj)
    r = rustyray.put(obj)
    del obj
    queued = tag_of.remote(r)  # one CPU, held by `first`: queued
    del r
    assert alive(wr)
    release.set()
    assert rustyray.get(queued, timeout=T) == 7
    rustyray.get(first, timeout=T)
    del queued
    assert freed(wr)


def test_ref_inside_stored_container_keeps_object_alive(ray):
    obj = Big(3)
    wr = weakref.ref(obj)
    inner = rustyray.put(obj)
    del obj
    outer = rustyray.put([inner])
    del inner
    assert alive(wr)
    got = rustyray.get(outer, timeout=T)
    assert rustyray.get(got[0], timeout=T).tag == 3
    del got
    del outer
    assert freed(wr)


def test_chain_intermediate_results_are_freed(ray):
    made = []

    @rustyray.remote
    def step(prev):
        obj = Big(0 if prev is None else prev.tag + 1)
        made.append(weakref.ref(obj))
        return obj

    x = None
    for _ in range(20):
        x = step.remote(x)
    assert rustyray.get(x, timeout=T).tag == 19
    assert len(made) == 20
    # Only the last link has a live ref; all the others can go.
    deadline = time.monotonic() + 2.0
    while any(w() is not None for w in made[:-1]) and time.monotonic() < deadline:
        gc.collect()
        time.sleep(0.01)
    assert sum(w() is not None for w in made[:-1]) == 0
    assert alive(made[-1])
    del x
    assert freed(made[-1])
