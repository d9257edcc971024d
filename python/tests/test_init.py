"""init / shutdown / is_initialized, the Ray keywords init ignores, and auto-init."""

import logging
import re

import pytest

import rustyray

T = 10.0

# Every Ray keyword that means nothing to rustyray, with a value a Ray script might pass.
# (`address="local"` is not among them: it asks for a runtime in this process, which is
# what `init` starts; see `test_address_local_is_accepted_silently`.)
IGNORED = {
    "dashboard_host": "127.0.0.1",
    "dashboard_port": 8265,
    "include_dashboard": False,
    "logging_level": logging.INFO,
    "logging_format": "%(message)s",
    "log_to_driver": True,
    "configure_logging": True,
    "object_store_memory": 10**8,
    "namespace": "test-namespace",
    "runtime_env": {"env_vars": {"A": "1"}},
    "num_gpus": 0,
    "resources": {"custom": 1},
    "_temp_dir": "/tmp/rustyray-test",
    "local_mode": False,
}


def _notice_lines(err):
    return [line for line in err.splitlines() if line.startswith("rustyray: ")]


def _names(line, keyword):
    return re.search(r"(?<![A-Za-z0-9_])" + re.escape(keyword) + r"(?![A-Za-z0-9_])", line)


def test_not_initialized_at_start():
    assert rustyray.is_initialized() is False


def test_init_shutdown_cycle():
    rustyray.init(num_cpus=2)
    assert rustyray.is_initialized() is True
    rustyray.shutdown()
    assert rustyray.is_initialized() is False
    # shutdown is idempotent
    rustyray.shutdown()
    rustyray.shutdown()
    assert rustyray.is_initialized() is False
    # and init works again afterwards, with a working runtime
    rustyray.init(num_cpus=1)
    assert rustyray.is_initialized() is True

    @rustyray.remote
    def f(x):
        return x + 1

    assert rustyray.get(f.remote(1), timeout=T) == 2
    rustyray.shutdown()
    assert rustyray.is_initialized() is False


def test_shutdown_without_init_is_a_noop():
    rustyray.shutdown()
    assert rustyray.is_initialized() is False


def test_init_without_arguments():
    rustyray.init()
    assert rustyray.is_initialized()
    assert rustyray.get(rustyray.put(7), timeout=T) == 7


def test_init_twice_raises_runtime_error():
    rustyray.init(num_cpus=2)
    with pytest.raises(RuntimeError):
        rustyray.init(num_cpus=2)
    # the first runtime is untouched
    assert rustyray.is_initialized()
    assert rustyray.get(rustyray.put(1), timeout=T) == 1


def test_init_twice_with_ignore_reinit_error():
    rustyray.init(num_cpus=2)
    rustyray.init(num_cpus=2, ignore_reinit_error=True)
    rustyray.init(ignore_reinit_error=True)
    assert rustyray.is_initialized()
    assert rustyray.get(rustyray.put("x"), timeout=T) == "x"


def test_ignore_reinit_error_on_first_init_is_fine():
    rustyray.init(num_cpus=1, ignore_reinit_error=True)
    assert rustyray.is_initialized()


@pytest.mark.parametrize("bad", [0, -1, -8])
def test_num_cpus_must_be_positive(bad):
    with pytest.raises(ValueError):
        rustyray.init(num_cpus=bad)
    assert rustyray.is_initialized() is False


@pytest.mark.parametrize("bad", [1.5, "two"])
def test_num_cpus_must_be_an_int(bad):
    with pytest.raises((TypeError, ValueError)):
        rustyray.init(num_cpus=bad)
    assert rustyray.is_initialized() is False


@pytest.mark.parametrize("n", [1, 2, 4])
def test_num_cpus_positive_values(n):
    rustyray.init(num_cpus=n)
    assert rustyray.is_initialized()


