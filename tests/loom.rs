//! loom model checks of the executor's lock-free and concurrent pieces.
//!
//! ```text
//! CARGO_TARGET_DIR=target/loom RUSTFLAGS="--cfg loom" cargo test --release --test loom
//! ```
//!
//! (A separate target dir: `--cfg loom` would otherwise invalidate the normal build cache.)
//! Every model runs with a preemption bound of 2 or 3 (`LOOM_MAX_PREEMPTIONS` overrides it
//! for all of them; CI sets 3, which takes the largest models a few minutes). The pieces are
//! `pub(crate)`, so they are included by path; their `crate::sync::…` paths then resolve to
//! this crate's `sync` module, i.e. to loom. Where an included file names something that
//! is not included (the scheduler, the task wrapper, the budget), a shim below stands in.
//! Under `--cfg loom` the local queue's `CAPACITY` is 4, so full-queue models stay small.
//! A lost wake-up shows up as loom's "deadlock" panic (every thread blocked).

#![cfg(loom)]
#![allow(dead_code, unreachable_pub)]

extern crate alloc;

// The included files name each other as `crate::raw::…`, `crate::executor::…`,
// `crate::task::…` and `super::…`, so they sit in a tree shaped like the crate's (the outer
// `#[path]` makes each inline module's files resolve in that source directory). Where a
// file names something the models do not include, a small shim below stands in for it.

#[path = "../src/sync.rs"]
mod sync;

/// Stands in for `crate::Error` (the CPU pool names `RuntimeShutdown`, a grant polled off a
/// runtime `NoRuntime`).
mod error {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(crate) enum Error {
        RuntimeShutdown,
        ObjectLost,
        NoRuntime,
    }
}
use error::Error;

#[path = "../src/raw"]
mod raw {
    #[path = "cell.rs"]
    pub(crate) mod cell;
    #[path = "fixed_ring.rs"]
    pub(crate) mod fixed_ring;
    #[path = "intrusive_stack.rs"]
    pub(crate) mod intrusive_stack;
    #[path = "lifo_slot.rs"]
    pub(crate) mod lifo_slot;
    #[path = "local_queue.rs"]
    pub(crate) mod local_queue;
    #[path = "memory.rs"]
    pub(crate) mod memory;
    #[path = "prefetch.rs"]
    pub(crate) mod prefetch;
    /// Shim of `deferred_drop` (the models drop no long chains).
    pub(crate) mod deferred_drop {
        pub(crate) fn drop_nested<T>(value: T) {
            drop(value);
        }
    }
    #[path = "shared_box.rs"]
    pub(crate) mod shared_box;
    #[path = "spin_lock.rs"]
    pub(crate) mod spin_lock;
    /// As in `raw/mod.rs` (with `std`, which the models have).
    pub(crate) type ShortLock<T> = spin_lock::SpinLock<T>;
    #[path = "task.rs"]
    pub(crate) mod task;
    #[path = "waker_slot.rs"]
    pub(crate) mod waker_slot;
}

#[path = "../src/mailbox/mod.rs"]
mod mailbox;

#[path = "../src/executor"]
mod executor {
    #[path = "block_on.rs"]
    pub(crate) mod block_on;
    #[path = "idle.rs"]
    pub(crate) mod idle;
    #[path = "injector.rs"]
    pub(crate) mod injector;
    #[path = "park.rs"]
    pub(crate) mod park;

    use core::task::{Context, Poll};

    /// Shim of `budget::poll_proceed`: an unlimited budget (the budget is a thread-local
    /// counter, not part of any modelled protocol).
    pub(crate) fn poll_proceed(_cx: &mut Context<'_>) -> Poll<()> {
        Poll::Ready(())
    }

    /// Shim of `budget`: `block_on` polls its future inside `scoped`.
    pub(crate) mod budget {
        pub(crate) fn scoped<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
    }

    /// Shim of `context`: `block_on` enters its core as the thread's current one.
    pub(crate) mod context {
        use super::scheduler::Core;
        use alloc::rc::Rc;

        pub(crate) struct Guard(Rc<Core>);

        pub(crate) fn enter(core: Rc<Core>) -> Guard {
            Guard(core)
        }

        /// The models wake the driver from other threads: never its own core.
        pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Core>) -> R) -> R {
            f(None)
        }
    }

    /// Shim of the scheduler as `block_on` sees it: a driver core with an empty LIFO slot
    /// and an empty driver queue, no injected work, and some worker idle (so the driver never helps with the
    /// injector). What remains of `block_on` is exactly its wake-up protocol: the
    /// `DriverSignal`'s `woken` flag and `Parker`.
    pub(crate) mod scheduler {
        use super::block_on::DriverSignal;
        use alloc::sync::Arc;
        use alloc::vec::Vec;
        use core::convert::Infallible;

        pub(crate) struct Core;

        impl Core {
            pub(crate) fn driver(_shared: Arc<Shared>, _main: Arc<DriverSignal>) -> Self {
                Core
            }
            pub(crate) fn started_poll(&self) {}
            pub(crate) fn take_lifo(&self) -> Option<Infallible> {
                None
            }
            pub(crate) fn others_waiting(&self) -> bool {
                false
            }
            pub(crate) fn publish(&self) {}
            pub(crate) fn pop_local(&self) -> Option<Infallible> {
                None
            }
            pub(crate) fn has_local_work(&self) -> bool {
                false
            }
            pub(crate) fn run(&self, task: Infallible) {
                match task {}
            }
            pub(crate) fn set_parked(&self, _parked: bool) {}
            pub(crate) fn wake_main_here(&self, _signal: &DriverSignal) -> bool {
                false
            }
            pub(crate) fn take_main_woken_here(&self) -> bool {
                false
            }
            pub(crate) fn main_woken_here(&self) -> bool {
                false
            }
        }

        pub(crate) struct Idle;

        impl Idle {
            pub(crate) fn all_busy(&self) -> bool {
                false
            }
        }

        pub(crate) struct NoInjector;

        impl NoInjector {
            pub(crate) fn pop(&self) -> Option<Infallible> {
                None
            }
            pub(crate) fn is_empty(&self) -> bool {
                true
            }
        }

        /// The registered drivers (only read by `Shared::inject`, which is not modelled):
        /// a `std` mutex, invisible to loom.
        pub(crate) struct Drivers(std::sync::Mutex<Vec<Arc<DriverSignal>>>);

        impl Drivers {
            pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Vec<Arc<DriverSignal>>) -> R) -> R {
                f(&mut self.0.lock().unwrap())
            }
        }

        pub(crate) struct Shared {
            pub(crate) idle: Idle,
            pub(crate) injector: NoInjector,
            pub(crate) drivers: Drivers,
        }

        impl Shared {
            pub(crate) fn new() -> Self {
                Shared { idle: Idle, injector: NoInjector, drivers: Drivers(Default::default()) }
            }
            pub(crate) fn inject(&self, task: Infallible) {
                match task {}
            }
            pub(crate) fn may_help(&self) -> bool {
                true
            }
        }
    }
}

#[path = "../src/host"]
mod host {
    #[path = "cpus.rs"]
    pub(crate) mod cpus;
    pub(crate) use cpus::CpuPool;

    /// Shim of a runtime's parts as a grant sees them.
    pub(crate) struct RuntimeParts {
        pub(crate) cpus: alloc::sync::Arc<CpuPool>,
    }

    /// Shim of the thread's current runtime: the models run on no runtime (their grants
    /// are made on a pool of their own).
    pub(crate) fn with_current<R>(f: impl FnOnce(Option<&alloc::sync::Arc<RuntimeParts>>) -> R) -> R {
        f(None)
    }
}

#[path = "../src/object"]
mod object {
    #[path = "cell.rs"]
    pub(crate) mod cell;
    #[path = "id.rs"]
    pub(crate) mod id;

    /// Shim of the store's shard: a cell counts itself freed there, and registers its id.
    pub(crate) mod store {
        use crate::raw::shared_box::ErasedWeak;

        #[derive(Debug)]
        pub(crate) struct Shard;

