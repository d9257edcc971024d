"""``@rustyray.remote(process=True)``: functions that run in worker processes."""

import os
import pickle
import tempfile
import threading
import time

import pytest

import rustyray
from rustyray.exceptions import RayTaskError, TaskCancelledError, WorkerCrashedError

T = 30.0


@rustyray.remote(process=True)
def where(x):
    return x * 2, os.getpid()


@rustyray.remote(process=True)
def add(a, b=0):
    return a + b


@rustyray.remote
def local_inc(x):
    return x + 1


class Oops(ValueError):
    pass


@rustyray.remote(process=True)
def fails(msg):
    raise Oops(msg)


def _wait_for_file(path, timeout=T):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError(path)
        time.sleep(0.005)


@rustyray.remote(process=True)
def rendezvous(mine, theirs):
    """Returns only if the call writing ``theirs`` runs at the same time."""
    open(mine, "w").close()
    _wait_for_file(theirs)
    return os.getpid()


@rustyray.remote(process=True)
def crash_unless(marker):
    """Kills its worker the first time (no marker yet), returns the second."""
    if not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(3)
    return "survived"


@rustyray.remote(process=True, max_retries=0)
def crash_always():
    os._exit(4)


@rustyray.remote(process=True, max_retries=3, retry_exceptions=[OSError])
def flaky(counter, failures):
    with open(counter, "a") as f:
        f.write("x")
    with open(counter) as f:
        attempts = len(f.read())
    if attempts <= failures:
        raise OSError(f"attempt {attempts}")
    return attempts


