"""Shared fixtures for the rustyray Python test suite.

Every test starts and ends with no runtime running. The ``ray`` fixture starts one with
two worker CPUs, ``ray1`` with one (for tests about queueing and about a blocked task
giving its CPU back). ``gate`` hands out ``threading.Event``s that a test uses to hold
tasks back; every gate is set before the runtime is shut down, so a test that fails
half-way never leaves a task blocked behind it.

If pytest-timeout is installed, every test gets a 60 s ceiling; the suite does not need
it (every wait inside a test is bounded on its own).
"""

import threading

import pytest

import rustyray

_GATES = []
_GATES_LOCK = threading.Lock()


def _release_gates():
    with _GATES_LOCK:
        gates = list(_GATES)
        _GATES.clear()
    for ev in gates:
        ev.set()


def _stop():
    _release_gates()
    rustyray.shutdown()


def pytest_collection_modifyitems(config, items):
    if not config.pluginmanager.hasplugin("timeout"):
        return
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(60))


@pytest.fixture(autouse=True)
def _no_runtime_around_each_test():
    """Each test begins without a runtime and leaves none behind."""
    if rustyray.is_initialized():
        _stop()
    yield
    _stop()


@pytest.fixture
def ray():
    """``rustyray`` initialized with ``num_cpus=2``; shut down after the test."""
    rustyray.init(num_cpus=2)
    yield rustyray
    _stop()


@pytest.fixture
def ray1():
    """``rustyray`` initialized with ``num_cpus=1``; shut down after the test."""
    rustyray.init(num_cpus=1)
    yield rustyray
    _stop()


@pytest.fixture
def gate():
    """A factory of ``threading.Event``s that are all set when the test ends."""

    def make():
        ev = threading.Event()
        with _GATES_LOCK:
            _GATES.append(ev)
        return ev

    yield make
    _release_gates()
