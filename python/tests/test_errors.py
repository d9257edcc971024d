"""rustyray.exceptions: the hierarchy, and how a task's exception reaches get."""

import os
import threading

import pytest

import rustyray
import rustyray.exceptions as rex
from rustyray.exceptions import (
    ActorDiedError,
    GetTimeoutError,
    ObjectLostError,
    RayActorError,
    RayError,
    RayTaskError,
    TaskCancelledError,
)

T = 10.0
THIS_FILE = os.path.basename(__file__)


class MyError(Exception):
    pass


class MyValueError(ValueError):
    pass


class TwoArgError(Exception):
    """An exception whose constructor needs two arguments."""

    def __init__(self, code, detail):
        super().__init__(f"code={code} detail={detail}")
        self.code = code
        self.detail = detail


def test_all_names_exist_in_exceptions_module():
    for name in [
        "RayError",
        "RayTaskError",
        "TaskCancelledError",
        "GetTimeoutError",
        "RayActorError",
        "ActorDiedError",
        "ObjectLostError",
    ]:
        assert isinstance(getattr(rex, name), type), name


def test_hierarchy():
    assert issubclass(RayError, Exception)
    for cls in [
        RayTaskError,
        TaskCancelledError,
        GetTimeoutError,
        RayActorError,
        ActorDiedError,
        ObjectLostError,
    ]:
        assert issubclass(cls, RayError), cls
    assert issubclass(ActorDiedError, RayActorError)
    assert issubclass(GetTimeoutError, TimeoutError)


# ---------------------------------------------------------------------------------------
# Task exceptions
# ---------------------------------------------------------------------------------------

raised = []
raised_lock = threading.Lock()


@rustyray.remote
def raise_my_error(message):
    err = MyError(message)
    with raised_lock:
        raised.append(err)
    raise err


@rustyray.remote
def divide_by_zero():
    return 1 / 0


@rustyray.remote
def raise_given(exc):
    raise exc


def test_task_exception_matches_user_class(ray):
    ref = raise_my_error.remote("custom failure")
    with pytest.raises(MyError):
        rustyray.get(ref, timeout=T)


def test_task_exception_matches_ray_task_error(ray):
    ref = raise_my_error.remote("custom failure")
    with pytest.raises(RayTaskError):
        rustyray.get(ref, timeout=T)


def test_task_exception_is_both_and_a_ray_error(ray):
    with pytest.raises(Exception) as info:
        rustyray.get(raise_my_error.remote("both"), timeout=T)
    e = info.value
    assert isinstance(e, RayTaskError)
    assert isinstance(e, MyError)
    assert isinstance(e, RayError)
    assert not isinstance(e, RayActorError)
    assert not isinstance(e, TaskCancelledError)


def test_task_exception_str_has_remote_traceback(ray):
    with pytest.raises(RayTaskError) as info:
        rustyray.get(raise_my_error.remote("the original message"), timeout=T)
    text = str(info.value)
    assert "raise_my_error" in text
    assert "the original message" in text
    assert "MyError" in text
    assert THIS_FILE in text  # traceback lines name the file the task was defined in


def test_task_exception_cause_is_the_original_instance(ray):
    with raised_lock:
        raised.clear()
    with pytest.raises(RayTaskError) as info:
        rustyray.get(raise_my_error.remote("cause"), timeout=T)
    assert len(raised) == 1
    assert info.value.cause is raised[0]
    assert isinstance(info.value.cause, MyError)
    assert not isinstance(info.value.cause, RayTaskError)
    assert str(info.value.cause) == "cause"


def test_get_raises_every_time(ray):
    ref = raise_my_error.remote("again")
    for _ in range(3):
        with pytest.raises(MyError):
            rustyray.get(ref, timeout=T)


@pytest.mark.parametrize(
    "exc",
    [
        ValueError("bad value"),
        KeyError("missing key"),
        TypeError("bad type"),
        RuntimeError("bad runtime"),
        AttributeError("no attribute"),
        IndexError("bad index"),
        MyValueError("sub of builtin"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_builtin_exception_types(ray, exc):
    with pytest.raises(type(exc)) as info:
        rustyray.get(raise_given.remote(exc), timeout=T)
    assert isinstance(info.value, RayTaskError)
    assert info.value.cause is exc
    assert "raise_given" in str(info.value)
    assert type(exc).__name__ in str(info.value)


def test_zero_division(ray):
    with pytest.raises(ZeroDivisionError) as info:
        rustyray.get(divide_by_zero.remote(), timeout=T)
    assert isinstance(info.value, RayTaskError)
    assert isinstance(info.value, ArithmeticError)
    assert "divide_by_zero" in str(info.value)
    assert "division by zero" in str(info.value)
    assert isinstance(info.value.cause, ZeroDivisionError)


def test_exception_with_unusual_constructor(ray):
    # Whether get can also make the error an instance of TwoArgError is up to the
    # implementation (Ray falls back to a plain RayTaskError); it must not fail otherwise.
    with pytest.raises(RayTaskError) as info:
        rustyray.get(raise_given.remote(TwoArgError(7, "seven")), timeout=T)
    assert isinstance(info.value.cause, TwoArgError)
    assert info.value.cause.code == 7
    assert "code=7 detail=seven" in str(info.value)


def test_error_in_list_get(ray):
    refs = [rustyray.put(1), raise_my_error.remote("in a list")]
    with pytest.raises(MyError) as info:
        rustyray.get(refs, timeout=T)
    assert "in a list" in str(info.value)


def test_error_through_dependency_keeps_type_and_message(ray):
    @rustyray.remote
    def plus_one(x):
        return x + 1

    bad = raise_my_error.remote("deep cause")
    out = plus_one.remote(plus_one.remote(bad))
    with pytest.raises(MyError) as info:
        rustyray.get(out, timeout=T)
    assert isinstance(info.value, RayTaskError)
    assert "deep cause" in str(info.value)


def test_error_raised_by_nested_get_propagates(ray):
    @rustyray.remote
    def outer():
        return rustyray.get(raise_my_error.remote("from inner"), timeout=T)

    with pytest.raises(MyError) as info:
        rustyray.get(outer.remote(), timeout=T)
    assert isinstance(info.value, RayTaskError)
    assert "from inner" in str(info.value)
    assert "raise_my_error" in str(info.value)


# ---------------------------------------------------------------------------------------
# Actor method exceptions
# ---------------------------------------------------------------------------------------


@rustyray.remote
class Failing:
    def __init__(self):
        self.calls = 0

    def fail(self, message):
        self.calls += 1
        raise MyError(message)

    def fail_builtin(self):
        self.calls += 1
        return {}["nope"]

    def count(self):
        return self.calls


def test_actor_method_exception(ray):
    a = Failing.remote()
    with pytest.raises(MyError) as info:
        rustyray.get(a.fail.remote("actor says no"), timeout=T)
    e = info.value
    assert isinstance(e, RayTaskError)
    assert not isinstance(e, RayActorError)
    assert "actor says no" in str(e)
    assert "fail" in str(e)
    assert isinstance(e.cause, MyError)
    with pytest.raises(KeyError) as info2:
        rustyray.get(a.fail_builtin.remote(), timeout=T)
    assert isinstance(info2.value, RayTaskError)
    assert "fail_builtin" in str(info2.value)
    # the actor is still alive and kept its state
    assert rustyray.get(a.count.remote(), timeout=T) == 2


def test_get_timeout_error_is_raised_with_ray_error_base(ray, gate):
    ev = gate()

    @rustyray.remote
    def block():
        ev.wait(T)

    with pytest.raises(RayError):
        rustyray.get(block.remote(), timeout=0)