def _gone(pid, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # (A zombie until its parent reaps it: reaped by shutdown.)
        time.sleep(0.01)
    return False


def test_runs_in_another_process(ray):
    value, pid = rustyray.get(where.remote(21), timeout=T)
    assert value == 42
    assert pid != os.getpid()


def _pair():
    """Two calls that each return only once the other has started."""
    d = tempfile.mkdtemp(prefix="rustyray-test-")
    a, b = os.path.join(d, "a"), os.path.join(d, "b")
    return rendezvous.remote(a, b), rendezvous.remote(b, a)


def test_calls_run_in_parallel(ray):
    # Each returns only if the other runs at the same time: two processes (one per CPU
    # by default), not one GIL.
    ra, rb = _pair()
    pa, pb = rustyray.get([ra, rb], timeout=T)
    assert pa != pb and os.getpid() not in (pa, pb)


def test_arguments_refs_and_kwargs(ray):
    x = rustyray.put(40)
    assert rustyray.get(add.remote(x, b=2), timeout=T) == 42
    # a ref of an in-process task, and a ref of a process call
    assert rustyray.get(add.remote(local_inc.remote(1), b=add.remote(1, b=1)), timeout=T) == 4
    # and back: a process result as an in-process task's argument
    assert rustyray.get(local_inc.remote(add.remote(1, b=1)), timeout=T) == 3


def test_chain_through_processes(ray):
    x = rustyray.put(0)
    for _ in range(100):
        x = add.remote(x, b=1)
    assert rustyray.get(x, timeout=T) == 100


def test_many_calls_in_flight(ray):
    refs = [add.remote(i, b=i) for i in range(2000)]
    assert rustyray.get(refs, timeout=T) == [2 * i for i in range(2000)]


def test_functions_pickled_by_value(ray):
    offset = 7

    def local(x):
        return x + offset

    assert rustyray.get(rustyray.remote(process=True)(local).remote(1), timeout=T) == 8
    lam = rustyray.remote(process=True)(lambda x: x * 3)
    assert rustyray.get(lam.remote(5), timeout=T) == 15


def test_exception_is_ray_task_error_and_users_type(ray):
    with pytest.raises(Oops) as info:
        rustyray.get(fails.remote("bad input"), timeout=T)
    err = info.value
    assert isinstance(err, RayTaskError)
    assert "bad input" in str(err)
    assert "fails" in err.traceback_str and "raise Oops" in err.traceback_str


def test_failed_argument_fails_the_call_without_running_it(ray):
    with pytest.raises(Oops):
        rustyray.get(add.remote(fails.remote("first"), b=1), timeout=T)


def test_retry_exceptions(ray, tmp_path):
    counter = str(tmp_path / "count")
    assert rustyray.get(flaky.remote(counter, 2), timeout=T) == 3
    counter2 = str(tmp_path / "count2")
    with pytest.raises(OSError):
        rustyray.get(flaky.remote(counter2, 10), timeout=T)
    with open(counter2) as f:
        assert len(f.read()) == 4  # the first attempt and 3 retries


def test_unpicklable_argument_is_an_error_of_the_call(ray):
    with pytest.raises(RayTaskError) as info:
        rustyray.get(add.remote(threading.Lock()), timeout=T)
    assert "pickle" in str(info.value).lower()
    # the workers are fine
    assert rustyray.get(add.remote(1, b=1), timeout=T) == 2


def test_unpicklable_result_is_an_error_of_the_call(ray):
    @rustyray.remote(process=True)
    def makes_lock():
        return threading.Lock()

    with pytest.raises(RayTaskError) as info:
        rustyray.get(makes_lock.remote(), timeout=T)
    assert "lock" in str(info.value).lower()


def test_worker_crash_without_retries_is_worker_crashed_error(ray):
    with pytest.raises(WorkerCrashedError):
        rustyray.get(crash_always.remote(), timeout=T)
    # the dead worker was replaced: calls still run, on live workers
    assert rustyray.get([add.remote(i, b=1) for i in range(50)], timeout=T) == list(range(1, 51))


def test_worker_crash_is_retried_on_another_worker(ray, tmp_path):
    assert rustyray.get(crash_unless.remote(str(tmp_path / "crashed")), timeout=T) == "survived"
    assert os.path.exists(tmp_path / "crashed")


def test_cancel_before_it_is_sent(ray1, gate):
    g = gate()

    @rustyray.remote
    def held():
        g.wait(T)
        return 1

    dep = held.remote()
    r = add.remote(dep, b=1)
    rustyray.cancel(r)
    g.set()
    with pytest.raises(TaskCancelledError):
        rustyray.get(r, timeout=T)
    assert rustyray.get(dep, timeout=T) == 1


def test_shutdown_stops_the_workers():
    rustyray.init(num_cpus=2, worker_processes=2)
    ra, rb = _pair()
    pids = rustyray.get([ra, rb], timeout=T)
    assert len(set(pids)) == 2
    rustyray.shutdown()
    assert all(_gone(pid) for pid in pids)


def test_worker_processes_zero_refuses_process_calls():
    rustyray.init(num_cpus=1, worker_processes=0)
    with pytest.raises(RuntimeError, match="worker_processes=0"):
        add.remote(1)
    # in-process tasks are unaffected
    assert rustyray.get(local_inc.remote(1), timeout=T) == 2


def test_worker_processes_must_be_a_count():
    for bad in (-1, 1.5, True, "2"):
        with pytest.raises(ValueError):
            rustyray.init(num_cpus=1, worker_processes=bad)
        assert not rustyray.is_initialized()


def test_process_option_must_be_a_bool():
    with pytest.raises(ValueError):
        rustyray.remote(process="yes")(lambda: 1)


def test_workers_restart_with_the_runtime():
    for _ in range(2):
        rustyray.init(num_cpus=1, worker_processes=1)
        assert rustyray.get(add.remote(2, b=3), timeout=T) == 5
        rustyray.shutdown()


def test_results_are_not_pickled_again_in_process(ray):
    big = rustyray.get(add.remote([1] * 1000, b=[2]), timeout=T)
    assert big == [1] * 1000 + [2]
    # the value got back is a plain Python object, picklable as usual
    assert pickle.loads(pickle.dumps(big)) == big


@rustyray.remote(process=True)
def length(x):
    return len(x)


@rustyray.remote(process=True)
def make_bytes(n):
    return b"\x07" * n


def _payload_files():
    import glob

    pattern = os.path.join(tempfile.gettempdir(), f"rustyray-{os.getpid()}-*", "payload-*")
    return glob.glob(pattern)


def test_large_arguments_and_results_cross(ray):
    # Over one frame of the link (64 KiB): they travel through the workers' private
    # directory, and nothing is left there afterwards.
    big = os.urandom(300_000)
    assert rustyray.get(length.remote(big), timeout=T) == 300_000
    got = rustyray.get(make_bytes.remote(500_000), timeout=T)
    assert got == b"\x07" * 500_000
    # a large argument through a ref, and a large result used as an argument
    assert rustyray.get(length.remote(rustyray.put(big)), timeout=T) == 300_000
    assert rustyray.get(length.remote(make_bytes.remote(200_000)), timeout=T) == 200_000
    assert _payload_files() == []


def test_large_payload_retried_after_a_crash(ray, tmp_path):
    @rustyray.remote(process=True)
    def crash_once_then_len(marker, data):
        if not os.path.exists(marker):
            open(marker, "w").close()
            os._exit(5)
        return len(data)

    data = b"z" * 100_000
    assert rustyray.get(crash_once_then_len.remote(str(tmp_path / "m"), data), timeout=T) == 100_000


def test_first_calls_from_many_threads_at_once(ray):
    # The workers start at the first call; threads racing to make it all get through.
    import threading

    results, errors = [], []
    start = threading.Barrier(4)

    def caller(i):
        try:
            start.wait(T)
            results.append(rustyray.get(add.remote(i, b=100), timeout=T))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(T)
    assert errors == []
    assert sorted(results) == [100, 101, 102, 103]
