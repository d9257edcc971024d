//! `block_on`: the calling thread drives its future *and runs tasks* while it waits.
//!
//! A driver that submits work and awaits the reply would otherwise pay a cross-thread
//! park/unpark per request (~55 µs here). Instead the driver thread gets a [`Core`] with
//! a LIFO slot: a task it wakes (an actor it just sent a message to) runs right here,
//! and the reply wakes the driver's own future without any thread switch.
//!
//! ```text
//!  loop:  main future woken? ── poll it ── Ready ──▶ return (LIFO task → injector)
//!         a task in this thread's LIFO slot ── run it
//!         injected work while every worker is busy (or blocked), and the runtime's
//!         gate open (a CPU free for remote tasks) ── run one such task
//!         else: spin briefly for the main future, then park until it is woken
//! ```

use alloc::rc::Rc;
use alloc::sync::Arc;
use core::future::Future;
use core::task::{Context, Poll, Waker};

use super::budget;
use super::context;
use super::park::Parker;
use super::scheduler::{Core, Shared};
use crate::sync::atomic::{fence, AtomicBool, Ordering::*};

/// Spin rounds before the driver parks (each round polls two atomics).
#[cfg(not(loom))]
const DRIVER_SPIN_ROUNDS: u32 = 256;
/// Under loom each round is a yield (and a branch point): one round still explores
/// "woken while spinning".
#[cfg(loom)]
const DRIVER_SPIN_ROUNDS: u32 = 1;
/// Same cap as a worker's: LIFO tasks run back to back before the LIFO task is queued.
const MAX_LIFO_POLLS: u32 = 3;

/// Wakes the driver: sets `woken`, unparks only if the driver may be asleep.
#[derive(Debug)]
pub(crate) struct DriverSignal {
    woken: AtomicBool,
    pub(crate) parker: Parker,
}

/// A `block_on`'s signal as its core and the runtime's list of sleeping drivers hold it:
/// one from a process-wide pool, never freed, so the main future's waker is a static one
/// (no reference count to pay per clone and drop: see `raw::static_waker`). Under loom an
/// `Arc` (a model's objects must die with it).
#[cfg(not(loom))]
pub(crate) type SignalRef = &'static DriverSignal;
#[cfg(loom)]
pub(crate) type SignalRef = Arc<DriverSignal>;

/// Signals no `block_on` uses now: as many as ever ran at once.
#[cfg(not(loom))]
static SIGNALS: std::sync::Mutex<alloc::vec::Vec<&'static DriverSignal>> =
    std::sync::Mutex::new(alloc::vec::Vec::new());

impl DriverSignal {
    fn new() -> Self {
        DriverSignal { woken: AtomicBool::new(true), parker: Parker::new() }
    }

    /// A signal for a new `block_on`, woken (its future is polled first). One that served
    /// an earlier `block_on` may still be woken by a waker that one left behind (a clone
    /// kept by some future): a spurious wake-up, which wakers allow.
    fn take() -> SignalRef {
        #[cfg(not(loom))]
        {
            let pooled = crate::sync::lock(&SIGNALS).pop();
            let signal = pooled.unwrap_or_else(|| alloc::boxed::Box::leak(alloc::boxed::Box::new(DriverSignal::new())));
            signal.woken.store(true, Relaxed);
            signal
        }
        #[cfg(loom)]
        {
            Arc::new(DriverSignal::new())
        }
    }

    /// Another holder of `signal` (a copy of the reference; under loom, a counted clone).
    #[inline]
    fn share(signal: &SignalRef) -> SignalRef {
        #[cfg(not(loom))]
        {
            signal
        }
        #[cfg(loom)]
        {
            signal.clone()
        }
    }

    /// The waker of the main future.
    fn waker(signal: &SignalRef) -> Waker {
        #[cfg(not(loom))]
        {
            crate::raw::static_waker::waker(*signal)
        }
        #[cfg(loom)]
        {
            Waker::from(signal.clone())
        }
    }

    /// True if the main future was woken and not polled since.
    pub(crate) fn is_woken(&self) -> bool {
        self.woken.load(Relaxed)
    }

    fn wake(&self) {
        // Woken on the driver's own thread (a task it ran here completed what its future
        // awaits, or the future woke itself): the driver is awake and looks at its core's
        // plain flag before it polls, spins or sleeps — no locked instruction to set the
        // atomic flag, none to clear it, no parker permit.
        if context::with_current(|core| core.is_some_and(|c| c.wake_main_here(self))) {
            return;
        }
        if !self.woken.swap(true, SeqCst) {
            self.parker.unpark();
        }
    }
}

