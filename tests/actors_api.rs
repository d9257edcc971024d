//! Actors' API end to end: both front ends (`#[rustyray::actor]` /
//! `#[rustyray::actor_methods]` and `rustyray::dsl::actor!`), constructors and every creation
//! form, method shapes, typed user errors, handles across tasks, threads and actors, and
//! calls between actors.
//!
//! Every test builds its own runtime. Timeouts are hang guards only (they assert that
//! something finishes at all, never how fast).

mod common;

use std::time::Duration;

use common::actors::review::{Counter, CounterHandle};
use common::actors::{review_dsl, runtime, Labeled, Tracked};
use common::guard;
use rustyray::actor::WeakActorHandle;
use rustyray::{ActorHandle, Error, ObjectRef};

// ---- actors -----------------------------------------------------------------------------

/// A user error type carried, typed, in a method's `Result`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MathError {
    DivisionByZero,
    Overflow { a: i32, b: i32 },
}

/// Every method shape: `&self` / `&mut self`, sync / async, 0..4 arguments, results
/// `()`, `String`, `Vec`, tuples and `Result<T, MathError>`.
#[rustyray::actor]
pub struct Kitchen {
    items: Vec<String>,
    touches: u32,
}

#[rustyray::actor_methods]
impl Kitchen {
    pub fn new() -> Self {
        Kitchen { items: Vec::new(), touches: 0 }
    }

    /// sync, `&self`, no arguments.
    pub fn touches(&self) -> u32 {
        self.touches
    }

    /// sync, `&mut self`, returns `()` (no return type written).
    pub fn touch(&mut self) {
        self.touches += 1;
    }

    /// async, `&mut self`, one argument.
    pub async fn push(&mut self, item: String) -> usize {
        rustyray::time::sleep(Duration::from_millis(1)).await;
        self.items.push(item);
        self.items.len()
    }

    /// async, `&self`, returns a `String`.
    pub async fn joined(&self, sep: String) -> String {
        self.items.join(&sep)
    }

    /// sync, `&self`, two arguments, returns a `Vec`.
    pub fn pair(&self, a: u32, b: String) -> Vec<String> {
        vec![a.to_string(), b]
    }

    /// async, `&mut self`, three arguments.
    pub async fn sum3(&mut self, a: u8, b: u16, c: u32) -> u64 {
        self.touches += 1;
        u64::from(a) + u64::from(b) + u64::from(c)
    }

    /// sync, `&self`, four arguments, returns a tuple.
    #[allow(clippy::type_complexity)]
    pub fn four(
        &self,
        a: i64,
        b: Vec<u8>,
        c: Option<String>,
        d: (u8, bool),
    ) -> (i64, usize, Option<String>, (u8, bool)) {
        (a, b.len(), c, d)
    }

    /// sync, typed error.
    pub fn checked_div(&self, a: i32, b: i32) -> Result<i32, MathError> {
        if b == 0 {
            Err(MathError::DivisionByZero)
        } else {
            Ok(a / b)
        }
    }

    /// async, `&mut self`, typed error.
    pub async fn checked_mul(&mut self, a: i32, b: i32) -> Result<i32, MathError> {
        self.touches += 1;
        a.checked_mul(b).ok_or(MathError::Overflow { a, b })
    }
}

/// Calls other actors from inside its methods.
#[rustyray::actor]
pub struct Relay {
    target: CounterHandle,
    forwarded: u32,
}

#[rustyray::actor_methods]
impl Relay {
    pub fn new(target: CounterHandle) -> Self {
        Relay { target, forwarded: 0 }
    }

    /// Increments the target `times` times, one call after another; the last value.
    pub async fn forward(&mut self, times: u32) -> i32 {
        let mut last = 0;
        for _ in 0..times {
            last = self.target.increment().await.expect("queued").get().await.expect("a value");
        }
        self.forwarded += times;
        last
    }

    /// Calls an actor handed over as an argument.
    pub async fn via(&self, other: CounterHandle) -> i32 {
        other.increment().await.expect("queued").get().await.expect("a value")
    }

    pub fn forwarded(&self) -> u32 {
        self.forwarded
    }
}

// ---- the design review example ------------------------------------------------------------

