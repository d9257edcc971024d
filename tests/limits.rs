//! Bad input and limits (`docs/semantics.md` §1.6, §1.7, §2.3, §3.2, §3.5): `Duration::MAX`
//! means "no deadline", long chains of objects free without recursion, deep postcard input
//! is refused with a typed error, reference cycles stay visible in the store's counters,
//! fixed mailboxes neither refuse a reserved send nor strand a send that races `stop()`,
//! and panics outside any task's poll never take a worker thread down.

mod common;

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Barrier};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use common::{drive, guard, quiet_intentional_panics, recv, runtime, wait};
use rustyray::mailbox::Mailbox;
use rustyray::{time, Error, ObjectRef, Store};
use serde::{Deserialize, Serialize};

// ---- Duration::MAX ---------------------------------------------------------------------

/// Asks for a delayed and a periodic self-call that never come.
#[rustyray::actor]
pub struct Patient {
    calls: u32,
}

#[rustyray::actor_methods]
impl Patient {
    pub fn new() -> Self {
        Patient { calls: 0 }
    }

    fn on_start(&mut self, ctx: &rustyray::ActorContext<Self>) {
        ctx.run_later(Duration::MAX, |h| async move {
            let _ = h.bump().await;
        });
        ctx.run_interval(Duration::MAX, |h| async move {
            let _ = h.bump().await;
        });
    }

    pub fn bump(&mut self) -> u32 {
        self.calls += 1;
        self.calls
    }
}

#[test]
fn duration_max_means_no_deadline() {
    let rt = runtime(2);
    drive(&rt, "every timer API with Duration::MAX", async {
        assert_eq!(time::timeout(Duration::MAX, async { 5 }).await, Ok(5));
        let ready = rustyray::put(3_u32)?;
        assert_eq!(ready.get_timeout(Duration::MAX).await, Ok(3));
        let (later, promise) = rt.store().pending::<u32>();
        rt.spawn(async move {
            time::sleep(Duration::from_millis(1)).await;
            promise.fulfill(Ok(4));
        })
        .detach();
        assert_eq!(later.get_timeout(Duration::MAX).await, Ok(4));
        let (never, _keep) = rt.store().pending::<u32>();
        let (ready_refs, pending_refs) = rustyray::wait(&[ready.clone(), never.clone()], 1, Some(Duration::MAX)).await;
        assert_eq!((ready_refs, pending_refs), (vec![ready.clone()], vec![never.clone()]));

        let mut cx = Context::from_waker(Waker::noop());
        let mut sleep = pin!(time::sleep(Duration::MAX));
        assert_eq!(sleep.as_mut().poll(&mut cx), Poll::Pending);
        let mut ticks = time::interval(Duration::MAX);
        ticks.tick().await; // the first tick is at once
        assert_eq!(pin!(ticks.tick()).poll(&mut cx), Poll::Pending, "the next one never comes");

        let p = Patient::remote().await?;
        assert_eq!(guard("a call", p.bump().await?.get()).await?, 1, "no self-call came");
        Ok::<(), Error>(())
    })
    .expect("no panic, no early deadline");
}

// ---- recursion ---------------------------------------------------------------------------

