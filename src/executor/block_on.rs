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
//!         injected work while every worker is busy (or blocked) ── run one such task
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
use crate::sync::atomic::{AtomicBool, Ordering::*};

/// Spin rounds before the driver parks (each round polls two atomics).
const DRIVER_SPIN_ROUNDS: u32 = 256;

/// Wakes the driver: sets `woken`, unparks only if the driver may be asleep.
#[derive(Debug)]
struct DriverSignal {
    woken: AtomicBool,
    parker: Parker,
}

impl std::task::Wake for DriverSignal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.woken.swap(true, SeqCst) {
            self.parker.unpark();
        }
    }
}

/// Runs `future` to completion on this thread, running `shared`'s tasks while it waits.
pub(crate) fn block_on<F: Future>(shared: &Arc<Shared>, future: F) -> F::Output {
    let signal = Arc::new(DriverSignal { woken: AtomicBool::new(true), parker: Parker::new() });
    let waker = Waker::from(signal.clone());
    let mut cx = Context::from_waker(&waker);
    let core = Rc::new(Core::driver(shared.clone()));
    let guard = context::enter(core.clone());
    let mut future = core::pin::pin!(future);

    let out = loop {
        if signal.woken.swap(false, SeqCst) {
            budget::reset();
            if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
                break v;
            }
        }
        // A task this thread woke (e.g. an actor it just sent a request to) runs right here.
        if let Some(task) = core.take_lifo() {
            budget::reset();
            task.run();
            continue;
        }
        // Injected work while every worker is busy (or blocked in a task): help with it.
        // When some worker is idle it will take the work; helping then would only put one
        // more thread on the same cores.
        if shared.idle.all_busy() {
            if let Some(task) = shared.injector.pop() {
                budget::reset();
                task.run();
                continue;
            }
        }
        let mut spun = 0;
        while spun < DRIVER_SPIN_ROUNDS && !signal.woken.load(Acquire) {
            crate::sync::spin_hint();
            spun += 1;
        }
        if spun < DRIVER_SPIN_ROUNDS {
            continue; // woken while spinning
        }
        // Consume a stale permit left by an earlier wake, then sleep until woken.
        signal.parker.try_consume();
        if !signal.woken.load(SeqCst) {
            signal.parker.park();
        }
    };
    drop(guard);
    // A task this thread woke last must not be stranded with the driver gone.
    if let Some(task) = core.take_lifo() {
        shared.inject(task);
    }
    out
}
