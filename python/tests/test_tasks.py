"""Remote functions: submission, arguments, options, direct calls, retries."""

import threading
import time

import pytest

import rustyray
from rustyray.exceptions import RayError, RayTaskError

T = 10.0


@rustyray.remote
def add(x, y):
    return x + y


@rustyray.remote
def add_with_default(x, y=10, *, z=100):
    return x + y + z


@rustyray.remote
def echo_args(*args, **kwargs):
    return args, kwargs


@rustyray.remote
def square(x):
    return x * x


@rustyray.remote
def nothing():
    return None


@rustyray.remote(num_cpus=1)
def with_options(x):
    return ("opts", x)


@rustyray.remote
def sleep_then(seconds, value):
    time.sleep(seconds)
    return value


def test_remote_returns_object_ref(ray):
    ref = add.remote(1, 2)
    assert isinstance(ref, rustyray.ObjectRef)
    assert rustyray.get(ref, timeout=T) == 3


def test_positional_keyword_and_default_arguments(ray):
    assert rustyray.get(add.remote(1, y=2), timeout=T) == 3
    assert rustyray.get(add.remote(x=1, y=2), timeout=T) == 3
    assert rustyray.get(add_with_default.remote(1), timeout=T) == 111
    assert rustyray.get(add_with_default.remote(1, 2), timeout=T) == 103
    assert rustyray.get(add_with_default.remote(1, z=0), timeout=T) == 11
    assert rustyray.get(echo_args.remote(), timeout=T) == ((), {})
    assert rustyray.get(echo_args.remote(1, "a", k=None), timeout=T) == ((1, "a"), {"k": None})


def test_wrong_arguments_raise_type_error(ray):
    # Raised at submission (as Ray checks the signature) or by get (the call failed in
    # the task: a RayTaskError that is also a TypeError): either way a TypeError.
    with pytest.raises(TypeError):
        rustyray.get(add.remote(1), timeout=T)


def test_many_tasks(ray):
    refs = [square.remote(i) for i in range(200)]
    assert rustyray.get(refs, timeout=T) == [i * i for i in range(200)]


def test_various_return_values(ray):
    assert rustyray.get(nothing.remote(), timeout=T) is None
    big = list(range(100_000))
    assert rustyray.get(add.remote(big, [1]), timeout=T) == big + [1]
    assert rustyray.get(add.remote((1,), (2,)), timeout=T) == (1, 2)
    assert rustyray.get(add.remote(b"o", b"k"), timeout=T) == b"ok"


def test_results_in_input_order_even_when_finishing_out_of_order(ray):
    refs = [sleep_then.remote(0.02 * (4 - i), i) for i in range(5)]
    assert rustyray.get(refs, timeout=T) == [0, 1, 2, 3, 4]


def test_decorator_with_arguments(ray):
    assert rustyray.get(with_options.remote(3), timeout=T) == ("opts", 3)


def test_options_returns_something_with_remote(ray):
    opt = add.options(num_cpus=1, max_retries=0)
    assert hasattr(opt, "remote")
    assert rustyray.get(opt.remote(2, 3), timeout=T) == 5
    # the original is unaffected and still works
    assert rustyray.get(add.remote(4, 5), timeout=T) == 9
    # options can be chained off a decorated-with-arguments function too
    assert rustyray.get(with_options.options(num_cpus=1).remote(1), timeout=T) == ("opts", 1)


def test_direct_call_is_a_type_error(ray):
    with pytest.raises(TypeError):
        add(1, 2)
    with pytest.raises(TypeError):
        with_options(1)


def test_direct_call_is_a_type_error_without_init():
    with pytest.raises(TypeError):
        square(3)


def test_two_tasks_run_in_parallel_with_two_cpus(ray):
    barrier = threading.Barrier(2, timeout=5)

    @rustyray.remote
    def meet(i):
        barrier.wait()
        return i

    refs = [meet.remote(0), meet.remote(1)]
    assert rustyray.get(refs, timeout=T) == [0, 1]


