//! Actors that serve many calls at once (Ray's async actors with `max_concurrency`, and its
//! concurrency groups).
//!
//! An actor declared `#[concurrent]` (or `#[concurrent(group = limit, …)]`) may run its
//! `&self` methods' calls side by side: up to `max_concurrency` calls of its default group
//! and up to each named group's limit, all interleaving on the actor's own task (no extra
//! thread; they overlap at their `await`s). `&mut self` methods still run alone.
//!
//! ```text
//!  a shared call ─▶ phase: ┌─ take the next call ─┬─ shared, room in its group ─▶ start it
//!                          │                      ├─ shared, group full ─▶ hold it (in order)
//!                          │                      └─ exclusive ─▶ barrier: take no more
//!                          └─ a call ends ─▶ start held calls that now have room
//!  barrier and nothing running ─▶ back to the one-at-a-time loop, which runs the exclusive
//!  call; a panic or a kill ─▶ the calls still running are dropped (their callers get
//!  `ActorDied`), held calls go back to the front of the queue, the loop restarts or dies
//! ```
//!
//! A held call is not yet *consumed*: in a bounded mailbox it keeps its place, so a full
//! group makes senders wait exactly as a busy one-at-a-time actor does.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll};

use futures_util::stream::{FuturesUnordered, StreamExt};

use super::context::ActorContext;
use super::supervisor::Death;
use super::trace::{self, Traced};
use super::traits::Actor;
use crate::executor::failure::{drop_failed, FailureScope};
use crate::executor::poll_catch;
use crate::mailbox::Spill;
use crate::sync::atomic::Ordering::Acquire;
use crate::Error;

/// How many calls of each group may run at once: `limits[0]` is the default group
/// (`max_concurrency`), then the declared groups in order.
#[derive(Debug)]
pub(crate) struct Concurrency {
    limits: Box<[u32]>,
}

impl Concurrency {
    /// The limits of an actor of type `A` created with `max_concurrency`; `None` when it
    /// serves one call at a time (not `#[concurrent]`, or no limit above 1).
    pub(crate) fn of<A: Actor>(max_concurrency: u32) -> Result<Option<Self>, Error> {
        if max_concurrency == 0 {
            return Err(Error::InvalidConfig { reason: "max_concurrency must be at least 1" });
        }
        if !A::CONCURRENT {
            if max_concurrency > 1 {
                return Err(Error::InvalidConfig {
                    reason: "max_concurrency above 1 needs an actor declared #[concurrent] (its &self methods then run side by side)",
                });
            }
            return Ok(None);
        }
        if A::CONCURRENCY_GROUPS.iter().any(|&(_, limit)| limit == 0) {
            return Err(Error::InvalidConfig { reason: "a concurrency group's limit must be at least 1" });
        }
        if max_concurrency == 1 && A::CONCURRENCY_GROUPS.is_empty() {
            return Ok(None);
        }
        let limits = core::iter::once(max_concurrency).chain(A::CONCURRENCY_GROUPS.iter().map(|&(_, l)| l)).collect();
        Ok(Some(Concurrency { limits }))
    }
}

/// The index of the group `name` in `groups`, plus one (0 is the default group); a
/// compile-time error, through const evaluation, if there is none. Used by the DSL.
#[doc(hidden)]
pub const fn group_index(groups: &[(&str, u32)], name: &str) -> usize {
    let mut i = 0;
    while i < groups.len() {
        if str_eq(groups[i].0, name) {
            return i + 1;
        }
        i += 1;
    }
    panic!("#[concurrency_group(…)] names a group the actor's #[concurrent(…)] does not declare")
}

/// `a == b` in a `const` context (the generated tables' lookups).
pub(crate) const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// What a concurrent stretch starts from: the actor loop's queue, the first shared call
/// and its group. Built by the loop, consumed by [`serve`]. (Public only for the DSL's
/// `Actor::__serve_concurrently`.)
#[doc(hidden)]
#[allow(missing_debug_implementations)]
pub struct Phase<'a, A: Actor> {
    batch: &'a mut Spill<A::Msg>,
    ctx: &'a ActorContext<A>,
    conc: &'a Concurrency,
    first: A::Msg,
    group: usize,
}

