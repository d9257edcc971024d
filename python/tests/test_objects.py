"""put / get / wait: values, identity, timeouts, argument checks."""

import threading
import time

import pytest

import rustyray
from rustyray.exceptions import GetTimeoutError, RayError, RayTaskError

T = 10.0


@rustyray.remote
def identity(x):
    return x


@rustyray.remote
def wait_on(ev, value=None):
    assert ev.wait(T), "gate never opened"
    return value


@rustyray.remote
def sleep_then(seconds, value):
    time.sleep(seconds)
    return value


def _same(a, b):
    return a is b or a == b


def _index(refs, ref):
    hits = [i for i, r in enumerate(refs) if _same(r, ref)]
    assert len(hits) == 1, "a returned ref is not exactly one of the inputs"
    return hits[0]


def _check_partition(refs, ready, not_ready):
    """Every input appears in exactly one list; each list keeps the input order."""
    assert isinstance(ready, list) and isinstance(not_ready, list)
    ready_idx = [_index(refs, r) for r in ready]
    not_ready_idx = [_index(refs, r) for r in not_ready]
    assert sorted(ready_idx + not_ready_idx) == list(range(len(refs)))
    assert ready_idx == sorted(ready_idx)
    assert not_ready_idx == sorted(not_ready_idx)
    return ready_idx, not_ready_idx


# ---------------------------------------------------------------------------------------
# put / get
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [0, -1, 3.5, "text", b"bytes", None, True, [1, [2]], {"a": (1, 2)}, {1, 2}]
)
def test_put_get_roundtrip(ray, value):
    ref = rustyray.put(value)
    assert isinstance(ref, rustyray.ObjectRef)
    assert rustyray.get(ref, timeout=T) == value


def test_get_of_put_is_the_same_object(ray):
    for value in [object(), [1, 2, 3], {"k": "v"}, 10**100]:
        assert rustyray.get(rustyray.put(value), timeout=T) is value


def test_get_same_ref_twice_gives_same_object(ray):
    value = ["x"]
    ref = rustyray.put(value)
    assert rustyray.get(ref, timeout=T) is rustyray.get(ref, timeout=T)


def test_put_same_value_twice(ray):
    value = {"v": 1}
    r1, r2 = rustyray.put(value), rustyray.put(value)
    assert rustyray.get(r1, timeout=T) is value
    assert rustyray.get(r2, timeout=T) is value


def test_unpicklable_values_can_be_put(ray):
    fn = lambda x: x + 1  # noqa: E731
    lock = threading.Lock()
    assert rustyray.get(rustyray.put(fn), timeout=T) is fn
    assert rustyray.get(rustyray.put(lock), timeout=T) is lock


def test_unpicklable_values_as_task_arguments_and_results(ray):
    fn = lambda x: x * 10  # noqa: E731
    lock = threading.Lock()
    assert rustyray.get(identity.remote(fn), timeout=T) is fn
    assert rustyray.get(identity.remote(lock), timeout=T) is lock
    assert rustyray.get(identity.remote(rustyray.put(lock)), timeout=T) is lock

    @rustyray.remote
    def make_closure(k):
        return lambda x: x + k

    f = rustyray.get(make_closure.remote(5), timeout=T)
    assert f(1) == 6

    @rustyray.remote
    def use_lock(lk):
        with lk:
            return "locked"

    assert rustyray.get(use_lock.remote(lock), timeout=T) == "locked"


def test_task_receives_the_very_same_object(ray):
    value = object()
    seen = []

    @rustyray.remote
    def record(x, y=None):
        seen.append((x, y))
        return x

    assert rustyray.get(record.remote(value), timeout=T) is value
    assert rustyray.get(record.remote(rustyray.put(value)), timeout=T) is value
    assert rustyray.get(record.remote(1, y=rustyray.put(value)), timeout=T) == 1
    assert seen[0][0] is value and seen[1][0] is value and seen[2][1] is value


def test_mutation_in_task_is_visible_to_caller(ray):
    # Same object in-process: no copy is made on the way in.
    box = []

    @rustyray.remote
    def fill(b):
        b.append(1)

    rustyray.get(fill.remote(box), timeout=T)
    assert box == [1]


def test_get_list_and_tuple(ray):
    refs = [rustyray.put(i) for i in range(5)]
    got = rustyray.get(refs, timeout=T)
    assert isinstance(got, list) and got == [0, 1, 2, 3, 4]
    got = rustyray.get(tuple(refs), timeout=T)
    assert isinstance(got, list) and got == [0, 1, 2, 3, 4]
    assert rustyray.get([], timeout=T) == []