def test_task_can_call_plain_python_and_see_module_state(ray):
    seen = []
    lock = threading.Lock()

    @rustyray.remote
    def record(i):
        with lock:
            seen.append(i)
        return i

    rustyray.get([record.remote(i) for i in range(50)], timeout=T)
    assert sorted(seen) == list(range(50))


# ---------------------------------------------------------------------------------------
# Arguments that are ObjectRefs
# ---------------------------------------------------------------------------------------


def test_top_level_ref_argument_is_resolved(ray):
    seen = []

    @rustyray.remote
    def f(a, b=None):
        seen.append((a, b))
        return a if b is None else a + b

    assert rustyray.get(f.remote(rustyray.put(3)), timeout=T) == 3
    assert rustyray.get(f.remote(1, b=rustyray.put(3)), timeout=T) == 4
    assert rustyray.get(f.remote(a=rustyray.put(3)), timeout=T) == 3
    assert seen == [(3, None), (1, 3), (3, None)]
    assert not any(isinstance(v, rustyray.ObjectRef) for pair in seen for v in pair)


def test_task_result_ref_as_argument(ray):
    r = add.remote(1, 2)
    s = add.remote(r, 39)
    assert rustyray.get(s, timeout=T) == 42
    t = add.remote(x=s, y=r)
    assert rustyray.get(t, timeout=T) == 45


def test_ref_to_pending_task_is_awaited_before_running(ray, gate):
    release = gate()

    @rustyray.remote
    def slow():
        assert release.wait(T)
        return 5

    ran = []

    @rustyray.remote
    def after(x):
        ran.append(x)
        return x + 1

    dep = slow.remote()
    out = after.remote(dep)
    time.sleep(0.1)
    assert ran == []  # cannot have run: its argument is not ready
    release.set()
    assert rustyray.get(out, timeout=T) == 6
    assert ran == [5]


def test_refs_nested_in_containers_are_passed_as_refs(ray):
    @rustyray.remote
    def look(items, mapping=None):
        inner = items[0]
        result = [isinstance(inner, rustyray.ObjectRef), rustyray.get(inner, timeout=T)]
        if mapping is not None:
            v = mapping["k"]
            result += [isinstance(v, rustyray.ObjectRef), rustyray.get(v, timeout=T)]
        return result

    assert rustyray.get(look.remote([rustyray.put(3)]), timeout=T) == [True, 3]
    assert rustyray.get(
        look.remote((rustyray.put(1),), mapping={"k": rustyray.put(2)}), timeout=T
    ) == [True, 1, True, 2]


def test_nested_ref_to_a_task_result(ray):
    @rustyray.remote
    def unwrap(box):
        return rustyray.get(box["ref"], timeout=T) * 2

    assert rustyray.get(unwrap.remote({"ref": add.remote(2, 3)}), timeout=T) == 10


def test_failed_dependency_skips_the_task(ray):
    ran = []

    @rustyray.remote
    def fail():
        raise ValueError("dependency broke")

    @rustyray.remote
    def consumer(x):
        ran.append(x)
        return x

    bad = fail.remote()
    out = consumer.remote(bad)
    with pytest.raises(RayTaskError) as info:
        rustyray.get(out, timeout=T)
    assert isinstance(info.value, ValueError)
    assert "dependency broke" in str(info.value)
    # also through a keyword argument
    out2 = consumer.remote(x=bad)
    with pytest.raises(ValueError):
        rustyray.get(out2, timeout=T)
    assert ran == []


# ---------------------------------------------------------------------------------------
# Retries
# ---------------------------------------------------------------------------------------


class Flaky:
    """Counts attempts; ``fn`` raises ``exc`` on the first ``failures`` attempts.

    ``fn`` is a plain function (what ``@remote`` takes); the count is shared state the
    task updates in-process."""

    def __init__(self, failures, exc=ValueError):
        self.attempts = 0
        lock = threading.Lock()

        def fn(value):
            with lock:
                self.attempts += 1
                attempt = self.attempts
            if attempt <= failures:
                raise exc(f"attempt {attempt} fails")
            return value

        self.fn = fn