@pytest.mark.parametrize("keyword", sorted(IGNORED))
def test_ignored_keyword_is_accepted_with_one_notice(keyword, capfd):
    rustyray.init(num_cpus=1, **{keyword: IGNORED[keyword]})
    assert rustyray.is_initialized()
    out, err = capfd.readouterr()
    notices = _notice_lines(err)
    assert len(notices) == 1, err
    assert _names(notices[0], keyword), notices[0]


def test_all_ignored_keywords_at_once_one_line_each(capfd):
    rustyray.init(num_cpus=1, **IGNORED)
    assert rustyray.is_initialized()
    out, err = capfd.readouterr()
    notices = _notice_lines(err)
    assert len(notices) == len(IGNORED), err
    for keyword in IGNORED:
        naming = [line for line in notices if _names(line, keyword)]
        assert len(naming) == 1, (keyword, notices)


def test_no_notice_without_ignored_keywords(capfd):
    rustyray.init(num_cpus=1)
    out, err = capfd.readouterr()
    assert _notice_lines(err) == []


def test_address_local_is_accepted_silently(capfd):
    rustyray.init(num_cpus=1, address="local")
    assert rustyray.is_initialized()
    out, err = capfd.readouterr()
    assert _notice_lines(err) == []


def test_address_none_is_accepted(capfd):
    rustyray.init(num_cpus=1, address=None)
    assert rustyray.is_initialized()
    out, err = capfd.readouterr()
    # Whether an explicit None earns a notice is up to the implementation; at most one.
    assert len(_notice_lines(err)) <= 1


@pytest.mark.parametrize("address", ["auto", "ray://127.0.0.1:10001", "127.0.0.1:6379"])
def test_address_other_than_local_is_a_value_error(address):
    with pytest.raises(ValueError):
        rustyray.init(num_cpus=1, address=address)
    assert rustyray.is_initialized() is False


@pytest.mark.parametrize("keyword", ["bogus", "num_cpu", "max_retries", "object_spilling"])
def test_unknown_keyword_is_a_type_error(keyword):
    with pytest.raises(TypeError):
        rustyray.init(num_cpus=1, **{keyword: 1})
    assert rustyray.is_initialized() is False


def test_remote_call_auto_initializes():
    @rustyray.remote
    def f():
        return 41

    assert rustyray.is_initialized() is False
    ref = f.remote()
    assert rustyray.is_initialized() is True
    assert rustyray.get(ref, timeout=T) == 41


def test_put_auto_initializes():
    assert rustyray.is_initialized() is False
    ref = rustyray.put([1, 2])
    assert rustyray.is_initialized() is True
    assert rustyray.get(ref, timeout=T) == [1, 2]


def test_actor_creation_auto_initializes():
    @rustyray.remote
    class A:
        def ping(self):
            return "pong"

    assert rustyray.is_initialized() is False
    a = A.remote()
    assert rustyray.is_initialized() is True
    assert rustyray.get(a.ping.remote(), timeout=T) == "pong"


def test_init_after_auto_init_raises_unless_ignored():
    rustyray.put(1)
    assert rustyray.is_initialized()
    with pytest.raises(RuntimeError):
        rustyray.init(num_cpus=1)
    rustyray.init(num_cpus=1, ignore_reinit_error=True)


def test_decorating_before_init_then_using_after_init():
    @rustyray.remote
    def f(x):
        return x * 2

    @rustyray.remote
    class A:
        def m(self, x):
            return x * 3

    assert rustyray.is_initialized() is False
    rustyray.init(num_cpus=2)
    assert rustyray.get(f.remote(2), timeout=T) == 4
    assert rustyray.get(A.remote().m.remote(2), timeout=T) == 6


def test_remote_function_survives_a_shutdown_init_cycle():
    @rustyray.remote
    def f(x):
        return x - 1

    rustyray.init(num_cpus=1)
    assert rustyray.get(f.remote(5), timeout=T) == 4
    rustyray.shutdown()
    rustyray.init(num_cpus=2)
    assert rustyray.get(f.remote(10), timeout=T) == 9
