"""Tasks that submit and wait on tasks; long chains of dependent tasks."""

import time

import pytest

import rustyray
from rustyray.exceptions import RayTaskError

T = 20.0


@rustyray.remote
def inc(x):
    return x + 1


@rustyray.remote
def leaf(i):
    return i * i


@rustyray.remote
def parent(n):
    return sum(rustyray.get([leaf.remote(i) for i in range(n)], timeout=T))


@rustyray.remote
def grandparent(n):
    return rustyray.get([parent.remote(k) for k in range(n)], timeout=T)


@rustyray.remote
def fib(n):
    if n < 2:
        return n
    a, b = fib.remote(n - 1), fib.remote(n - 2)
    return rustyray.get(a, timeout=T) + rustyray.get(b, timeout=T)


@rustyray.remote
def fib_list_get(n):
    if n < 2:
        return n
    return sum(rustyray.get([fib_list_get.remote(n - 1), fib_list_get.remote(n - 2)], timeout=T))


def _sum_squares(n):
    return sum(i * i for i in range(n))


def test_nested_get_one_cpu(ray1):
    assert rustyray.get(parent.remote(10), timeout=T) == _sum_squares(10)


def test_nested_get_two_levels_one_cpu(ray1):
    assert rustyray.get(grandparent.remote(6), timeout=T) == [_sum_squares(k) for k in range(6)]


def test_several_parents_at_once_one_cpu(ray1):
    refs = [parent.remote(8) for _ in range(6)]
    assert rustyray.get(refs, timeout=T) == [_sum_squares(8)] * 6


def test_nested_get_single_subtask_one_cpu(ray1):
    @rustyray.remote
    def outer(x):
        return rustyray.get(inc.remote(x), timeout=T) * 10

    assert rustyray.get(outer.remote(1), timeout=T) == 20


def test_nested_subtask_that_sleeps_one_cpu(ray1):
    @rustyray.remote
    def slow_leaf():
        time.sleep(0.05)
        return "leaf"

    @rustyray.remote
    def outer():
        return rustyray.get([slow_leaf.remote() for _ in range(3)], timeout=T)

    assert rustyray.get(outer.remote(), timeout=T) == ["leaf"] * 3


def test_recursive_fib_two_cpus(ray):
    assert rustyray.get(fib.remote(12), timeout=T) == 144


def test_recursive_fib_list_get_two_cpus(ray):
    assert rustyray.get(fib_list_get.remote(10), timeout=T) == 55


def test_recursive_fib_one_cpu(ray1):
    assert rustyray.get(fib.remote(8), timeout=T) == 21


def test_chain_of_1000(ray):
    x = 0
    for _ in range(1000):
        x = inc.remote(x)
    assert rustyray.get(x, timeout=T) == 1000


def test_chain_of_1000_one_cpu(ray1):
    x = rustyray.put(0)
    for _ in range(1000):
        x = inc.remote(x)
    assert rustyray.get(x, timeout=T) == 1000


def test_chain_keeping_every_ref(ray):
    refs = [inc.remote(0)]
    for _ in range(299):
        refs.append(inc.remote(refs[-1]))
    assert rustyray.get(refs, timeout=T) == list(range(1, 301))


def test_wide_fan_in(ray):
    @rustyray.remote
    def total(*xs):
        return sum(xs)

    parts = [inc.remote(i) for i in range(200)]
    assert rustyray.get(total.remote(*parts), timeout=T) == sum(range(1, 201))


def test_chain_with_a_failure_in_the_middle(ray):
    @rustyray.remote
    def maybe_fail(x):
        if x == 50:
            raise ValueError("link 50 broke")
        return x + 1

    ran_after = []

    @rustyray.remote
    def after(x):
        ran_after.append(x)
        return x + 1

    x = 0
    for _ in range(100):
        x = maybe_fail.remote(x)
    y = after.remote(x)
    with pytest.raises(ValueError) as info:
        rustyray.get(y, timeout=T)
    assert isinstance(info.value, RayTaskError)
    assert "link 50 broke" in str(info.value)
    assert ran_after == []


def test_actor_method_submits_and_gets_tasks_one_cpu(ray1):
    @rustyray.remote
    class Driver:
        def run(self, n):
            return rustyray.get([inc.remote(i) for i in range(n)], timeout=T)

    d = Driver.remote()
    assert rustyray.get(d.run.remote(5), timeout=T) == [1, 2, 3, 4, 5]


def test_task_calls_actor_that_calls_task_one_cpu(ray1):
    @rustyray.remote
    class Middle:
        def work(self, x):
            return rustyray.get(inc.remote(x), timeout=T)

    @rustyray.remote
    def top(m, x):
        return rustyray.get(m.work.remote(x), timeout=T) + 100

    m = Middle.remote()
    assert rustyray.get(top.remote(m, 1), timeout=T) == 102