        impl Shard {
            pub(crate) fn count_freed(&self, _size: usize) {}
            pub(crate) fn index(&self) -> usize {
                1
            }
            pub(crate) fn register(&self, _cell: ErasedWeak) -> super::id::ObjectId {
                super::id::ObjectId::from_u64(1)
            }
            pub(crate) fn unregister(&self, _id: super::id::ObjectId) {}
            pub(crate) fn set_on_free(&self, _id: super::id::ObjectId, _on_free: OnFree) {}
        }

        /// The node layer's free hook (no proxies in the models).
        pub(crate) type OnFree = alloc::boxed::Box<dyn FnOnce() + Send>;
    }

    /// Shim of the object layer's `watch_waits` hook (no `get` runs in the admission model).
    pub(crate) fn watch_waits<R>(f: impl FnOnce() -> R) -> (R, bool) {
        (f(), false)
    }
}

#[path = "../src/task"]
mod task {
    #[path = "admission.rs"]
    pub(crate) mod admission;

    /// `to_units` exactly as in `src/task/options.rs` (the rest of that file is the task
    /// options' API).
    pub(crate) mod options {
        pub(crate) const UNITS_PER_CPU: f64 = 10_000.0;

        pub(crate) fn to_units(cpus: f64) -> u64 {
            let units = (cpus * UNITS_PER_CPU + 0.5) as u64;
            if units == 0 && cpus > 0.0 {
                1
            } else {
                units
            }
        }
    }
}

use core::iter;
use core::ptr::NonNull;
use core::task::{Context, Poll, Waker};

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::*};
use loom::thread;
// The models share state through `std`'s `Arc` (its reference counts are not under test):
// when loom reports a deadlock it unwinds the blocked threads, and dropping a loom `Arc`
// there panics again and aborts the whole test binary instead of failing one test.
use std::sync::Arc;

use executor::idle::Idle;
use executor::injector::Injector;
use executor::park::Parker;
use raw::cell::{CellJob, CellRef};
use raw::local_queue::{self, Local, Steal, CAPACITY};
use raw::shared_box::{Shared as SharedBox, WeakShared};
use raw::spin_lock::SpinLock;
use raw::waker_slot::WakerSlot;

/// Runs `f` under loom with at most `preemptions` preemptions per execution, unless
/// `LOOM_MAX_PREEMPTIONS` asks for another bound. Prints the executions explored and the
/// time taken (seen with `--nocapture`).
fn model<F>(preemptions: usize, f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(preemptions);
    }
    let executions = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = executions.clone();
    let start = std::time::Instant::now();
    builder.check(move || {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        f();
    });
    eprintln!(
        "{} executions explored (preemption bound {:?}) in {:.2?}",
        executions.load(std::sync::atomic::Ordering::Relaxed),
        builder.preemption_bound,
        start.elapsed()
    );
}

/// Asserts that `seen` holds every element of `expected` exactly once and nothing else.
fn assert_exactly_once(mut seen: Vec<usize>, expected: impl IntoIterator<Item = usize>) {
    seen.sort_unstable();
    let expected: Vec<usize> = expected.into_iter().collect();
    assert_eq!(seen, expected, "every task must be seen exactly once");
}

// ---------------------------------------------------------------------------------------
// Local queue
// ---------------------------------------------------------------------------------------

/// Moves the queue's indices forward by `n` (push and pop `n` tasks, single-threaded), so
/// the model's slots wrap around the end of the buffer.
fn advance(q: &mut Local<usize>, n: usize) {
    for i in 0..n {
        q.push_back_or_overflow(1000 + i, &mut |_| unreachable!("queue is not full"));
        assert_eq!(q.pop(), Some(1000 + i));
    }
    assert!(q.is_empty());
}

/// A stealer thread: steals `rounds` times from `victim` into a queue of its own (whose
/// indices start at `offset`), then drains that queue. Returns every task it got.
fn stealer(victim: Steal<usize>, rounds: usize, offset: usize) -> thread::JoinHandle<Vec<usize>> {
    thread::spawn(move || {
        let (mut dst, _dst_steal) = local_queue::new::<usize>();
        advance(&mut dst, offset);
        let mut got = Vec::new();
        for _ in 0..rounds {
            got.extend(victim.steal_into(&mut dst));
        }
        got.extend(iter::from_fn(|| dst.pop()));
        assert!(dst.is_empty());
        got
    })
}

/// The owner pushes and pops while one stealer steals (twice) into its own queue.
#[test]
fn local_queue_owner_and_one_stealer() {
    model(3, || {
        let (mut local, steal) = local_queue::new::<usize>();
        advance(&mut local, CAPACITY - 1); // slots wrap during the model
        let thief = stealer(steal, 2, CAPACITY - 1);

        let mut got = Vec::new();
        let mut spilled = Vec::new();
        let mut overflow = |batch: Vec<usize>| spilled.extend(batch);
        local.push_back_or_overflow(0, &mut overflow);
        local.push_back_or_overflow(1, &mut overflow);
        got.extend(local.pop());
        local.push_back_or_overflow(2, &mut overflow);
        got.extend(iter::from_fn(|| local.pop()));
        assert!(local.is_empty());

        assert!(spilled.is_empty(), "at most 3 tasks were ever queued: {spilled:?}");
        got.extend(thief.join().unwrap());
        assert_exactly_once(got, 0..3);
    });
}

/// `push_batch` (the injector refill path) against a concurrent stealer.
#[test]
fn local_queue_push_batch_and_stealer() {
    model(3, || {
        let (mut local, steal) = local_queue::new::<usize>();
        advance(&mut local, 2);
        let thief = stealer(steal, 1, 0);

        let mut got = Vec::new();
        let mut spilled = Vec::new();
        let room = local.remaining();
        assert!(room >= 2, "a steal only frees room");
        local.push_batch([0, 1].into_iter());
        got.extend(local.pop());
        let room = local.remaining();
        assert!(room >= 2, "at most 1 task is queued or being stolen: room {room}");
        local.push_batch([2, 3].into_iter());
        local.push_back_or_overflow(4, &mut |batch| spilled.extend(batch));
        got.extend(iter::from_fn(|| local.pop()));

        got.extend(spilled);
        got.extend(thief.join().unwrap());
        assert_exactly_once(got, 0..5);
    });
}

/// Two stealers race each other (and the owner's pops) for the same victim.
#[test]
fn local_queue_two_stealers() {
    model(2, || {
        let (mut local, steal) = local_queue::new::<usize>();
        advance(&mut local, CAPACITY - 1);
        let mut overflow = |_: Vec<usize>| unreachable!("at most 3 tasks are queued");
        local.push_back_or_overflow(0, &mut overflow);
        let thief1 = stealer(steal.clone(), 1, 0);
        let thief2 = stealer(steal, 1, 1);

        let mut got = Vec::new();
        local.push_back_or_overflow(1, &mut overflow);
        local.push_back_or_overflow(2, &mut overflow);
        got.extend(local.pop());
        got.extend(iter::from_fn(|| local.pop()));

        got.extend(thief1.join().unwrap());
        got.extend(thief2.join().unwrap());
        assert_exactly_once(got, 0..3);
    });
}

/// Two stealers and an owner that keeps pushing until the queue is full (and overflows):
/// while one stealer still copies its claimed slots, the owner must not reuse them, even
/// if the other stealer tries to steal in the meantime.
#[test]
fn local_queue_two_stealers_full_queue() {
    model(2, || {
        let (mut local, steal) = local_queue::new::<usize>();
        let mut spilled = Vec::new();
        let mut overflow = |batch: Vec<usize>| spilled.extend(batch);
        for i in 0..CAPACITY - 1 {
            local.push_back_or_overflow(i, &mut overflow);
        }
        let thief1 = stealer(steal.clone(), 1, 0);
        let thief2 = stealer(steal, 1, 1);

        for i in CAPACITY - 1..2 * CAPACITY - 1 {
            local.push_back_or_overflow(i, &mut overflow);
        }
        let mut got: Vec<usize> = iter::from_fn(|| local.pop()).collect();

        got.extend(spilled);
        got.extend(thief1.join().unwrap());
        got.extend(thief2.join().unwrap());
        assert_exactly_once(got, 0..2 * CAPACITY - 1);
    });
}

