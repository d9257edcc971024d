//! loom model checks of the executor's lock-free and concurrent pieces.
//!
//! ```text
//! CARGO_TARGET_DIR=target/loom RUSTFLAGS="--cfg loom" cargo test --release --test loom
//! ```
//!
//! (A separate target dir: `--cfg loom` would otherwise invalidate the normal build cache.)
//! Every model runs with a preemption bound of 2 or 3 (`LOOM_MAX_PREEMPTIONS` overrides it
//! for all of them). The pieces are `pub(crate)`, so they are included by path; their
//! `crate::sync::…` paths then resolve to this crate's `sync` module, i.e. to loom.
//! Under `--cfg loom` the local queue's `CAPACITY` is 4, so full-queue models stay small.
//! A lost wake-up shows up as loom's "deadlock" panic (every thread blocked).

#![cfg(loom)]
#![allow(dead_code, unreachable_pub)]

extern crate alloc;

#[path = "../src/raw/cell.rs"]
mod cell;
#[path = "../src/executor/idle.rs"]
mod idle;
#[path = "../src/executor/injector.rs"]
mod injector;
#[path = "../src/raw/local_queue.rs"]
mod local_queue;
#[path = "../src/executor/park.rs"]
mod park;
#[path = "../src/raw/spin_lock.rs"]
mod spin_lock;
#[path = "../src/sync.rs"]
mod sync;
#[path = "../src/raw/waker_slot.rs"]
mod waker_slot;

use core::iter;

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::*};
use loom::thread;
// The models share state through `std`'s `Arc` (its reference counts are not under test):
// when loom reports a deadlock it unwinds the blocked threads, and dropping a loom `Arc`
// there panics again and aborts the whole test binary instead of failing one test.
use std::sync::Arc;

use cell::{CellJob, CellRef};
use idle::Idle;
use injector::Injector;
use local_queue::{Local, Steal, CAPACITY};
use park::Parker;
use spin_lock::SpinLock;
use waker_slot::WakerSlot;

/// Runs `f` under loom with at most `preemptions` preemptions per execution, unless
/// `LOOM_MAX_PREEMPTIONS` asks for another bound.
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
    builder.check(move || {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        f();
    });
    eprintln!(
        "{} executions explored (preemption bound {:?})",
        executions.load(std::sync::atomic::Ordering::Relaxed),
        builder.preemption_bound
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
        assert!([&[][..], &[3], &[2, 3]].contains(&&refused2[..]), "only a tail of a batch is refused: {refused2:?}");
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

struct Shared {
    injector: Injector<usize>,
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

    /// Local queues are not modeled: tasks only ever sit in the injector.
    fn has_visible_work(&self) -> bool {
        !self.injector.is_empty()
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
    while !shared.is_shutdown() {
        // next_task
        if shared.injector.pop().is_some() {
            run_task(&mut is_searching);
            continue;
        }
        // search
        if is_searching || shared.idle.transition_to_searching() {
            is_searching = true;
            if shared.injector.pop().is_some() {
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

/// `num_workers` workers start up and go idle while the main thread injects one task; the
/// task must run (if its wake-up were lost, the main thread would wait for it forever and
/// loom reports a deadlock). Then the main thread shuts the runtime down.
fn park_protocol(num_workers: usize) {
    let shared = Arc::new(Shared {
        injector: Injector::new(),
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

    // Shared::inject
    shared.injector.push(7).unwrap();
    // The fence in `Shared::inject`.
    loom::sync::atomic::fence(SeqCst);
    shared.notify_parked();
    // Wait for the task to run.
    shared.done.park();
    assert_eq!(shared.ran.load(Relaxed), 1);

    // Shared::begin_shutdown
    shared.shutdown.store(true, Release);
    assert!(shared.injector.close().is_empty());
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
    model(3, || park_protocol(1));
}

/// Two workers: one may park without searching (only half the workers may search).
#[test]
fn park_protocol_two_workers() {
    model(2, || park_protocol(2));
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