def test_retry_succeeds_within_max_retries(ray):
    flaky = Flaky(failures=2)
    f = rustyray.remote(max_retries=2, retry_exceptions=True)(flaky.fn)
    assert rustyray.get(f.remote("done"), timeout=T) == "done"
    assert flaky.attempts == 3


def test_retry_exhausted_raises(ray):
    flaky = Flaky(failures=2)
    f = rustyray.remote(max_retries=1, retry_exceptions=True)(flaky.fn)
    with pytest.raises(ValueError) as info:
        rustyray.get(f.remote("done"), timeout=T)
    assert isinstance(info.value, RayTaskError)
    assert "attempt 2 fails" in str(info.value)
    assert flaky.attempts == 2


def test_retry_decorator_form_on_def(ray):
    attempts = []
    lock = threading.Lock()

    @rustyray.remote(max_retries=2, retry_exceptions=True)
    def f():
        with lock:
            attempts.append(1)
            n = len(attempts)
        if n < 3:
            raise RuntimeError("not yet")
        return n

    assert rustyray.get(f.remote(), timeout=T) == 3


def test_default_max_retries_is_three_with_retry_exceptions(ray):
    ok = Flaky(failures=3)
    f = rustyray.remote(retry_exceptions=True)(ok.fn)
    assert rustyray.get(f.remote(1), timeout=T) == 1
    assert ok.attempts == 4

    never = Flaky(failures=100)
    g = rustyray.remote(retry_exceptions=True)(never.fn)
    with pytest.raises(ValueError):
        rustyray.get(g.remote(1), timeout=T)
    assert never.attempts == 4


def test_application_errors_not_retried_without_retry_exceptions(ray):
    flaky = Flaky(failures=1)
    f = rustyray.remote(flaky.fn)
    with pytest.raises(ValueError):
        rustyray.get(f.remote(1), timeout=T)
    assert flaky.attempts == 1

    flaky2 = Flaky(failures=1)
    g = rustyray.remote(max_retries=5)(flaky2.fn)
    with pytest.raises(ValueError):
        rustyray.get(g.remote(1), timeout=T)
    assert flaky2.attempts == 1


def test_retry_exceptions_list_only_retries_listed_classes(ray):
    key = Flaky(failures=1, exc=KeyError)
    f = rustyray.remote(max_retries=3, retry_exceptions=[ValueError])(key.fn)
    with pytest.raises(KeyError):
        rustyray.get(f.remote(1), timeout=T)
    assert key.attempts == 1

    val = Flaky(failures=2, exc=ValueError)
    g = rustyray.remote(max_retries=3, retry_exceptions=[ValueError])(val.fn)
    assert rustyray.get(g.remote(7), timeout=T) == 7
    assert val.attempts == 3


def test_retry_exceptions_list_matches_subclasses(ray):
    class MyValueError(ValueError):
        pass

    sub = Flaky(failures=1, exc=MyValueError)
    f = rustyray.remote(max_retries=3, retry_exceptions=[ValueError])(sub.fn)
    assert rustyray.get(f.remote(8), timeout=T) == 8
    assert sub.attempts == 2


def test_max_retries_zero_with_retry_exceptions(ray):
    flaky = Flaky(failures=1)
    f = rustyray.remote(max_retries=0, retry_exceptions=True)(flaky.fn)
    with pytest.raises(ValueError):
        rustyray.get(f.remote(1), timeout=T)
    assert flaky.attempts == 1


def test_retry_options_via_options(ray):
    flaky = Flaky(failures=2)
    f = rustyray.remote(flaky.fn)
    with pytest.raises(ValueError):
        rustyray.get(f.remote(1), timeout=T)
    assert flaky.attempts == 1
    # attempt 2 fails, attempt 3 succeeds
    g = f.options(max_retries=1, retry_exceptions=True)
    assert rustyray.get(g.remote(2), timeout=T) == 2
    assert flaky.attempts == 3


def test_task_error_is_a_ray_error(ray):
    @rustyray.remote
    def boom():
        raise RuntimeError("x")

    with pytest.raises(RayError):
        rustyray.get(boom.remote(), timeout=T)