/// The owner pushes past capacity while a stealer steals: what spilled to the overflow
/// callback, plus what the owner popped, plus what was stolen, is exactly what was pushed.
#[test]
fn local_queue_overflow_and_stealer() {
    model(3, || {
        let (mut local, steal) = local_queue::new::<usize>();
        advance(&mut local, 1);
        let mut spilled = Vec::new();
        let mut overflow = |batch: Vec<usize>| spilled.push(batch);
        for i in 0..CAPACITY - 1 {
            local.push_back_or_overflow(i, &mut overflow);
        }
        let thief = stealer(steal, 1, 0);

        for i in CAPACITY - 1..CAPACITY + 2 {
            local.push_back_or_overflow(i, &mut overflow);
        }
        let mut got: Vec<usize> = iter::from_fn(|| local.pop()).collect();
        assert!(got.len() <= CAPACITY);
        for batch in &spilled {
            // Either half the queue plus the new task, or (a steal in progress) the task alone.
            assert!(batch.len() == CAPACITY / 2 + 1 || batch.len() == 1, "overflow batch {batch:?}");
        }
        got.extend(spilled.into_iter().flatten());
        got.extend(thief.join().unwrap());
        assert_exactly_once(got, 0..CAPACITY + 2);
    });
}

// ---------------------------------------------------------------------------------------
// Injector
// ---------------------------------------------------------------------------------------

/// Two producers push while a consumer pops and then closes: every item is popped, handed
/// back by `close`, or refused by `push` — exactly once, and each producer's items come
/// out in the order it pushed them.
#[test]
fn injector_producers_consumer_close() {
    model(3, || {
        let inj = Arc::new(Injector::<usize>::new());
        let p1 = thread::spawn({
            let inj = inj.clone();
            move || [0, 1].into_iter().filter_map(|i| inj.push(i).err()).collect::<Vec<_>>()
        });
        let p2 = thread::spawn({
            let inj = inj.clone();
            move || inj.push_batch(vec![2, 3]).err().unwrap_or_default()
        });

        let mut out = Vec::new();
        inj.pop_batch(2, &mut out);
        out.extend(inj.close());
        assert!(inj.is_empty());
        assert_eq!(inj.len(), 0);
        assert_eq!(inj.pop(), None);
        assert_eq!(inj.push(99), Err(99), "a closed injector refuses pushes");

        let refused1 = p1.join().unwrap();
        let refused2 = p2.join().unwrap();
        assert!([&[][..], &[2, 3]].contains(&&refused2[..]), "a batch is queued or refused whole: {refused2:?}");
        assert_fifo_per_producer(&out);
        assert_ne!(refused1, [0], "0 refused but 1 accepted: close is permanent");
        let mut all = out;
        all.extend(refused1);
        all.extend(refused2);
        assert_exactly_once(all, 0..4);
    });
}

/// Checks that each producer's items (`0, 1` and `2, 3`) come out in the order pushed.
fn assert_fifo_per_producer(out: &[usize]) {
    let pos = |x: usize| out.iter().position(|&y| y == x);
    for (a, b) in [(0, 1), (2, 3)] {
        if let (Some(a), Some(b)) = (pos(a), pos(b)) {
            assert!(a < b, "FIFO per producer: {out:?}");
        }
    }
}

/// The lock-free `len`/`is_empty` stay exact: once the producers are joined, `len` counts
/// what is queued, and `pop` (which trusts `is_empty`) drains all of it.
#[test]
fn injector_len_tracks_contents() {
    model(3, || {
        let inj = Arc::new(Injector::<usize>::new());
        let p1 = thread::spawn({
            let inj = inj.clone();
            move || {
                inj.push(0).unwrap();
                inj.push(1).unwrap();
            }
        });
        let p2 = thread::spawn({
            let inj = inj.clone();
            move || inj.push_batch(vec![2, 3]).unwrap()
        });

        let mut out = Vec::new();
        inj.pop_batch(2, &mut out);
        p1.join().unwrap();
        p2.join().unwrap();
        assert_eq!(inj.len(), 4 - out.len());
        assert_eq!(inj.is_empty(), out.len() == 4);
        out.extend(iter::from_fn(|| inj.pop()));
        assert!(inj.is_empty());
        assert_fifo_per_producer(&out);
        assert_exactly_once(out, 0..4);
    });
}

// ---------------------------------------------------------------------------------------
// Parker
// ---------------------------------------------------------------------------------------

/// A thread parks while another unparks: `park` returns (a lost wake-up would leave the
/// model deadlocked), and what the unparker wrote before `unpark` is visible after.
#[test]
fn parker_park_unpark() {
    model(3, || {
        let parker = Arc::new(Parker::new());
        let data = Arc::new(AtomicUsize::new(0));
        let t = thread::spawn({
            let (parker, data) = (parker.clone(), data.clone());
            move || {
                data.store(1, Relaxed);
                parker.unpark();
            }
        });
        parker.park();
        assert_eq!(data.load(Relaxed), 1, "unpark happens-before park returns");
        t.join().unwrap();
        assert!(!parker.try_consume(), "the only permit was consumed");
    });
}

/// Unpark before park: the permit is kept and `park` returns at once; permits don't stack.
#[test]
fn parker_unpark_before_park() {
    model(3, || {
        let parker = Arc::new(Parker::new());
        parker.unpark();
        parker.unpark();
        parker.park();
        assert!(!parker.try_consume(), "permits do not accumulate");

        let t = thread::spawn({
            let parker = parker.clone();
            move || parker.unpark()
        });
        t.join().unwrap();
        parker.park(); // the unpark finished first
        parker.unpark();
        assert!(parker.try_consume());
        assert!(!parker.try_consume());
    });
}

/// Two threads unpark the same sleeper (e.g. a producer and shutdown): park returns, and
/// every unpark is either seen by that park (what its thread wrote before `unpark` is
/// visible once `park` returns) or still pending as the permit for the next park.
#[test]
fn parker_two_unparkers() {
    model(3, || {
        let parker = Arc::new(Parker::new());
        let flags: Arc<[AtomicBool; 2]> = Arc::new([AtomicBool::new(false), AtomicBool::new(false)]);
        let ts: Vec<_> = (0..2)
            .map(|i| {
                let (parker, flags) = (parker.clone(), flags.clone());
                thread::spawn(move || {
                    flags[i].store(true, Relaxed);
                    parker.unpark();
                })
            })
            .collect();
        parker.park();
        let seen = [flags[0].load(Relaxed), flags[1].load(Relaxed)];
        for t in ts {
            t.join().unwrap();
        }
        let pending = parker.try_consume();
        assert!(pending || seen == [true, true], "an unpark was lost: seen {seen:?}, no permit pending");
        assert!(!parker.try_consume());
    });
}

/// Repeated park/unpark pairs: a ping-pong of two threads over two parkers.
#[test]
fn parker_ping_pong() {
    const ROUNDS: usize = 2;
    model(2, || {
        let ping = Arc::new(Parker::new());
        let pong = Arc::new(Parker::new());
        let turn = Arc::new(AtomicUsize::new(0));
        let t = thread::spawn({
            let (ping, pong, turn) = (ping.clone(), pong.clone(), turn.clone());
            move || {
                for round in 0..ROUNDS {
                    ping.park();
                    assert_eq!(turn.load(Relaxed), 2 * round + 1);
                    turn.store(2 * round + 2, Relaxed);
                    pong.unpark();
                }
            }
        });
        for round in 0..ROUNDS {
            assert_eq!(turn.load(Relaxed), 2 * round);
            turn.store(2 * round + 1, Relaxed);
            ping.unpark();
            pong.park();
        }
        assert_eq!(turn.load(Relaxed), 2 * ROUNDS);
        t.join().unwrap();
    });
}

// ---------------------------------------------------------------------------------------
// The park protocol (worker.rs `Worker::run`/`search`/`park`, scheduler.rs
// `Shared::inject`/`notify_parked`/`has_visible_work`/`begin_shutdown`)
// ---------------------------------------------------------------------------------------

/// The injector as the park protocol sees it: the length it mirrors, which `is_empty`
/// reads without a lock (every change is stored before the changer's lock is released,
/// and a pusher's `SeqCst` fence follows its push). Its own exactly-once and FIFO
/// behaviour under concurrent pushes, pops and a close is checked by the `injector_*`
/// models above; here the tasks are all alike, so only how many wait matters, and the
/// lock around the real queue (each acquisition a point where loom branches) would only
/// multiply this model's interleavings.
struct LenInjector {
    len: AtomicUsize,
}