def test_get_mixed_task_and_put_refs_in_order(ray):
    refs = [rustyray.put("a"), sleep_then.remote(0.05, "b"), identity.remote("c")]
    assert rustyray.get(refs, timeout=T) == ["a", "b", "c"]


def test_get_without_timeout(ray):
    assert rustyray.get(identity.remote(3)) == 3
    assert rustyray.get([identity.remote(3)]) == [3]


def test_get_timeout_zero_on_pending_ref(ray, gate):
    ev = gate()
    ref = wait_on.remote(ev, "late")
    with pytest.raises(GetTimeoutError) as info:
        rustyray.get(ref, timeout=0)
    assert isinstance(info.value, TimeoutError)
    assert isinstance(info.value, RayError)
    ev.set()
    assert rustyray.get(ref, timeout=T) == "late"


def test_get_timeout_is_builtin_timeout_error(ray, gate):
    ev = gate()
    ref = wait_on.remote(ev)
    with pytest.raises(TimeoutError):
        rustyray.get(ref, timeout=0)


def test_get_short_timeout_waits_about_that_long(ray, gate):
    ev = gate()
    ref = wait_on.remote(ev)
    start = time.monotonic()
    with pytest.raises(GetTimeoutError):
        rustyray.get(ref, timeout=0.2)
    elapsed = time.monotonic() - start
    assert 0.15 <= elapsed < 5.0


def test_get_timeout_on_list_with_one_pending(ray, gate):
    ev = gate()
    refs = [rustyray.put(1), wait_on.remote(ev, 2)]
    with pytest.raises(GetTimeoutError):
        rustyray.get(refs, timeout=0.05)
    ev.set()
    assert rustyray.get(refs, timeout=T) == [1, 2]


def test_get_timeout_zero_on_ready_ref(ray):
    assert rustyray.get(rustyray.put(5), timeout=0) == 5
    ref = identity.remote(6)
    assert rustyray.get(ref, timeout=T) == 6
    assert rustyray.get(ref, timeout=0) == 6


@pytest.mark.parametrize("bad", [1, "ref", None, 2.0, object()])
def test_get_non_object_ref_is_type_error(ray, bad):
    with pytest.raises(TypeError):
        rustyray.get(bad)


def test_get_list_with_non_object_ref_is_type_error(ray):
    with pytest.raises(TypeError):
        rustyray.get([rustyray.put(1), 2])
    with pytest.raises(TypeError):
        rustyray.get([3])


def test_put_object_ref_is_type_error(ray):
    ref = rustyray.put(1)
    with pytest.raises(TypeError):
        rustyray.put(ref)
    with pytest.raises(TypeError):
        rustyray.put(identity.remote(1))


def test_put_container_of_refs_is_fine(ray):
    inner = rustyray.put(1)
    outer = rustyray.put([inner])
    got = rustyray.get(outer, timeout=T)
    assert isinstance(got[0], rustyray.ObjectRef)
    assert rustyray.get(got[0], timeout=T) == 1


def test_get_raises_task_error_for_list_with_failure(ray):
    @rustyray.remote
    def fail():
        raise KeyError("missing")

    with pytest.raises(RayTaskError):
        rustyray.get([rustyray.put(1), fail.remote()], timeout=T)


def test_get_with_duplicate_refs(ray):
    ref = rustyray.put("d")
    assert rustyray.get([ref, ref], timeout=T) == ["d", "d"]


# ---------------------------------------------------------------------------------------
# wait
# ---------------------------------------------------------------------------------------


def test_wait_all_ready(ray):
    refs = [rustyray.put(i) for i in range(3)]
    ready, not_ready = rustyray.wait(refs, num_returns=3, timeout=T)
    _check_partition(refs, ready, not_ready)
    assert len(ready) == 3 and not_ready == []


def test_wait_default_num_returns_is_one(ray, gate):
    ev = gate()
    refs = [wait_on.remote(ev, 0), rustyray.put(1), wait_on.remote(ev, 2)]
    ready, not_ready = rustyray.wait(refs, timeout=T)
    ready_idx, not_ready_idx = _check_partition(refs, ready, not_ready)
    assert ready_idx == [1]
    assert not_ready_idx == [0, 2]


def test_wait_without_timeout(ray):
    refs = [identity.remote(i) for i in range(4)]
    ready, not_ready = rustyray.wait(refs, num_returns=4)
    _check_partition(refs, ready, not_ready)
    assert len(ready) == 4