/// An object holding the previous object's ref.
#[derive(Clone)]
struct Link(#[allow(dead_code)] Option<ObjectRef<Link>>);

#[test]
fn a_long_chain_of_objects_is_freed_without_overflowing_the_stack() {
    let store = Store::new();
    let mut head = store.put(Link(None));
    for _ in 0..200_000 {
        head = store.put(Link(Some(head)));
    }
    assert_eq!(store.stats().live, 200_001);
    // Each object holds the last ref of the one before it: dropping the head frees them all.
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || drop(head))
        .expect("a thread")
        .join()
        .expect("freed without overflowing a small stack");
    assert_eq!(store.stats().live, 0);
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
enum List {
    Nil,
    Cons(Box<List>),
}

#[test]
fn import_refuses_values_nested_too_deep() {
    let store = Store::new();
    let mut bytes = vec![1_u8; 1_000_000]; // a million nested `Cons`
    bytes.push(0);
    match store.import::<List>(&bytes) {
        Err(Error::Decode { message }) => assert!(message.contains("deeper"), "{message}"),
        other => panic!("expected a Decode error, got {other:?}"),
    }
    // Within the limit it decodes.
    let ok = store.import::<List>(&[1, 1, 0]).expect("shallow");
    assert_eq!(
        wait("an imported object", ok.get_shared()).as_deref(),
        Ok(&List::Cons(Box::new(List::Cons(Box::new(List::Nil)))))
    );
}

/// An object that holds a ref to itself.
struct SelfRef(#[allow(dead_code)] Option<ObjectRef<SelfRef>>);

#[test]
fn a_reference_cycle_stays_live_and_shows_in_the_counters() {
    let store = Store::new();
    let (obj, promise) = store.pending::<SelfRef>();
    promise.fulfill(Ok(SelfRef(Some(obj.clone()))));
    drop(obj);
    // Nothing can reach it any more, but its own ref keeps it: a leak, as in Ray, visible
    // as a live object that never goes away.
    assert_eq!(store.stats().live, 1);
    assert_eq!(store.stats().freed, 0);
}

// ---- fixed mailboxes -------------------------------------------------------------------

#[test]
fn a_fixed_mailbox_never_refuses_a_send_that_has_room() {
    const N: usize = 4;
    const MESSAGES: usize = 200_000;
    let mb = Arc::new(Mailbox::<usize>::fixed::<N>());
    let received = Arc::new(AtomicUsize::new(0));
    let receiver = {
        let (mb, received) = (mb.clone(), received.clone());
        std::thread::spawn(move || {
            let mut next = 0;
            while next < MESSAGES {
                if let Some(v) = mb.try_recv() {
                    assert_eq!(v, next, "FIFO, nothing lost or duplicated");
                    next += 1;
                    received.store(next, SeqCst);
                }
            }
        })
    };
    let mut sent = 0;
    while sent < MESSAGES {
        // Fewer than N unreceived: there is room, whatever the receiver is doing.
        if sent - received.load(SeqCst) < N {
            assert!(mb.try_send(sent).is_ok(), "a send with room was refused (message {sent})");
            sent += 1;
        }
    }
    receiver.join().expect("the receiver saw every message in order");
}

/// Counts calls; its mailbox is fixed.
#[rustyray::actor]
pub struct Tally {
    n: u64,
}

#[rustyray::actor_methods]
impl Tally {
    pub fn new() -> Self {
        Tally { n: 0 }
    }

    pub fn incr(&mut self) -> u64 {
        self.n += 1;
        self.n
    }
}

#[test]
fn a_send_racing_stop_on_a_fixed_mailbox_is_answered() {
    let rt = runtime(2);
    for round in 0..200 {
        drive(&rt, "sends racing stop", async {
            let t = Tally::options().fixed_mailbox::<4>().remote().await?;
            let senders: Vec<_> = (0..3)
                .map(|_| {
                    let t = t.clone();
                    rt.spawn(async move {
                        let mut refs = Vec::new();
                        for _ in 0..8 {
                            match t.incr().await {
                                Ok(r) => refs.push(r),
                                Err(e) => {
                                    assert!(matches!(e, Error::ActorDied { .. }), "{e:?}");
                                    break;
                                }
                            }
                        }
                        refs
                    })
                })
                .collect();
            t.stop();
            for s in senders {
                for r in guard("a sender", s).await? {
                    // Handled, or refused with ActorDied: never left pending.
                    match guard("a call sent while the actor stopped", r.get()).await {
                        Ok(_) => {}
                        Err(e) => assert!(matches!(e, Error::ActorDied { .. }), "round {round}: {e:?}"),
                    }
                }
            }
            Ok::<(), Error>(())
        })
        .expect("every call answered");
    }
}

// ---- panics outside a task's poll --------------------------------------------------------

/// Panics when dropped.
struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("intentional: a drop that panics");
        }
    }
}

/// A future that is ready at once and panics when dropped afterwards.
struct ReadyThenBomb(#[allow(dead_code)] Bomb);

impl Future for ReadyThenBomb {
    type Output = u32;
    fn poll(self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u32> {
        Poll::Ready(7)
    }
}

/// True once both workers run a task at the same time (a dead worker would never come).
fn both_workers_alive(rt: &rustyray::Runtime) -> bool {
    let barrier = Arc::new(Barrier::new(2));
    let (tx, rx) = mpsc::channel();
    for _ in 0..2 {
        let (barrier, tx) = (barrier.clone(), tx.clone());
        rt.spawn(async move {
            barrier.wait();
            let _ = tx.send(());
        })
        .detach();
    }
    recv(&rx, "the first of two tasks that need both workers");
    recv(&rx, "the second of two tasks that need both workers");
    true
}

#[test]
fn panics_in_drops_outside_any_poll_leave_every_worker_running() {
    quiet_intentional_panics();
    let rt = runtime(2);
    // A finished future whose drop panics: its task reports the panic.
    let r = wait("a task whose finished future panics on drop", rt.spawn(ReadyThenBomb(Bomb)));
    assert!(matches!(r, Err(Error::TaskPanicked { .. })), "{r:?}");
    // A detached task's output whose drop panics (dropped by the worker that ran it).
    for _ in 0..4 {
        rt.spawn(async { Bomb }).detach();
    }
    assert!(both_workers_alive(&rt));
    // A queued message whose drop panics when the killed actor rejects it.
    drive(&rt, "a message that panics on drop", async {
        let b = BombSink::remote().await?;
        b.hold_then_ignore(Bomb).tell().await?;
        b.kill();
        Ok::<(), Error>(())
    })
    .expect("sent");
    assert!(both_workers_alive(&rt));
}

/// Takes a `Bomb` argument (which never panics inside the method: it is forgotten there).
#[rustyray::actor]
pub struct BombSink {}

#[rustyray::actor_methods]
impl BombSink {
    pub fn new() -> Self {
        BombSink {}
    }

    pub fn hold_then_ignore(&self, bomb: Bomb) {
        std::mem::forget(bomb);
    }
}