impl LenInjector {
    fn new() -> Self {
        LenInjector { len: AtomicUsize::new(0) }
    }

    fn is_empty(&self) -> bool {
        self.len.load(Acquire) == 0
    }

    fn push(&self) {
        self.len.fetch_add(1, Release);
    }

    /// One task, if any (the lock's exclusion stands as a compare-and-swap).
    fn pop(&self) -> Option<()> {
        let mut n = self.len.load(Acquire);
        while n > 0 {
            match self.len.compare_exchange(n, n - 1, AcqRel, Acquire) {
                Ok(_) => return Some(()),
                Err(now) => n = now,
            }
        }
        None
    }
}

struct Shared {
    injector: LenInjector,
    /// The steal end of a `block_on` thread's driver queue (scheduler.rs `DriverQueue`).
    driver_queue: Steal<usize>,
    idle: Idle,
    parkers: Vec<Parker>,
    shutdown: AtomicBool,
    /// Unparked by the one task when it runs (stands in for its `JoinHandle`).
    done: Parker,
    ran: AtomicUsize,
}

impl Shared {
    fn notify_parked(&self) {
        if let Some(index) = self.idle.worker_to_notify() {
            self.parkers[index].unpark();
        }
    }

    /// Workers' own local queues are not modeled: tasks sit in the injector or in the
    /// driver queue.
    fn has_visible_work(&self) -> bool {
        !self.injector.is_empty() || !self.driver_queue.is_empty()
    }

    fn is_shutdown(&self) -> bool {
        self.shutdown.load(Acquire)
    }
}

/// `Worker::run` with the spinning search reduced to one look at the injector. Returns
/// whether the worker is still counted as searching when it exits.
fn worker(shared: &Shared, index: usize) -> bool {
    let mut is_searching = false;
    let run_task = |is_searching: &mut bool| {
        if *is_searching {
            *is_searching = false;
            if shared.idle.transition_from_searching() {
                shared.notify_parked();
            }
        }
        shared.ran.fetch_add(1, Relaxed);
        shared.done.unpark();
    };
    // What a driver queue's task is stolen into.
    let (mut local, _steal) = local_queue::new::<usize>();
    while !shared.is_shutdown() {
        // next_task
        if shared.injector.pop().is_some() {
            run_task(&mut is_searching);
            continue;
        }
        // search: steal (from the driver queue), then the injector
        if is_searching || shared.idle.transition_to_searching() {
            is_searching = true;
            if shared.driver_queue.steal_into(&mut local).is_some() || shared.injector.pop().is_some() {
                run_task(&mut is_searching);
                continue;
            }
        }
        // park
        let last_searcher = shared.idle.transition_to_parked(index, is_searching);
        // The fence in `Worker::park`.
        loom::sync::atomic::fence(SeqCst);
        if last_searcher && shared.has_visible_work() {
            shared.notify_parked();
        }
        if shared.is_shutdown() {
            // Not in the real worker (it just exits): unregister, so that the model can
            // check the idle accounting at rest.
            return shared.idle.transition_from_parked(index);
        }
        shared.parkers[index].park();
        is_searching = shared.idle.transition_from_parked(index);
    }
    is_searching
}

/// Checks that `idle` is back at rest (every worker unparked, none registered as a
/// sleeper, `searching` of them searching) using only its API, and leaves it at rest.
fn assert_idle_at_rest(idle: &Idle, num_workers: usize, searching: usize) {
    for k in (0..searching).rev() {
        assert_eq!(idle.transition_from_searching(), k == 0, "searching count");
    }
    assert_eq!(idle.worker_to_notify(), None, "nobody sleeps");
    // Park everybody: each must be woken exactly once, and then nobody is left to wake.
    for index in 0..num_workers {
        assert!(!idle.transition_to_parked(index, false));
    }
    let mut woken: Vec<usize> = iter::from_fn(|| {
        let index = idle.worker_to_notify()?;
        assert!(idle.transition_from_searching(), "a woken worker is the only searcher");
        Some(index)
    })
    .collect();
    woken.sort_unstable();
    assert_eq!(woken, (0..num_workers).collect::<Vec<_>>(), "unparked/sleepers accounting");
    assert_eq!(idle.worker_to_notify(), None);
}

/// `num_workers` workers start up and go idle while the main thread injects one task (or,
/// `via_driver_queue`, pushes it to the driver queue it checked out, as a `block_on` thread
/// spawning does); the task must run (if its wake-up were lost, the main thread would wait
/// for it forever and loom reports a deadlock). Then the main thread shuts the runtime down.
fn park_protocol(num_workers: usize, via_driver_queue: bool) {
    let (mut driver_local, driver_queue) = local_queue::new::<usize>();
    let shared = Arc::new(Shared {
        injector: LenInjector::new(),
        driver_queue,
        idle: Idle::new(num_workers),
        parkers: (0..num_workers).map(|_| Parker::new()).collect(),
        shutdown: AtomicBool::new(false),
        done: Parker::new(),
        ran: AtomicUsize::new(0),
    });
    let workers: Vec<_> = (0..num_workers)
        .map(|index| {
            let shared = shared.clone();
            thread::spawn(move || worker(&shared, index))
        })
        .collect();

    if via_driver_queue {
        // Core::push_back on a driver
        driver_local.push_back_or_overflow(7, &mut |_| unreachable!("one task fits"));
    } else {
        // Shared::inject
        shared.injector.push();
    }
    // The fence in `Shared::inject` (and in `Core::push_back` on a driver).
    loom::sync::atomic::fence(SeqCst);
    shared.notify_parked();
    // Wait for the task to run.
    shared.done.park();
    assert_eq!(shared.ran.load(Relaxed), 1);

    // Shared::begin_shutdown
    shared.shutdown.store(true, Release);
    assert!(shared.injector.is_empty(), "the task ran once");
    assert!(driver_local.pop().is_none(), "the task ran once");
    for p in &shared.parkers {
        p.unpark();
    }
    let still_searching = workers.into_iter().map(|w| w.join().unwrap()).filter(|&s| s).count();
    assert_eq!(shared.ran.load(Relaxed), 1);
    assert_idle_at_rest(&shared.idle, num_workers, still_searching);
}

/// One worker, which is always the last searcher when it parks.
#[test]
fn park_protocol_one_worker() {
    model(3, || park_protocol(1, false));
}

/// One worker, the task in a `block_on` thread's driver queue.
#[test]
fn park_protocol_one_worker_driver_queue() {
    model(3, || park_protocol(1, true));
}

/// Two workers: one may park without searching (only half the workers may search).
#[test]
fn park_protocol_two_workers() {
    model(2, || park_protocol(2, false));
}

/// Two workers, the task in a `block_on` thread's driver queue.
#[test]
fn park_protocol_two_workers_driver_queue() {
    model(2, || park_protocol(2, true));
}

// ---- the boxed-once slot ------------------------------------------------------------------

/// A value that counts its drops.
struct Tally {
    id: usize,
    drops: Arc<std::sync::atomic::AtomicUsize>,
}