def test_wait_keeps_input_order(ray, gate):
    ev = gate()
    refs = [
        rustyray.put(0),
        wait_on.remote(ev, 1),
        rustyray.put(2),
        wait_on.remote(ev, 3),
        rustyray.put(4),
    ]
    ready, not_ready = rustyray.wait(refs, num_returns=3, timeout=T)
    ready_idx, not_ready_idx = _check_partition(refs, ready, not_ready)
    assert ready_idx == [0, 2, 4]
    assert not_ready_idx == [1, 3]
    assert rustyray.get(ready, timeout=T) == [0, 2, 4]


def test_wait_returns_exactly_num_returns_when_more_are_ready(ray):
    refs = [rustyray.put(i) for i in range(5)]
    ready, not_ready = rustyray.wait(refs, num_returns=2, timeout=T)
    _check_partition(refs, ready, not_ready)
    assert len(ready) == 2
    assert len(not_ready) == 3


def test_wait_for_tasks_finishing_out_of_order(ray):
    refs = [sleep_then.remote(0.3, "slow"), sleep_then.remote(0.0, "fast")]
    ready, not_ready = rustyray.wait(refs, num_returns=1, timeout=T)
    ready_idx, not_ready_idx = _check_partition(refs, ready, not_ready)
    assert ready_idx == [1]
    assert rustyray.get(ready[0], timeout=T) == "fast"
    ready, not_ready = rustyray.wait(refs, num_returns=2, timeout=T)
    assert len(ready) == 2 and not_ready == []


def test_wait_timeout_expires_with_fewer_ready(ray, gate):
    ev = gate()
    refs = [rustyray.put(0), wait_on.remote(ev, 1), wait_on.remote(ev, 2)]
    start = time.monotonic()
    ready, not_ready = rustyray.wait(refs, num_returns=2, timeout=0.2)
    elapsed = time.monotonic() - start
    ready_idx, not_ready_idx = _check_partition(refs, ready, not_ready)
    assert ready_idx == [0]
    assert not_ready_idx == [1, 2]
    assert 0.15 <= elapsed < 5.0


def test_wait_timeout_zero(ray, gate):
    ev = gate()
    refs = [wait_on.remote(ev, 0), rustyray.put(1)]
    ready, not_ready = rustyray.wait(refs, num_returns=2, timeout=0)
    ready_idx, not_ready_idx = _check_partition(refs, ready, not_ready)
    assert ready_idx == [1]
    assert not_ready_idx == [0]


def test_wait_nothing_ready_before_timeout(ray, gate):
    ev = gate()
    refs = [wait_on.remote(ev, 0), wait_on.remote(ev, 1)]
    ready, not_ready = rustyray.wait(refs, timeout=0.05)
    _check_partition(refs, ready, not_ready)
    assert ready == [] and len(not_ready) == 2
    ev.set()
    ready, not_ready = rustyray.wait(refs, num_returns=2, timeout=T)
    assert len(ready) == 2 and not_ready == []


def test_wait_counts_failed_tasks_as_ready(ray, gate):
    ev = gate()

    @rustyray.remote
    def fail():
        raise ValueError("no")

    refs = [wait_on.remote(ev), fail.remote()]
    ready, not_ready = rustyray.wait(refs, num_returns=1, timeout=T)
    ready_idx, _ = _check_partition(refs, ready, not_ready)
    assert ready_idx == [1]
    with pytest.raises(ValueError):
        rustyray.get(ready[0], timeout=T)


def test_wait_num_returns_more_than_refs_is_value_error(ray):
    refs = [rustyray.put(1), rustyray.put(2)]
    with pytest.raises(ValueError):
        rustyray.wait(refs, num_returns=3)
    with pytest.raises(ValueError):
        rustyray.wait(refs, num_returns=3, timeout=0)


def test_wait_duplicate_refs_is_value_error(ray):
    ref = rustyray.put(1)
    with pytest.raises(ValueError):
        rustyray.wait([ref, ref], num_returns=1, timeout=0)
    with pytest.raises(ValueError):
        rustyray.wait([ref, rustyray.put(2), ref], num_returns=1, timeout=0)


@pytest.mark.parametrize("bad", ["ref", 1, None])
def test_wait_non_list_is_type_error(ray, bad):
    with pytest.raises(TypeError):
        rustyray.wait(bad)


def test_wait_single_ref_not_in_list_is_type_error(ray):
    with pytest.raises(TypeError):
        rustyray.wait(rustyray.put(1))


def test_wait_does_not_consume_refs(ray):
    refs = [identity.remote(i) for i in range(3)]
    ready, _ = rustyray.wait(refs, num_returns=3, timeout=T)
    assert rustyray.get(refs, timeout=T) == [0, 1, 2]
    assert rustyray.get(ready, timeout=T) == [0, 1, 2]