/// Gives a `block_on`'s signal back to the pool on every way out, unwinding included,
/// after its core (declared after this) is gone.
struct GiveBack(SignalRef);

impl Drop for GiveBack {
    fn drop(&mut self) {
        #[cfg(not(loom))]
        crate::sync::lock(&SIGNALS).push(self.0);
    }
}

#[cfg(not(loom))]
impl crate::raw::static_waker::StaticWake for DriverSignal {
    fn wake(&'static self) {
        DriverSignal::wake(self);
    }
}

#[cfg(loom)]
impl std::task::Wake for DriverSignal {
    fn wake(self: Arc<Self>) {
        DriverSignal::wake(&self);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        DriverSignal::wake(self);
    }
}

/// Runs `future` to completion on this thread, running `shared`'s tasks while it waits.
pub(crate) fn block_on<F: Future>(shared: &Arc<Shared>, future: F) -> F::Output {
    let signal = DriverSignal::take();
    let _give_back = GiveBack(DriverSignal::share(&signal));
    let waker = DriverSignal::waker(&signal);
    let mut cx = Context::from_waker(&waker);
    // Dropped on every way out, unwinding included: a task left in its LIFO slot then moves
    // to the injector (see `Core`'s drop), and the monitor stops watching this thread.
    let core = Rc::new(Core::driver(shared.clone(), DriverSignal::share(&signal)));
    let guard = context::enter(core.clone());
    let mut future = core::pin::pin!(future);

    // LIFO tasks run back to back since the main future was last polled.
    let mut lifo_polls = 0;
    let out = loop {
        // What the main future or a task run here pushed into the driver queue becomes
        // visible to the workers before this thread runs anything else or sleeps.
        core.publish();
        // A wake-up from this thread is the core's plain flag. For one from elsewhere, a
        // plain load first: this runs between every two tasks the thread runs (a token
        // going round a ring of actors on this thread), and the swap is a locked
        // instruction. A wake-up landing after the load is seen on the next round, and
        // always before the thread sleeps (it looks again after its fence).
        if core.take_main_woken_here() || (signal.woken.load(Relaxed) && signal.woken.swap(false, SeqCst)) {
            lifo_polls = 0;
            core.started_poll();
            if let Poll::Ready(v) = budget::scoped(|| future.as_mut().poll(&mut cx)) {
                break v;
            }
        }
        // A task this thread woke (e.g. an actor it just sent a request to) runs right here,
        // under the same cap as on a worker: after it, the LIFO task queues behind injected
        // work if there is any, else the chain keeps running here.
        if let Some(task) = core.take_lifo() {
            if lifo_polls == MAX_LIFO_POLLS {
                lifo_polls = 0;
                if core.others_waiting() {
                    shared.inject(task);
                    continue;
                }
            }
            lifo_polls += 1;
            core.run(task);
            continue;
        }
        // Queued work (its own queue's, then the injector's) while every worker is busy (or
        // blocked in a task): help with it.
        // When some worker is idle it will take the work; helping then would only put one
        // more thread on the same cores.
        if shared.idle.all_busy() && shared.may_help() {
            if let Some(task) = core.pop_local().or_else(|| shared.injector.pop()) {
                core.run(task);
                continue;
            }
        }
        // The main future woke itself in its last poll (nothing has run here since): poll
        // it again rather than sleep.
        if core.main_woken_here() {
            continue;
        }
        let mut spun = 0;
        while spun < DRIVER_SPIN_ROUNDS && !signal.woken.load(Acquire) {
            crate::sync::spin_hint();
            spun += 1;
        }
        if spun < DRIVER_SPIN_ROUNDS {
            continue; // woken while spinning
        }
        // Sleep until the main future is woken, or until injected work arrives that no
        // worker can take (`Shared::inject` wakes a registered driver then).
        signal.parker.try_consume();
        shared.drivers.with(|d| d.push(DriverSignal::share(&signal)));
        // Pairs with the fence in `Shared::inject`: either it sees us registered, or we see
        // its task here.
        fence(SeqCst);
        let work_for_us =
            shared.idle.all_busy() && (!shared.injector.is_empty() || core.has_local_work()) && shared.may_help();
        if !work_for_us && !signal.woken.load(SeqCst) {
            // Asleep with an empty LIFO slot: the monitor need not watch this thread.
            core.set_parked(true);
            signal.parker.park();
            core.set_parked(false);
        }
        shared.drivers.with(|d| d.retain(|s| !core::ptr::eq(&**s, &*signal)));
    };
    // Leave the context, then drop the core: a task this thread woke last goes to the
    // injector, not stranded with the driver gone.
    drop(guard);
    drop(core);
    out
}