impl Drop for Tally {
    fn drop(&mut self) {
        self.drops.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

// ---- the mailbox queue's spin lock ---------------------------------------------------------

/// Two threads, each running a read-then-write critical section: loom's cell tracking
/// fails the model if two sections ever overlap, and no increment is lost (the plain
/// `Release` store that unlocks publishes the section to the next holder). Two threads:
/// with a third spinning, loom cannot bound the spin loop's branches (its documented
/// limit for spin locks).
#[test]
fn spin_lock_mutual_exclusion() {
    model(3, || {
        let lock = Arc::new(SpinLock::new(0usize));
        let other = {
            let lock = lock.clone();
            thread::spawn(move || lock.with(|v| *v += 1))
        };
        lock.with(|v| *v += 1);
        other.join().unwrap();
        assert_eq!(lock.with(|v| *v), 2);
    });
}

// ---- the store's object cells: strong and weak counts ----------------------------------

/// The last strong handle is dropped while another thread upgrades a weak one (and then
/// drops both): an upgrade that succeeds sees the value not yet dropped, the value is
/// dropped exactly once, and only after the last strong handle, whichever thread that is.
#[test]
fn shared_box_last_strong_races_an_upgrade() {
    use std::sync::atomic::Ordering::Relaxed;
    model(3, || {
        let drops = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (strong, weak) = SharedBox::new_with_weak(Tally { id: 7, drops: drops.clone() });
        let upgrader = {
            let drops = drops.clone();
            thread::spawn(move || {
                if let Some(again) = weak.upgrade() {
                    assert_eq!(again.id, 7);
                    assert_eq!(drops.load(Relaxed), 0, "an upgraded handle keeps the value");
                }
                drop(weak);
            })
        };
        drop(strong);
        upgrader.join().unwrap();
        assert_eq!(drops.load(Relaxed), 1, "the value is dropped exactly once");
    });
}

/// A registry's erased weak handle upgrades and downcasts while the last typed strong
/// handle goes on another thread: a downcast to the wrong type hands the handle back
/// (dropped without harm), the right one keeps the value, and it is dropped exactly once.
#[test]
fn shared_box_erased_upgrade_races_the_last_strong() {
    use std::sync::atomic::Ordering::Relaxed;
    model(3, || {
        let drops = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let strong = SharedBox::new(Tally { id: 9, drops: drops.clone() });
        let erased = SharedBox::erased_weak(&strong);
        let finder = thread::spawn(move || {
            if let Some(found) = erased.upgrade() {
                let found = found.downcast::<u32>().expect_err("not a u32");
                let typed = found.downcast::<Tally>().expect("a Tally");
                assert_eq!(typed.id, 9);
            }
            drop(erased);
        });
        drop(strong);
        finder.join().unwrap();
        assert_eq!(drops.load(Relaxed), 1, "the value is dropped exactly once");
    });
}

// ---- an actor's cell: reference counts, scheduling state, its own waker -------------------

/// The future of a model cell: registers its waker, then finishes once `flag` is set.
/// Holds a reference to its own cell, as an actor's loop does.
struct WaitFlag {
    _me: CellRef<Tally>,
    flag: Arc<AtomicBool>,
    slot: Arc<loom::sync::Mutex<Option<std::task::Waker>>>,
    polls: Arc<std::sync::atomic::AtomicUsize>,
    drops: Arc<std::sync::atomic::AtomicUsize>,
}

impl core::future::Future for WaitFlag {
    type Output = ();
    fn poll(self: core::pin::Pin<&mut Self>, cx: &mut core::task::Context<'_>) -> core::task::Poll<()> {
        self.polls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        *self.slot.lock().unwrap() = Some(cx.waker().clone());
        if self.flag.load(Acquire) {
            core::task::Poll::Ready(())
        } else {
            core::task::Poll::Pending
        }
    }
}

impl Drop for WaitFlag {
    fn drop(&mut self) {
        self.drops.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// A model cell: its prefix counts drops in `prefix_drops`, its future (a [`WaitFlag`]) in
/// `future_drops`; its jobs go to the returned queue.
#[allow(clippy::type_complexity)]
fn model_cell(
    prefix_drops: &Arc<std::sync::atomic::AtomicUsize>,
    future_drops: &Arc<std::sync::atomic::AtomicUsize>,
) -> (
    CellRef<Tally>,
    CellJob,
    Arc<loom::sync::Mutex<Vec<CellJob>>>,
    Arc<AtomicBool>,
    Arc<loom::sync::Mutex<Option<std::task::Waker>>>,
) {
    let queue = Arc::new(loom::sync::Mutex::new(Vec::new()));
    let flag = Arc::new(AtomicBool::new(false));
    let slot = Arc::new(loom::sync::Mutex::new(None));
    let sink = queue.clone();
    let (f, s, drops) = (flag.clone(), slot.clone(), future_drops.clone());
    let (cell, job) = CellRef::spawn(
        Tally { id: 0, drops: prefix_drops.clone() },
        move |me| WaitFlag { _me: me, flag: f, slot: s, polls: Arc::default(), drops },
        move |_: &Tally, job: CellJob, _woken_while_running: bool| sink.lock().unwrap().push(job),
    );
    (cell, job, queue, flag, slot)
}

/// Runs every queued job (a job may queue its cell again).
fn drain(queue: &loom::sync::Mutex<Vec<CellJob>>) {
    loop {
        let next = queue.lock().unwrap().pop();
        match next {
            Some(job) => job.run(),
            None => break,
        }
    }
}

/// A cell's first run races a waker (setting the flag, then waking whatever waker the
/// future registered) and a handle being dropped: the wake-up is never lost (after both
/// threads are done, the queued jobs finish the future), the future is dropped exactly
/// once, and the block (its prefix) exactly once, when the last reference goes.
#[test]
fn cell_run_races_a_wake_and_a_handle_drop() {
    use std::sync::atomic::Ordering::Relaxed;
    model(3, || {
        let (prefix_drops, future_drops) = (Arc::default(), Arc::default());
        let (cell, job, queue, flag, slot) = model_cell(&prefix_drops, &future_drops);
        let waker = {
            let (flag, slot) = (flag.clone(), slot.clone());
            thread::spawn(move || {
                flag.store(true, Release);
                let registered = slot.lock().unwrap().take();
                if let Some(w) = registered {
                    w.wake();
                }
            })
        };
        let handle = {
            let other = cell.clone();
            thread::spawn(move || drop(other))
        };
        job.run();
        waker.join().unwrap();
        handle.join().unwrap();
        drain(&queue);
        assert_eq!(future_drops.load(Relaxed), 1, "the future finished and was dropped once");
        drop(slot.lock().unwrap().take());
        assert_eq!(prefix_drops.load(Relaxed), 0, "a handle still holds the block");
        drop(cell);
        assert_eq!(prefix_drops.load(Relaxed), 1, "the last reference frees the block once");
    });
}

/// A queued job is dropped unrun (runtime shutdown) while another thread wakes the cell:
/// the future is dropped exactly once, without a poll; the wake-up (before or after)
/// queues nothing; the block is freed once, by the last reference.
#[test]
fn cell_job_dropped_unrun_races_a_wake() {
    use std::sync::atomic::Ordering::Relaxed;
    model(3, || {
        let (prefix_drops, future_drops) = (Arc::default(), Arc::default());
        let (cell, job, queue, _flag, _slot) = model_cell(&prefix_drops, &future_drops);
        let waker = cell.waker();
        let other = thread::spawn(move || waker.wake());
        drop(job);
        other.join().unwrap();
        assert_eq!(future_drops.load(Relaxed), 1, "dropping the job drops the future once");
        assert!(queue.lock().unwrap().is_empty(), "a cancelled cell is never queued again");
        drop(cell);
        assert_eq!(prefix_drops.load(Relaxed), 1, "the block is freed once");
    });
}

// ---- a mailbox's waker slot: a lent cell waker, or a boxed general one --------------------

/// A cell lends its waker to the slot inside it and goes idle; two threads then race to
/// box the general waker (one registering the cell's counted waker in it) while a third
/// wakes the lent waker: both racers get the same box, the lent cell survives the move
/// into the box (still recognised, still woken), the lent wake-up queues the cell exactly
/// once, and waking the general waker afterwards queues nothing more (already scheduled).
#[test]
fn waker_slot_racing_boxes_keep_the_lent_cell() {
    model(3, || {
        let queue = Arc::new(loom::sync::Mutex::new(Vec::new()));
        let sink = queue.clone();
        let (cell, job) = CellRef::spawn(
            WakerSlot::new(),
            |me| {
                me.lend_waker(|slot| slot);
                core::future::pending::<()>()
            },
            move |_: &WakerSlot, job: CellJob, _woken_while_running: bool| sink.lock().unwrap().push(job),
        );
        job.run();
        assert!(queue.lock().unwrap().is_empty(), "idle after its first poll");
        let registering = {
            let cell = cell.clone();
            thread::spawn(move || {
                let atomic = cell.atomic();
                atomic.register(&cell.waker());
                atomic as *const _ as usize
            })
        };
        let boxing = {
            let cell = cell.clone();
            thread::spawn(move || cell.atomic() as *const _ as usize)
        };
        cell.wake_lent();
        let (a, b) = (registering.join().unwrap(), boxing.join().unwrap());
        assert_eq!(a, b, "one box wins");
        assert!(cell.is_lent(&cell.waker()), "the lent waker survives the boxing");
        assert_eq!(queue.lock().unwrap().len(), 1, "the lent wake-up queued the cell once");
        cell.wake_atomic();
        assert_eq!(queue.lock().unwrap().len(), 1, "already scheduled: nothing more queued");
        drain(&queue);
        cell.wake_lent();
        assert_eq!(queue.lock().unwrap().len(), 1, "idle again: the lent waker queues it");
        drain(&queue);
    });
}

// ---------------------------------------------------------------------------------------
// Helpers for the models below
// ---------------------------------------------------------------------------------------

/// Model state whose drop runs loom operations (a fixed mailbox's ring pops what is
/// left, a grant gives its share back): leaked, not dropped, while a failing model
/// unwinds, where any loom operation panics again and aborts the whole test binary.
struct LeakOnUnwind<T>(core::mem::ManuallyDrop<T>);

impl<T> LeakOnUnwind<T> {
    fn new(value: T) -> Self {
        LeakOnUnwind(core::mem::ManuallyDrop::new(value))
    }
}

impl<T> core::ops::Deref for LeakOnUnwind<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> core::ops::DerefMut for LeakOnUnwind<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T> Drop for LeakOnUnwind<T> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            // SAFETY: dropped once, here; the value is not used after.
            unsafe { core::mem::ManuallyDrop::drop(&mut self.0) }
        }
    }
}

/// A waker that counts its wake-ups (for a receiver that only looks again after a join).
struct CountWaker(AtomicUsize);

impl std::task::Wake for CountWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Release);
    }
}

