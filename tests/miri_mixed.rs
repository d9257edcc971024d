//! One program that exercises every `unsafe` path of the runtime at once, small enough for
//! Miri (CI runs it under Stacked and Tree Borrows: `cargo +nightly miri test --test
//! miri_mixed`): actor cells with growable, bounded and fixed mailboxes, sends from other
//! threads, stop and kill, panicking methods with a restart, a chain of dependent remote
//! tasks, the object store, a stranded LIFO job taken over by the monitor, and a shutdown
//! with work still queued. As a plain test it checks the same results.

mod common;

use std::sync::mpsc;
use std::time::Duration;

use common::quiet_intentional_panics;
use rustyray::{Error, ObjectRef, Runtime};

#[rustyray::actor]
pub struct Acc {
    total: u64,
}

#[rustyray::actor_methods]
impl Acc {
    pub fn new() -> Self {
        Acc { total: 0 }
    }

    pub fn add(&mut self, x: u64) -> u64 {
        if x == 13 {
            panic!("intentional: an unlucky number");
        }
        self.total += x;
        self.total
    }

    pub async fn add_later(&mut self, x: u64) -> u64 {
        rustyray::executor::yield_now().await;
        self.total += x;
        self.total
    }

    pub async fn hold(&mut self, gate: ObjectRef<()>) -> u64 {
        let _ = gate.get().await;
        self.total
    }
}

#[rustyray::remote]
fn step(x: u64) -> u64 {
    x + 1
}

#[test]
fn a_mixed_program() {
    quiet_intentional_panics();
    let rt = Runtime::builder().worker_threads(2).build().expect("runtime");
    let out = rt.block_on(async {
        // Three mailbox kinds, a restart after a panic.
        let growable = Acc::options().max_restarts(1).restart_backoff(Duration::ZERO, Duration::ZERO).remote().await?;
        let bounded = Acc::options().mailbox_capacity(2).remote().await?;
        let fixed = Acc::options().fixed_mailbox::<4>().remote().await?;
        for a in [&growable, &bounded, &fixed] {
            a.add(1).tell().await?;
            assert_eq!(a.add_later(2).await?.get().await?, 3);
        }
        let boom = growable.add(13).await?;
        assert!(matches!(boom.get().await, Err(Error::TaskPanicked { .. })));
        assert_eq!(growable.add(5).await?.get().await?, 5, "rebuilt after the panic");

        // Sends from another thread.
        let from_thread = {
            let fixed = fixed.clone();
            std::thread::spawn(move || futures_lite::future::block_on(async { fixed.add(10).await?.get().await }))
        };
        assert_eq!(from_thread.join().expect("thread"), Ok(13));

        // stop drains, kill refuses.
        let queued = bounded.add(4).await?;
        bounded.stop();
        assert_eq!(queued.get().await, Ok(7));
        fixed.kill();
        assert!(matches!(fixed.add(1).await, Err(Error::ActorDied { .. })));

        // A chain of dependent tasks.
        let mut r: ObjectRef<u64> = step::remote(0).await?;
        for _ in 0..7 {
            r = step::remote(r).await?;
        }
        assert_eq!(r.get().await, Ok(8));

        // A task woken by this thread, which then blocks: the monitor takes it over.
        let (tx, rx) = mpsc::channel();
        let (obj, promise) = rt.store().pending::<u32>();
        let waiter = rustyray::spawn(async move {
            let v = obj.get().await;
            let _ = tx.send(());
            v
        });
        rustyray::executor::yield_now().await; // the waiter registers on its object
        promise.fulfill(Ok(1));
        let _ = rx.recv_timeout(Duration::from_secs(60));
        assert_eq!(waiter.await?, Ok(1));

        // Leave work behind for the shutdown: a busy actor with calls queued behind.
        let (gate, never) = rt.store().pending::<()>();
        let held = growable.hold(gate).await?;
        let queued = growable.add(1).await?;
        Ok::<_, Error>((growable, held, queued, never))
    });
    let (growable, held, queued, _never) = out.expect("the program");
    rt.shutdown();
    for r in [held, queued] {
        let v = futures_lite::future::block_on(r.get());
        assert!(matches!(v, Err(Error::ActorDied { .. })), "answered at shutdown: {v:?}");
    }
    assert_eq!(growable.state(), rustyray::actor::ActorState::Stopped);
}
