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
use core::pin::pin;
use core::task::Poll;

use super::context::ActorContext;
use super::handle::{ActorHandle, ActorRef, ActorShared, ActorState};
use super::options::ActorOptions;
use super::traits::Actor;
use super::Spawner;
use crate::executor::task::{catch_sync, poll_catch, FailureScope};
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
    let shared = Arc::new(ActorShared {
        mailbox: match opts.fixed {
            Some(make) => make(),
            None => Mailbox::new(opts.capacity),
        },
        state: AtomicU8::new(ActorState::Running as u8),
        killed: AtomicBool::new(false),
        handles: AtomicUsize::new(0),
        name: opts.name.clone().map(String::into_boxed_str),
        id: NEXT_ID.fetch_add(1, Relaxed) as u64,
        home: spawner.store(),
    });
    #[cfg(feature = "std")]
    if shared.name.is_some() {
        let rt = shared
            .home
            .runtime()
            .ok_or(Error::InvalidConfig { reason: "named actors need a std runtime (the registry is per runtime)" })?;
        if let Some(existing) = rt.shared.actors.register(&shared, opts.get_if_exists)? {
            return Ok(existing);
        }
    }
    let handle = ActorHandle::from_ref(ActorRef::counted(shared.clone()));
    let policy = Policy { max_restarts: opts.max_restarts, max_task_retries: opts.max_task_retries };
    spawner.spawn_detached(run::<A>(shared, args, policy));
    Ok(handle)
}

#[derive(Clone, Copy)]
struct Policy {
    max_restarts: u32,
    max_task_retries: u32,
}

enum Outcome {
    Handled,
    /// The handler panicked (`TaskPanicked`) or the actor was killed (`ActorDied`).
    Failed(Error),
}

/// Builds the actor and runs `on_start` (both synchronous); a panic is reported as `Err`.
fn build<A: Actor>(args: A::Args, ctx: &ActorContext<A>) -> Result<A, Error> {
    let mut actor = catch_sync(|| A::create(args))?;
    catch_sync(|| actor.on_start(ctx))?;
    Ok(actor)
}

fn died(reason: &str) -> Error {
    Error::ActorDied { reason: String::from(reason) }
}

/// Handles one message: polls the handler (catching panics) and abandons it if the actor
/// is killed meanwhile. One flat future, so an idle actor's task stays small.
async fn handle_one<A: Actor>(actor: &mut A, msg: A::Msg, ctx: &ActorContext<A>) -> Outcome {
    // Declared before `fut`, so it is dropped after it: promises the abandoned or
    // panicked handler still owns resolve to this scope's error.
    let mut scope = FailureScope::new();
    let mut fut = pin!(actor.handle(msg, ctx));
    let outcome = core::future::poll_fn(|cx| match poll_catch(fut.as_mut(), cx) {
        Poll::Ready(Ok(())) => Poll::Ready(Outcome::Handled),
        Poll::Ready(Err(e)) => Poll::Ready(Outcome::Failed(e)),
        Poll::Pending => {
            // Waiting inside the handler: let kill() wake us through the mailbox.
            ctx.shared.mailbox.register_receiver(cx.waker());
            if ctx.shared.killed.load(Acquire) {
                Poll::Ready(Outcome::Failed(died("killed")))
            } else {
                Poll::Pending
            }
        }
    })
    .await;
    if let Outcome::Failed(e) = &outcome {
        scope.set(e.clone());
    }
    outcome
}

/// The actor's task.
async fn run<A: Actor>(shared: Arc<ActorShared<A>>, args: A::Args, policy: Policy) {
    let ctx = ActorContext::new(shared, policy.max_task_retries > 0);
    let shared = &ctx.shared;
    let mut restarts_left = policy.max_restarts;
    let mut actor = build::<A>(args.clone(), &ctx).ok();
    let mut death: &'static str = "its constructor panicked";
    if actor.is_none() {
        shared.killed.store(true, Release);
        shared.mailbox.close();
    }
    // Messages taken from the mailbox in one batch (one lock per batch, not per message).
    let mut batch = VecDeque::new();
    // A call whose method panicked, to run again first (after the restart), with the
    // number of times it has run so far.
    let mut retry: Option<(A::Msg, u32)> = None;
    loop {
        let (msg, runs) = if let Some(again) = retry.take() {
            again
        } else {
            let next = match batch.pop_front() {
                Some(msg) => msg,
                // The batch is used up: the next message, and the rest queued behind it.
                // (An actor going idle frees the batch buffer: an idle actor owns none.)
                None => match core::future::poll_fn(|cx| shared.mailbox.poll_recv_batch(cx, &mut batch)).await {
                    Some(msg) => msg,
                    None => break,
                },
            };
            shared.mailbox.consumed();
            (next, 0)
        };
        // Share the worker fairly: every 128 messages, yield (the cooperative budget).
        core::future::poll_fn(crate::executor::poll_proceed).await;
        let Some(state) = actor.as_mut() else {
            A::reject(msg, died(death));
            continue;
        };
        if shared.killed.load(Acquire) {
            A::reject(msg, died("killed"));
            continue;
        }
        match handle_one(state, msg, &ctx).await {
            // A finished call took its kept copy back itself (see `ActorContext::__keep`).
            Outcome::Handled => {}
            Outcome::Failed(Error::ActorDied { .. }) => {
                // Killed mid-call: the rest of the queue is rejected above.
                death = "killed";
                if let Some(kept) = ctx.__take_kept() {
                    A::reject(kept, died(death));
                }
            }
            Outcome::Failed(panic) => {
                // The panicking call's own result holds TaskPanicked { message }, unless the
                // call was kept for a retry: then it runs again or gets that error here.
                drop(actor.take());
                if restarts_left > 0 {
                    restarts_left -= 1;
                    actor = build::<A>(args.clone(), &ctx).ok();
                    death = "its constructor panicked during a restart";
                } else {
                    death = "a method panicked and no restarts were left";
                }
                if actor.is_none() {
                    shared.killed.store(true, Release);
                    shared.mailbox.close();
                }
                if let Some(kept) = ctx.__take_kept() {
                    if actor.is_some() && runs < policy.max_task_retries {
                        retry = Some((kept, runs + 1));
                    } else {
                        A::reject(kept, panic);
                    }
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
    if let (Some(name), Some(rt)) = (&shared.name, shared.home.runtime()) {
        rt.shared.actors.remove(name, shared.id);
    }
}