fn count_waker() -> (Arc<CountWaker>, Waker) {
    let count = Arc::new(CountWaker(AtomicUsize::new(0)));
    (count.clone(), Waker::from(count))
}

/// A waker that counts its wake-ups and unparks a [`Parker`]: a task that sleeps until it
/// is woken (a lost wake-up leaves it parked, which loom reports as a deadlock).
struct ParkWaker {
    wakes: AtomicUsize,
    parker: Parker,
}

impl std::task::Wake for ParkWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Release);
        self.parker.unpark();
    }
}

fn park_waker() -> (Arc<ParkWaker>, Waker) {
    let w = Arc::new(ParkWaker { wakes: AtomicUsize::new(0), parker: Parker::new() });
    (w.clone(), Waker::from(w))
}

// ---------------------------------------------------------------------------------------
// The local executor's intrusive run queue (raw/intrusive_stack.rs)
// ---------------------------------------------------------------------------------------

/// A real `async-task` runnable with the executor's [`Header`](raw::task::Header) as
/// metadata, whose task records `id` in `ran` when it runs.
fn recording_runnable(id: usize, ran: &Arc<std::sync::Mutex<Vec<usize>>>) -> raw::task::Runnable {
    let ran = ran.clone();
    let (runnable, task) = async_task::Builder::new().metadata(raw::task::Header::new()).spawn(
        move |_| async move { ran.lock().unwrap().push(id) },
        |_: raw::task::Runnable| unreachable!("the task finishes in its first poll"),
    );
    task.detach();
    runnable
}

/// Two threads `push` real runnables (`0, 1` and `2, 3`, linked through the `next` field
/// of their header metadata) while a third `take_all`s and runs what it got; the main
/// thread then takes and runs the rest. Explores a push's CAS racing the taker's swap and
/// the other pusher's CAS, and the taker walking links while pushes continue on the new
/// head. Asserts every task is taken (and run) exactly once, and each pusher's tasks run
/// in push order (`take_all` hands them out oldest first; what a later `take_all` gets was
/// pushed after). `async-task` has no loom mode: its own atomics (the task state) are not
/// modelled, the stack's (`head`, each header's `next`) are.
#[test]
fn task_stack_two_pushers_and_take_all() {
    model(3, || {
        let stack = Arc::new(raw::intrusive_stack::TaskStack::new());
        let ran = Arc::new(std::sync::Mutex::new(Vec::new()));
        let pushers: Vec<_> = [[0, 1], [2, 3]]
            .into_iter()
            .map(|ids| {
                let runnables: Vec<_> = ids.iter().map(|&id| recording_runnable(id, &ran)).collect();
                let stack = stack.clone();
                thread::spawn(move || {
                    for r in runnables {
                        stack.push(r);
                    }
                })
            })
            .collect();
        let taker = {
            let stack = stack.clone();
            thread::spawn(move || {
                for r in stack.take_all() {
                    r.run();
                }
            })
        };
        taker.join().unwrap();
        for p in pushers {
            p.join().unwrap();
        }
        for r in stack.take_all() {
            r.run();
        }
        assert!(stack.is_empty());
        let ran = ran.lock().unwrap().clone();
        assert_fifo_per_producer(&ran);
        assert_exactly_once(ran, 0..4);
    });
}

// ---------------------------------------------------------------------------------------
// A thread's LIFO slot and the monitor that steals from it (raw/lifo_slot.rs)
// ---------------------------------------------------------------------------------------

/// A job for the LIFO slot: a number in a loom cell in a box, so loom also checks that
/// whoever gets the job sees what the owner wrote before putting it in the slot.
struct SlotJob(Box<loom::cell::UnsafeCell<usize>>);

// SAFETY: the box's pointer, given up and taken back unchanged; each box is owned once.
unsafe impl raw::lifo_slot::RawJob for SlotJob {
    fn into_raw(self) -> NonNull<()> {
        NonNull::from(Box::leak(self.0)).cast()
    }
    unsafe fn from_raw(ptr: NonNull<()>) -> Self {
        // SAFETY: by the caller's contract, from `into_raw`, turned back once.
        SlotJob(unsafe { Box::from_raw(ptr.cast::<loom::cell::UnsafeCell<usize>>().as_ptr()) })
    }
}

impl SlotJob {
    fn new(id: usize) -> Self {
        let job = SlotJob(Box::new(loom::cell::UnsafeCell::new(usize::MAX)));
        // SAFETY: the job is not shared yet.
        job.0.with_mut(|p| unsafe { *p = id });
        job
    }

    /// Runs (consumes) the job: its number.
    fn run(self) -> usize {
        // SAFETY: we own the job; loom checks the write is visible (happens-before).
        self.0.with(|p| unsafe { *p })
    }
}

/// The owner `put`s job 0 into the empty slot, `put`s job 1 (displacing 0 unless it was
/// stolen), `take`s (1 unless stolen), `put`s job 2 into the slot it emptied, while the
/// monitor twice does `seen()` then `steal(seen)`; at the end the owner takes what is
/// left. Explores a steal's CAS racing the owner's displacing swap, its take, and its
/// plain-store put (a freed job's address may come back for the next job: stealing that
/// one is allowed). Asserts every job is run exactly once (taken by the owner, displaced
/// and handed back, or stolen), none lost or run twice, and a put into a slot the owner
/// emptied never displaces anything.
#[test]
fn lifo_slot_owner_and_monitor() {
    model(3, || {
        let slot = Arc::new(raw::lifo_slot::LifoSlot::<SlotJob>::new());
        let monitor = {
            let slot = slot.clone();
            thread::spawn(move || {
                let mut stolen = Vec::new();
                for _ in 0..2 {
                    let seen = slot.seen();
                    stolen.extend(slot.steal(seen).map(SlotJob::run));
                }
                stolen
            })
        };
        let mut ran = Vec::new();
        assert!(slot.put(SlotJob::new(0)).is_none(), "the slot starts empty");
        ran.extend(slot.put(SlotJob::new(1)).map(SlotJob::run));
        ran.extend(slot.take().map(SlotJob::run));
        assert!(slot.put(SlotJob::new(2)).is_none(), "the owner emptied the slot, only it fills it");
        ran.extend(monitor.join().unwrap());
        ran.extend(slot.take().map(SlotJob::run));
        assert!(!slot.is_occupied());
        assert_exactly_once(ran, 0..3);
    });
}

// ---------------------------------------------------------------------------------------
// The fixed mailbox's ring (raw/fixed_ring.rs)
// ---------------------------------------------------------------------------------------