impl<'a, A: Actor> Phase<'a, A> {
    pub(crate) fn new(
        batch: &'a mut Spill<A::Msg>,
        ctx: &'a ActorContext<A>,
        conc: &'a Concurrency,
        first: A::Msg,
        group: usize,
    ) -> Self {
        Phase { batch, ctx, conc, first, group }
    }
}

/// How a concurrent stretch ended. (Public only for the DSL.)
#[doc(hidden)]
#[allow(missing_debug_implementations)]
pub struct PhaseEnd<M>(pub(crate) End<M>);

pub(crate) enum End<M> {
    /// The mailbox closed and every call it held has run.
    Closed,
    /// An exclusive call is next (it is back at the front of the queue, not yet
    /// consumed); nothing runs.
    Barrier,
    /// A call panicked or the actor was killed; nothing runs, held calls are back at the
    /// front of the queue.
    Failed(Error),
    /// The actor was built without concurrency (never: the loop asks first).
    Refused(M),
}

/// The boxed future of a concurrent stretch: boxed so an actor that never runs one holds
/// no room for it in its task, and `Send` because the DSL builds it where it knows the
/// actor is `Sync`.
#[doc(hidden)]
pub type BoxedPhase<'a, A> = Pin<Box<dyn Future<Output = PhaseEnd<<A as Actor>::Msg>> + Send + 'a>>;

/// The default `Actor::__serve_concurrently`: an actor not declared `#[concurrent]` never
/// gets here (its loop does not start a stretch).
#[doc(hidden)]
pub(crate) fn refuse<A: Actor>(phase: Phase<'_, A>) -> BoxedPhase<'_, A> {
    Box::pin(core::future::ready(PhaseEnd(End::Refused(phase.first))))
}

/// Runs a concurrent stretch of `actor` (the DSL's `__serve_concurrently` for an actor
/// declared `#[concurrent]`; `Sync` because its `&self` calls share it).
#[doc(hidden)]
pub fn serve<'a, A: Actor + Sync>(actor: &'a A, phase: Phase<'a, A>) -> BoxedPhase<'a, A> {
    Box::pin(run(actor, phase))
}

pin_project_lite::pin_project! {
    /// One shared call running: its handler, with panics caught.
    struct Running<A, F> {
        group: usize,
        // An `async` call's trace (a synchronous one traces itself: `method::run_traced`).
        traced: Traced,
        _actor: PhantomData<fn() -> A>,
        #[pin]
        handler: Option<F>,
    }
}

impl<A: Actor, F: Future<Output = ()>> Future for Running<A, F> {
    type Output = (usize, Result<(), Error>);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let Some(handler) = this.handler.as_mut().as_pin_mut() else {
            panic!("a shared call polled after completion");
        };
        if let Some(t) = this.traced.as_deref_mut() {
            trace::before(t);
        }
        let polled = poll_catch(handler, cx);
        if let Some(t) = this.traced.as_deref_mut() {
            trace::after(t);
        }
        let outcome = match polled {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(outcome) => outcome,
        };
        // A panicked handler is dropped where its promises learn why.
        let mut scope = FailureScope::new();
        if let Err(e) = &outcome {
            scope.set(e.clone());
        }
        this.handler.set(None);
        drop(scope);
        if let Some(t) = this.traced.take() {
            trace::end(t, outcome.is_ok());
        }
        Poll::Ready((*this.group, outcome))
    }
}

/// The running calls; dropped unfinished (the runtime shut down mid-stretch) their
/// callers get `ActorDied`, as a one-at-a-time call's do.
struct Set<A, F>(Option<FuturesUnordered<Running<A, F>>>);

impl<A, F> Drop for Set<A, F> {
    fn drop(&mut self) {
        if let Some(set) = self.0.take() {
            drop_failed(set, Death::Shutdown.error());
        }
    }
}