#[test]
fn design_review_example_attribute_macros() -> Result<(), Error> {
    let rt = runtime();
    rt.block_on(async {
        let counter: CounterHandle = Counter::remote().await?;
        let r: ObjectRef<i32> = counter.increment().await?;
        assert_eq!(r.get().await?, 1);
        assert_eq!(counter.increment().await?.get().await?, 2);
        counter.increment().tell().await?;
        assert_eq!(counter.get().await?.get().await?, 3);
        Ok(())
    })
}

#[test]
fn design_review_example_declare_actor() -> Result<(), Error> {
    let rt = runtime();
    rt.block_on(async {
        let counter: ActorHandle<review_dsl::Counter> = review_dsl::Counter::remote().await?;
        let r: ObjectRef<i32> = counter.increment().await?;
        assert_eq!(r.get().await?, 1);
        assert_eq!(counter.increment().await?.get().await?, 2);
        counter.increment().tell().await?;
        assert_eq!(counter.get().await?.get().await?, 3);
        Ok(())
    })
}

#[test]
fn the_generated_methods_are_also_plain_local_methods() {
    let mut c = Counter::new();
    assert_eq!(c.get(), 0);
    let k = Kitchen::new();
    assert_eq!(k.checked_div(7, 0), Err(MathError::DivisionByZero));
    let mut l = Labeled::new(1, "x".into());
    assert_eq!(l.increment(), 2);
    assert_eq!(l.describe(), "x=2");
    // An async method is an ordinary async fn locally.
    let rt = runtime();
    assert_eq!(rt.block_on(c.increment()), 1);
}

// ---- constructors -----------------------------------------------------------------------

#[test]
fn constructors_with_several_arguments_and_every_creation_form() -> Result<(), Error> {
    let rt = runtime();
    rt.block_on(async {
        let a = Labeled::remote(5, "a".to_string()).await?;
        let b = Labeled::remote_on(&rt, 7, "b".to_string()).await?;
        let c = Labeled::remote_on(rt.handle(), 9, "c".to_string()).await?;
        let d = Labeled::options().remote(11, "d".to_string()).await?;
        let e = Labeled::options().max_restarts(1).remote_on(&rt, 13, "e".to_string()).await?;
        assert_eq!(a.increment().await?.get().await?, 6);
        assert_eq!(b.increment().await?.get().await?, 8);
        assert_eq!(c.increment().await?.get().await?, 10);
        assert_eq!(d.increment().await?.get().await?, 12);
        assert_eq!(e.increment().await?.get().await?, 14);
        assert_eq!(a.describe().await?.get().await?, "a=6");
        assert_eq!(e.describe().await?.get().await?, "e=14");
        // Distinct actors.
        assert_ne!(a.actor_ref().id(), b.actor_ref().id());
        Ok(())
    })
}

#[test]
fn remote_on_an_explicit_runtime_from_outside_it() -> Result<(), Error> {
    use futures_lite::future::block_on;
    let rt = runtime();
    // Created on `rt` from a thread that is in no runtime (a foreign executor polls the
    // creation future), then called from that thread and from `rt`'s own tasks.
    let c = block_on(Counter::remote_on(&rt))?;
    let l = block_on(Labeled::remote_on(rt.handle(), 1, "x".to_string()))?;
    assert_eq!(block_on(async { c.increment().await?.get().await })?, 1);
    assert_eq!(block_on(async { l.increment().await?.get().await })?, 2);
    let c2 = c.clone();
    assert_eq!(rt.block_on(rt.spawn(async move { c2.increment().await?.get().await }))??, 2);
    // Outside every runtime, with no default runtime (this file never calls `init`),
    // `remote()` has nowhere to run.
    assert!(matches!(block_on(Counter::remote()), Err(Error::NoRuntime)));
    Ok(())
}

// ---- methods ------------------------------------------------------------------------------

#[test]
fn method_shapes_arguments_and_results() -> Result<(), Error> {
    let rt = runtime();
    rt.block_on(async {
        let k = Kitchen::remote().await?;
        assert_eq!(k.touches().await?.get().await?, 0);
        let unit: ObjectRef<()> = k.touch().await?;
        unit.get().await?;
        k.touch().tell().await?;
        assert_eq!(k.touches().await?.get().await?, 2);

        assert_eq!(k.push("a".to_string()).await?.get().await?, 1);
        assert_eq!(k.push("b".to_string()).await?.get().await?, 2);
        let joined: ObjectRef<String> = k.joined(", ".to_string()).await?;
        assert_eq!(joined.get().await?, "a, b");
        let pair: ObjectRef<Vec<String>> = k.pair(4, "x".to_string()).await?;
        assert_eq!(pair.get().await?, vec!["4".to_string(), "x".to_string()]);
        assert_eq!(k.sum3(1, 300, 70_000).await?.get().await?, 70_301);
        assert_eq!(
            k.four(-3, vec![1, 2, 3], Some("s".into()), (9, true)).await?.get().await?,
            (-3, 3, Some("s".to_string()), (9, true))
        );
        assert_eq!(k.touches().await?.get().await?, 3);
        Ok(())
    })
}