/// Moves the ring's positions forward by `n` (push and pop, single-threaded), so that the
/// model's slots wrap around (and their sequence numbers are in a later lap).
fn advance_ring<const N: usize>(ring: &raw::fixed_ring::FixedRing<usize, N>, n: usize) {
    for i in 0..n {
        ring.push(1000 + i).expect("empty ring");
        assert_eq!(ring.pop(), Some(1000 + i));
    }
}

/// Two producers push (`0, 1` and `2, 3`) into a 4-slot ring whose positions were
/// advanced by 3 (their pushes wrap around the end), while the consumer pops twice; the
/// rest is popped after the joins. Explores producers racing for the same position (the
/// tail CAS), a pop finding a claimed but unwritten slot, and the sequence numbers of a
/// second lap. Asserts no push fails (4 values never exceed 4 slots), every value is
/// popped exactly once, FIFO per producer; loom's cell tracking checks no slot is read
/// before its write is published, nor written while read.
#[test]
fn fixed_ring_two_producers_one_consumer() {
    model(3, || {
        let ring = Arc::new(raw::fixed_ring::FixedRing::<usize, 4>::new());
        advance_ring(&ring, 3);
        let producers: Vec<_> = [[0, 1], [2, 3]]
            .into_iter()
            .map(|values| {
                let ring = ring.clone();
                thread::spawn(move || {
                    for v in values {
                        ring.push(v).expect("4 values fit in 4 slots");
                    }
                })
            })
            .collect();
        let mut got: Vec<usize> = ring.pop().into_iter().collect();
        got.extend(ring.pop());
        for p in producers {
            p.join().unwrap();
        }
        got.extend(iter::from_fn(|| ring.pop()));
        assert_fifo_per_producer(&got);
        assert_exactly_once(got, 0..4);
    });
}

/// A 2-slot ring (positions advanced by 1) holds one value: full minus one. The producer
/// pushes 1, then reads whether the consumer's pop of 0 has returned, then pushes 2,
/// while the consumer pops (0) and announces it, then pops again. Explores a push racing
/// a pop of the slot it needs next (the pop has claimed the position but not yet freed
/// the slot). Asserts a push never fails while fewer than 2 values are pushed and not yet
/// popped (a pop in flight counts as not popped until it returned): the push of 1 always
/// succeeds, and the push of 2 succeeds whenever the pop of 0 had returned before it
/// started — no spurious "full". What was popped is FIFO, exactly once.
#[test]
fn fixed_ring_no_spurious_full() {
    model(3, || {
        let ring = Arc::new(raw::fixed_ring::FixedRing::<usize, 2>::new());
        advance_ring(&ring, 1);
        ring.push(0).expect("empty ring");
        let popped = Arc::new(AtomicBool::new(false));
        let producer = {
            let (ring, popped) = (ring.clone(), popped.clone());
            thread::spawn(move || {
                ring.push(1).expect("one value queued: there is room for a second");
                let room = popped.load(Acquire);
                match ring.push(2) {
                    Ok(()) => None,
                    Err(v) => {
                        assert!(!room, "spurious full: 0 was popped, only 1 is queued");
                        Some(v)
                    }
                }
            })
        };
        let mut got = vec![ring.pop().expect("0 was queued before the producer started")];
        popped.store(true, Release);
        got.extend(ring.pop());
        let refused = producer.join().unwrap();
        got.extend(iter::from_fn(|| ring.pop()));
        assert!(got.windows(2).all(|w| w[0] < w[1]), "FIFO: {got:?}");
        got.extend(refused);
        assert_exactly_once(got, 0..3);
    });
}

// ---------------------------------------------------------------------------------------
// Mailbox wake-ups and close (mailbox/mod.rs, mailbox/queue.rs)
// ---------------------------------------------------------------------------------------

