"""``await ref`` and ``ref.future()``: a ref's completion handed to asyncio or to a
``concurrent.futures.Future`` (the native side calls back from a runtime thread)."""

import asyncio
import concurrent.futures

from . import _rustyray


def _outcome(ref):
    try:
        return True, _rustyray.get(ref, timeout=0)
    except BaseException as exc:  # the task's exception, or the runtime's error
        return False, exc


def _settle_asyncio(fut, ref):
    if fut.done():
        return
    ok, value = _outcome(ref)
    if ok:
        fut.set_result(value)
    else:
        fut.set_exception(value)


def await_ref(ref):
    loop = asyncio.get_running_loop()
    fut = loop.create_future()

    def ready():
        try:
            loop.call_soon_threadsafe(_settle_asyncio, fut, ref)
        except RuntimeError:
            pass  # the loop is closed: nobody awaits any more

    ref._on_ready(ready)
    return fut.__await__()


def future_of(ref):
    fut = concurrent.futures.Future()

    def ready():
        if fut.set_running_or_notify_cancel():
            ok, value = _outcome(ref)
            if ok:
                fut.set_result(value)
            else:
                fut.set_exception(value)

    ref._on_ready(ready)
    return fut