async fn run<'a, A: Actor + Sync>(actor: &'a A, phase: Phase<'a, A>) -> PhaseEnd<A::Msg> {
    let Phase { batch, ctx, conc, first, group } = phase;
    let limits = &conc.limits;
    let mut busy: Vec<u32> = vec![0; limits.len()];
    // Calls taken from the mailbox that wait for room in their group, in arrival order.
    let mut held: VecDeque<(usize, A::Msg)> = VecDeque::new();
    let mut set = Set(Some(FuturesUnordered::new()));
    let mut barrier: Option<A::Msg> = None;
    let mut closed = false;
    let start = |set: &mut Set<A, _>, busy: &mut [u32], msg: A::Msg, group: usize| {
        busy[group] += 1;
        let traced = if A::__is_async(&msg) { trace::start::<A>(&msg) } else { None };
        let handler = actor.handle_shared(msg, ctx);
        set.0.as_mut().expect("running set").push(Running {
            group,
            traced,
            _actor: PhantomData,
            handler: Some(handler),
        });
    };
    start(&mut set, &mut busy, first, group.min(limits.len() - 1));
    core::future::poll_fn(|cx| loop {
        let running = set.0.as_mut().expect("running set");
        // Calls that ended free their group's places.
        let mut failure = None;
        while let Poll::Ready(Some((g, outcome))) = running.poll_next_unpin(cx) {
            busy[g] -= 1;
            if let Err(e) = outcome {
                failure = Some(e);
                break;
            }
        }
        if failure.is_none() && ctx.shared.killed.load(Acquire) {
            failure = Some(Death::Killed.error());
        }
        if let Some(error) = failure {
            // The others borrow the actor, which is rebuilt (or dies): they end here.
            let others = if matches!(error, Error::ActorDied { .. }) {
                error.clone()
            } else {
                Error::ActorDied { reason: String::from("another call running concurrently on it panicked") }
            };
            if let Some(set) = set.0.take() {
                drop_failed(set, others);
            }
            // Held calls (and the exclusive one) go back, in order, not yet consumed.
            if let Some(msg) = barrier.take() {
                batch.push_front(msg);
            }
            while let Some((_, msg)) = held.pop_back() {
                batch.push_front(msg);
            }
            return Poll::Ready(PhaseEnd(End::Failed(error)));
        }
        // Held calls whose group has room start, in order.
        let mut started = false;
        let mut i = 0;
        while i < held.len() {
            let g = held[i].0;
            if busy[g] < limits[g] {
                let (g, msg) = held.remove(i).expect("in range");
                ctx.consumed();
                start(&mut set, &mut busy, msg, g);
                started = true;
            } else {
                i += 1;
            }
        }
        if barrier.is_some() || closed {
            if set.0.as_ref().is_some_and(FuturesUnordered::is_empty) && held.is_empty() {
                return Poll::Ready(PhaseEnd(match barrier.take() {
                    Some(msg) => {
                        batch.push_front(msg);
                        End::Barrier
                    }
                    None => End::Closed,
                }));
            }
            if started {
                continue;
            }
            // kill() closes the mailbox, which wakes the receiver.
            ctx.shared.mailbox.register_receiver(cx.waker());
            return Poll::Pending;
        }
        // The next call: start it, hold it, or stop at it.
        if crate::executor::poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        let mut next = batch.pop_front();
        if next.is_none() {
            match ctx.shared.mailbox.poll_recv_batch(cx, &mut next, batch) {
                Poll::Ready(true) => {}
                Poll::Ready(false) => {
                    closed = true;
                    continue;
                }
                Poll::Pending if started => continue,
                Poll::Pending => return Poll::Pending,
            }
        }
        let Some(msg) = next else { unreachable!("a message was delivered") };
        match A::concurrency_group(&msg) {
            Some(g) => {
                let g = g.min(limits.len() - 1);
                // Within a group calls start in order: behind a held one, this one waits too.
                if busy[g] < limits[g] && !held.iter().any(|&(h, _)| h == g) {
                    ctx.consumed();
                    start(&mut set, &mut busy, msg, g);
                } else {
                    held.push_back((g, msg));
                }
            }
            None => barrier = Some(msg),
        }
    })
    .await
}