/// One sender `try_send`s 7 while the receiver polls once; then the receiver checks that
/// the wake-up was not lost: it got the message, or it returned `Pending` and was woken,
/// and then its next poll gets the message. At most one wake-up.
fn mailbox_no_lost_wakeup(mailbox: mailbox::Mailbox<usize>) {
    let mailbox = Arc::new(LeakOnUnwind::new(mailbox));
    let sender = {
        let mailbox = mailbox.clone();
        thread::spawn(move || mailbox.try_send(7).unwrap())
    };
    let (count, waker) = count_waker();
    let mut cx = Context::from_waker(&waker);
    let first = mailbox.poll_recv(&mut cx);
    sender.join().unwrap();
    let wakes = count.0.load(Acquire);
    assert!(wakes <= 1, "one send wakes the receiver at most once: {wakes}");
    match first {
        Poll::Ready(Some(7)) => {}
        Poll::Pending => {
            assert_eq!(wakes, 1, "lost wake-up: the receiver went idle, the send did not wake it");
            assert_eq!(mailbox.poll_recv(&mut cx), Poll::Ready(Some(7)));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(mailbox.try_recv(), None);
}

/// A growable mailbox (`Queue::growable`: the spin lock, and the mirror word with the
/// receiver's idle state recorded under the lock): a `try_send` races the receiver's
/// `poll_recv` (lock-free look, waker registration, `pop_or_idle` under the lock).
/// Asserts no lost wake-up: after the sender is done, the receiver got the message, or
/// went idle and was woken (once), and its next poll gets the message.
#[test]
fn mailbox_growable_no_lost_wakeup() {
    model(3, || mailbox_no_lost_wakeup(mailbox::Mailbox::unbounded()));
}

/// A fixed mailbox (`Mailbox::fixed::<2>`: the ring, the reservation count, the
/// `receiver_idle` flag and the `SeqCst` fences of `go_idle` / `wake_if_idle`): a
/// `try_send` races the receiver's `poll_recv`. Asserts no lost wake-up: the receiver got
/// the message, or announced itself idle and was woken (at most once), and its next
/// poll gets the message.
#[test]
fn mailbox_fixed_no_lost_wakeup() {
    model(3, || mailbox_no_lost_wakeup(mailbox::Mailbox::fixed::<2>()));
}

/// A fixed mailbox's close protocol: a sender's `try_send(7)` races `close()`, after
/// which the receiver drains (`poll_recv` until `Ready(None)`, sleeping on `Pending`
/// until woken). Explores a send that reserved its place before the close and pushes
/// after it (the receiver must wait for it: `drained_after_close`), a send that sees the
/// close only after reserving (`unreserve` wakes the receiver), and the fences pairing the
/// two. Asserts the message is either refused (`Err(Closed)`) or received before
/// `Ready(None)`, never left in the queue once the receiver saw `Ready(None)`, and that
/// the receiver is never left asleep (loom's deadlock report).
#[test]
fn mailbox_fixed_send_races_close() {
    model(3, || {
        let mailbox = Arc::new(LeakOnUnwind::new(mailbox::Mailbox::<usize>::fixed::<2>()));
        let sender = {
            let mailbox = mailbox.clone();
            thread::spawn(move || mailbox.try_send(7))
        };
        let (w, waker) = park_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(mailbox.close(), "the first close");
        let mut got = Vec::new();
        loop {
            match mailbox.poll_recv(&mut cx) {
                Poll::Ready(Some(m)) => got.push(m),
                Poll::Ready(None) => break,
                Poll::Pending => w.parker.park(),
            }
        }
        let sent = sender.join().unwrap();
        assert_eq!(mailbox.try_recv(), None, "a message was left behind after Ready(None)");
        match sent {
            Ok(()) => assert_eq!(got, [7], "accepted, so received before Ready(None)"),
            Err(mailbox::TrySendError::Closed(7)) => assert!(got.is_empty(), "refused, yet received"),
            Err(e) => panic!("unexpected {e:?}"),
        }
    });
}

// ---------------------------------------------------------------------------------------
// CPU admission (task/admission.rs)
// ---------------------------------------------------------------------------------------

/// A task needing `units` of `pool`: acquires (sleeping until woken while queued), then
/// releases. Returns whether it had to wait.
fn pool_task(pool: Arc<task::admission::CpuPool>, units: u64) -> bool {
    let (w, waker) = park_waker();
    let cx = Context::from_waker(&waker);
    let mut grant = LeakOnUnwind::new(task::admission::Grant::on_pool(pool, units));
    let mut waited = false;
    loop {
        match grant.poll_held(&cx) {
            Poll::Ready(r) => break r.expect("the pool is open"),
            Poll::Pending => {
                waited = true;
                w.parker.park();
            }
        }
    }
    grant.release();
    drop(grant);
    assert_eq!(w.wakes.load(Acquire), usize::from(waited), "woken once if (and only if) queued");
    waited
}

/// Two tasks each needing the whole pool (1 CPU) race: one acquires (lock-free
/// `try_acquire_fast`), the other fails the fast path and queues under the lock (setting
/// `QUEUED` with a CAS on the value it found insufficient), while the holder releases
/// (lock-free while `QUEUED` is clear, else under the lock, granting the queue head).
/// Asserts the queued task is granted and woken (a lost grant leaves it asleep: loom's
/// deadlock report), each task is woken only if it queued, and the pool ends with every
/// unit free and `QUEUED` clear.
#[test]
fn cpu_pool_release_grants_the_queued_task() {
    model(3, || {
        let pool = Arc::new(task::admission::CpuPool::new(task::options::to_units(1.0)));
        let total = pool.total();
        let other = {
            let pool = pool.clone();
            thread::spawn(move || pool_task(pool, total))
        };
        let waited = pool_task(pool.clone(), total);
        let other_waited = other.join().unwrap();
        assert!(!(waited && other_waited), "one of them got the pool without waiting");
        assert_eq!(pool.free_and_queued(), (total, false), "every unit back, QUEUED clear");
    });
}

// ---------------------------------------------------------------------------------------
// `block_on`'s driver signal (executor/block_on.rs)
// ---------------------------------------------------------------------------------------

/// The driver's main future: registers its waker in `slot`, then is ready once `flag` is
/// set.
struct Flagged {
    flag: Arc<AtomicBool>,
    slot: Arc<loom::sync::Mutex<Option<Waker>>>,
}

impl core::future::Future for Flagged {
    type Output = ();
    fn poll(self: core::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        *self.slot.lock().unwrap() = Some(cx.waker().clone());
        if self.flag.load(Acquire) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// The real `block_on` (with the scheduler shimmed away: no LIFO task, no injected work,
/// and one spin round under loom) drives a future that another thread completes: it sets
/// a flag, then `wake_by_ref`s the waker the future registered (`DriverSignal`: swap
/// `woken`, unpark if it was clear). Explores the wake landing anywhere in the driver's
/// "swap `woken` false → poll → (nothing to do) → spin → `try_consume` → fence → check
/// `woken` → park" sequence. Asserts the driver never sleeps forever (a lost wake-up is
/// loom's deadlock report) and `block_on` returns.
#[test]
fn block_on_driver_signal_wake_is_not_lost() {
    model(3, || {
        let shared = Arc::new(executor::scheduler::Shared::new());
        let flag = Arc::new(AtomicBool::new(false));
        let slot = Arc::new(loom::sync::Mutex::new(None::<Waker>));
        let waker = {
            let (flag, slot) = (flag.clone(), slot.clone());
            thread::spawn(move || {
                flag.store(true, Release);
                let registered = slot.lock().unwrap().take();
                if let Some(w) = registered {
                    w.wake_by_ref();
                }
            })
        };
        executor::block_on::block_on(&shared, Flagged { flag, slot: slot.clone() });
        waker.join().unwrap();
        drop(slot.lock().unwrap().take());
    });
}

// ---------------------------------------------------------------------------------------
// `wait`'s shared waker (object/wait.rs)
// ---------------------------------------------------------------------------------------

/// `object/wait.rs`'s `Signal`, replicated (that file needs the object store; `Signal` is
/// private to it): the count of registered objects that completed, and the waiting task's
/// waker in an `AtomicWaker` (the real `atomic-waker` type, whose internals loom does not
/// model: its `register` and `wake` run as single steps).
struct WaitSignal {
    completed: AtomicUsize,
    task: atomic_waker::AtomicWaker,
}

impl std::task::Wake for WaitSignal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    // As `Signal::wake_by_ref`.
    fn wake_by_ref(self: &Arc<Self>) {
        self.completed.fetch_add(1, SeqCst);
        self.task.wake();
    }
}

/// `wait_ready(&[a, b], 2)` on two pending objects that complete concurrently: the
/// waiting task registers its waker (`Wait::register`: before the shared waker goes to the
/// objects), its first poll returns `Pending` (nothing was ready before), and each later
/// poll re-registers and reads the count (`Wait::poll`), sleeping until woken while it is
/// below 2; each object's completion is the shared waker's `wake_by_ref` (count, then
/// wake the task). Asserts the waiter sees both completions: it is never left asleep
/// (loom's deadlock report) and its last poll reads 2.
#[test]
fn wait_signal_sees_both_completions() {
    model(3, || {
        let signal = Arc::new(WaitSignal { completed: AtomicUsize::new(0), task: atomic_waker::AtomicWaker::new() });
        let (w, task_waker) = park_waker();
        // Wait::register
        signal.task.register(&task_waker);
        let shared = Waker::from(signal.clone());
        let objects: Vec<_> = (0..2)
            .map(|_| {
                let shared = shared.clone();
                thread::spawn(move || shared.wake_by_ref())
            })
            .collect();
        drop(shared);
        let ready_before = 0;
        // The first poll: `ready_before` (0) is below the goal.
        w.parker.park();
        // Wait::poll, until the goal is met.
        loop {
            signal.task.register(&task_waker);
            if ready_before + signal.completed.load(SeqCst) >= 2 {
                break;
            }
            w.parker.park();
        }
        for o in objects {
            o.join().unwrap();
        }
        assert_eq!(signal.completed.load(SeqCst), 2);
    });
}

// ---------------------------------------------------------------------------------------
// The object cell (object/cell.rs): a producer completes an object while a reader registers
// on it and the last ref goes
// ---------------------------------------------------------------------------------------

/// A value that counts its drops.
struct Dropped(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A pending object cell and a promise's weak handle to it.
fn pending_cell<T>() -> (SharedBox<object::cell::ObjectCell<T>>, WeakShared<object::cell::ObjectCell<T>>) {
    SharedBox::new_with_weak(object::cell::ObjectCell::new(
        Arc::new(object::store::Shard),
        object::cell::State::Pending(Default::default()),
    ))
}

/// A producer completes the object (through a weak ref, as a `Promise` does: its strong
/// ref goes before it wakes) while a reader checks it and, finding it pending, registers
/// and sleeps until woken: the reader is always woken and then reads the value (a lost
/// wake-up leaves it parked: loom's deadlock report).
#[test]
fn object_cell_completion_races_a_registering_reader() {
    model(3, || {
        let (cell, weak) = pending_cell::<usize>();
        let producer = thread::spawn(move || {
            if let Some(cell) = weak.upgrade() {
                let wakeup = cell.complete(Ok(7));
                drop(cell);
                wakeup.wake();
            }
        });
        let (woken, waker) = park_waker();
        let mut key = None;
        let read = |key: &mut Option<usize>| cell.read_or_register(&waker, key, |s, _named| s.value().copied());
        let got = match read(&mut key) {
            Some(r) => r,
            None => {
                woken.parker.park();
                read(&mut key).expect("ready once woken")
            }
        };
        assert_eq!(got, Ok(7));
        producer.join().unwrap();
    });
}

/// A producer completes the object while the reader looks at it and drops the last ref:
/// the value is dropped exactly once, whichever wins (stored then freed with the cell, or
/// refused by a cell already gone). (The refs' strong and weak counts are modelled, as is
/// the cell's lock, taken by both sides.)
#[test]
fn object_cell_completion_races_the_last_ref() {
    model(3, || {
        let drops = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (cell, weak) = pending_cell::<Dropped>();
        let value = Dropped(drops.clone());
        let producer = thread::spawn(move || match weak.upgrade() {
            Some(cell) => {
                let wakeup = cell.complete(Ok(value));
                drop(cell);
                wakeup.wake();
            }
            None => drop(value),
        });
        let _seen_ready = cell.is_ready();
        drop(cell);
        producer.join().unwrap();
        assert_eq!(drops.load(std::sync::atomic::Ordering::SeqCst), 1, "the value dropped once");
    });
}