#[test]
fn a_method_returning_result_gives_the_user_error_back_typed() -> Result<(), Error> {
    let rt = runtime();
    rt.block_on(async {
        let k = Kitchen::remote().await?;
        let ok: ObjectRef<Result<i32, MathError>> = k.checked_div(7, 2).await?;
        assert_eq!(ok.get().await?, Ok(3));
        let err = k.checked_div(7, 0).await?.get().await?;
        assert_eq!(err, Err(MathError::DivisionByZero));
        match k.checked_mul(i32::MAX, 2).await?.get().await? {
            Err(MathError::Overflow { a, b }) => assert_eq!((a, b), (i32::MAX, 2)),
            other => panic!("expected Overflow, got {other:?}"),
        }
        assert_eq!(k.checked_mul(6, 7).await?.get().await?, Ok(42));
        // The user's error is a value of the object, not a rustyray error: the actor is fine.
        assert_eq!(k.touches().await?.get().await?, 2);
        Ok(())
    })
}

// ---- handles ------------------------------------------------------------------------------

#[test]
fn handles_are_clone_send_sync() {
    fn check<T: Clone + Send + Sync + 'static>() {}
    check::<CounterHandle>();
    check::<ActorHandle<Counter>>();
    check::<ActorHandle<review_dsl::Counter>>();
    check::<ActorHandle<Tracked>>();
    check::<WeakActorHandle<Counter>>();
    check::<ObjectRef<Result<i32, MathError>>>();
    fn send<T: Send>(_: &T) {}
    // The future of an awaited call can move between threads.
    let rt = runtime();
    rt.block_on(async {
        let c = Counter::remote().await.expect("created");
        let fut = std::future::IntoFuture::into_future(c.increment());
        send(&fut);
        let tell = c.increment().tell();
        send(&tell);
        drop((fut, tell));
    });
}

#[test]
fn handles_work_from_spawned_tasks_and_other_threads() -> Result<(), Error> {
    let rt = runtime();
    let c = rt.block_on(Counter::remote())?;
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let c = c.clone();
            rt.spawn(async move {
                for _ in 0..100 {
                    c.increment().await?.get().await?;
                }
                Ok::<_, Error>(())
            })
        })
        .collect();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let c = c.clone();
            let h = rt.handle().clone();
            std::thread::spawn(move || {
                h.block_on(async move {
                    for _ in 0..100 {
                        c.increment().tell().await?;
                    }
                    Ok::<_, Error>(())
                })
            })
        })
        .collect();
    rt.block_on(async {
        for t in tasks {
            guard("a task using a cloned handle", t).await??;
        }
        Ok::<_, Error>(())
    })?;
    for t in threads {
        t.join().expect("thread")?;
    }
    assert_eq!(rt.block_on(async { c.get().await?.get().await })?, 600);
    Ok(())
}

#[test]
fn actors_call_other_actors() -> Result<(), Error> {
    let rt = runtime();
    rt.block_on(async {
        let target = Counter::remote().await?;
        let relay = Relay::remote(target.clone()).await?;
        assert_eq!(guard("forward", relay.forward(10).await?.get()).await?, 10);
        let other = Counter::remote().await?;
        assert_eq!(relay.via(other.clone()).await?.get().await?, 1);
        assert_eq!(relay.via(other.clone()).await?.get().await?, 2);
        // Two relays on one target, from concurrent callers.
        let relay2 = Relay::remote(target.clone()).await?;
        let a = relay.forward(50).await?;
        let b = relay2.forward(50).await?;
        let (a, b) = (guard("relay a", a.get()).await?, guard("relay b", b.get()).await?);
        assert_eq!(a.max(b), 110);
        assert_eq!(target.get().await?.get().await?, 110);
        assert_eq!(relay.forwarded().await?.get().await?, 60);
        Ok(())
    })
}
