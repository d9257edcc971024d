//! Starting an actor and the loop that runs it: one message at a time, panics caught
//! and answered with restarts, stop/kill honoured, state dropped exactly once.
//!
//! ```text
//!  start ─▶ create(args) ─▶ on_start ─▶ ┌─ recv ─▶ handle ─────────────┐
//!                                       │   │ panic: restarts left?    │
//!                                       │   │   yes: drop state,       │
//!                                       │   │        create(args.clone()), on_start
//!                                       │   │   no:  die (queued → ActorDied)
//!                                       └───┴──────────────────────────┘
//!  mailbox closed & drained (stop / last handle) ─▶ on_stop ─▶ drop state ─▶ STOPPED
//!  killed: queued calls fail with ActorDied, the call in progress is dropped at its next
//!          await point ─▶ on_stop ─▶ drop state ─▶ STOPPED
//! ```

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::sync::Arc;
use core::future::Future;
use core::pin::pin;
use core::task::Poll;

use super::context::ActorContext;
use super::handle::{ActorHandle, ActorRef, ActorShared, ActorState};
use super::options::ActorOptions;
use super::traits::Actor;
use super::Spawner;
use crate::executor::task::FailureScope;
use crate::mailbox::{Capacity, Mailbox};
use crate::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering::*};
use crate::Error;

// usize: 32-bit targets have no 64-bit atomics.
static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

/// Creates the actor's shared state, registers its name, and spawns its loop.
pub(crate) fn start<A: Actor>(
    spawner: &impl Spawner,
    args: A::Args,
    opts: ActorOptions<A>,
) -> Result<ActorHandle<A>, Error> {
    if opts.capacity == Capacity::Bounded(0) {
        return Err(Error::InvalidConfig { reason: "mailbox_capacity must be at least 1" });
    }
    #[cfg(feature = "std")]
    let runtime = spawner.runtime_handle();
    let shared = Arc::new(ActorShared {
        mailbox: match opts.fixed {
            Some(make) => make(),
            None => Mailbox::new(opts.capacity),
        },
        state: AtomicU8::new(ActorState::Running as u8),
        killed: AtomicBool::new(false),
        handles: AtomicUsize::new(0),
        name: opts.name.clone(),
        id: NEXT_ID.fetch_add(1, Relaxed) as u64,
        store: spawner.store(),
        #[cfg(feature = "std")]
        runtime,
    });
    #[cfg(feature = "std")]
    if shared.name.is_some() {
        let rt = shared
            .runtime
            .as_ref()
            .ok_or(Error::InvalidConfig { reason: "named actors need a std runtime (the registry is per runtime)" })?;
        if let Some(existing) = rt.shared.actors.register(&shared, opts.get_if_exists)? {
            return Ok(existing);
        }
    }
    let handle = ActorHandle::from_ref(ActorRef::counted(shared.clone()));
    let policy = Policy { max_restarts: opts.max_restarts };
    spawner.spawn_detached(run::<A>(shared, args, policy));
    Ok(handle)
}

#[derive(Clone, Copy)]
struct Policy {
    max_restarts: u32,
}

enum Outcome {
    Handled,
    Panicked(String),
    Killed,
}

/// Builds the actor and runs `on_start`; a panic there is reported as `Err`.
async fn build<A: Actor>(args: A::Args, ctx: &ActorContext<A>) -> Result<A, String> {
    let created = crate::executor::task::catch(async move {
        let a = A::create(args);
        a
    })
    .await;
    let mut actor = created.map_err(panic_text)?;
    crate::executor::task::catch(async { actor.on_start(ctx) }).await.map_err(panic_text)?;
    Ok(actor)
}

fn panic_text(e: Error) -> String {
    match e {
        Error::TaskPanicked { message } => message,
        other => alloc::format!("{other}"),
    }
}

/// Handles one message; catches a panic; abandons the handler if the actor is killed.
async fn handle_one<A: Actor>(actor: &mut A, msg: A::Msg, ctx: &ActorContext<A>) -> Outcome {
    let shared = &ctx.shared;
    // Declared before `fut`: if the actor is killed mid-call, the abandoned call's promise
    // is dropped inside this scope and resolves to ActorDied.
    let mut scope = FailureScope::new();
    let mut fut = pin!(crate::executor::task::catch(actor.handle(msg, ctx)));
    let outcome = core::future::poll_fn(|cx| {
        if let Poll::Ready(r) = fut.as_mut().poll(cx) {
            return Poll::Ready(match r {
                Ok(()) => Outcome::Handled,
                Err(e) => Outcome::Panicked(panic_text(e)),
            });
        }
        // Waiting inside the handler: let kill() wake us through the mailbox.
        shared.mailbox.register_receiver(cx.waker());
        if shared.killed.load(Acquire) {
            return Poll::Ready(Outcome::Killed);
        }
        Poll::Pending
    })
    .await;
    if let Outcome::Killed = outcome {
        scope.set(died("killed"));
    }
    outcome
}

fn died(reason: &str) -> Error {
    Error::ActorDied { reason: String::from(reason) }
}

/// The actor's task.
async fn run<A: Actor>(shared: Arc<ActorShared<A>>, args: A::Args, policy: Policy) {
    let ctx = ActorContext { shared: shared.clone() };
    let mut restarts_left = policy.max_restarts;
    let mut actor = match build::<A>(args.clone(), &ctx).await {
        Ok(a) => Some(a),
        Err(_) => None,
    };
    let mut death = if actor.is_none() { Some("its constructor panicked") } else { None };
    if death.is_some() {
        shared.killed.store(true, Release);
        shared.mailbox.close();
    }
    // Messages taken from the mailbox in one batch (one lock per batch, not per message).
    let mut batch = VecDeque::new();
    loop {
        let Some(msg) = batch.pop_front() else {
            let more = core::future::poll_fn(|cx| shared.mailbox.poll_recv_batch(cx, &mut batch)).await;
            if more {
                continue;
            }
            break;
        };
        shared.mailbox.consumed();
        // Share the worker fairly: every 128 messages, yield (the cooperative budget).
        core::future::poll_fn(crate::executor::poll_proceed).await;
        let Some(state) = actor.as_mut() else {
            A::reject(msg, died(death.unwrap_or("stopped")));
            continue;
        };
        if shared.killed.load(Acquire) {
            A::reject(msg, died(death.unwrap_or("killed")));
            continue;
        }
        match handle_one(state, msg, &ctx).await {
            Outcome::Handled => {}
            Outcome::Killed => {
                death = Some("killed");
            }
            Outcome::Panicked(_message) => {
                // The panicking call's own result was failed by its promise (TaskPanicked).
                drop(actor.take());
                if restarts_left > 0 {
                    restarts_left -= 1;
                    match build::<A>(args.clone(), &ctx).await {
                        Ok(a) => actor = Some(a),
                        Err(_) => death = Some("its constructor panicked during a restart"),
                    }
                } else {
                    death = Some("a method panicked and no restarts are left");
                }
                if actor.is_none() {
                    shared.killed.store(true, Release);
                    shared.mailbox.close();
                }
            }
        }
    }
    if let Some(mut a) = actor.take() {
        a.on_stop();
        drop(a);
    }
    shared.set_state(ActorState::Stopped);
    #[cfg(feature = "std")]
    if let (Some(name), Some(rt)) = (&shared.name, &shared.runtime) {
        rt.shared.actors.remove(name, shared.id);
    }
}
