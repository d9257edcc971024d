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
//!
//! "handle": a synchronous method runs in place, inside the poll that took its message
//! ([`Actor::handle_now`]); only an `async` method's call becomes a future to await.

use alloc::boxed::Box;
use alloc::string::String;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::concurrent::{End, Phase};
use super::context::{ActorContext, Registered};
use super::extras::Extras;
use super::handle::{ActorHandle, ActorRef, ActorShared, ActorState};
use super::options::ActorOptions;
use super::trace;
use super::traits::Actor;
use crate::executor::failure::FailureScope;
use crate::executor::{catch_sync, poll_catch};
use crate::host::Host;
use crate::mailbox::{Capacity, Mailbox, Spill};
use crate::raw::cell::CellRef;
use crate::sync::atomic::{AtomicBool, AtomicU32, AtomicU8, AtomicUsize, Ordering::*};
use crate::Error;

// usize: 32-bit targets have no 64-bit atomics.
static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

/// Creates the actor's shared state, registers its name, and spawns its loop.
///
/// On a std runtime the shared state and the loop are one cell the scheduler runs
/// itself; on another executor the loop is a task of its own holding a plain cell.
pub(crate) fn start<A: Actor>(host: &impl Host, args: A::Args, opts: ActorOptions<A>) -> Result<ActorHandle<A>, Error> {
    if opts.capacity == Capacity::Bounded(0) {
        return Err(Error::InvalidConfig { reason: "mailbox_capacity must be at least 1" });
    }
    #[cfg(feature = "std")]
    if opts.restart.backoff_min > opts.restart.backoff_max {
        return Err(Error::InvalidConfig { reason: "restart_backoff: min must not exceed max" });
    }
    let concurrency = super::concurrent::Concurrency::of::<A>(opts.max_concurrency)?;
    #[cfg(feature = "std")]
    let restarts = (opts.max_restarts > 0).then_some(opts.restart);
    #[cfg(not(feature = "std"))]
    let restarts = (opts.max_restarts > 0).then_some(());
    let shared = ActorShared {
        mailbox: match opts.fixed {
            Some(make) => make(),
            None => Mailbox::new(opts.capacity),
        },
        state: AtomicU8::new(ActorState::Running as u8),
        killed: AtomicBool::new(false),
        // The loop's own until `on_start` has run (see `ActorShared::handles`), and the
        // creator's, counted before the loop can first run.
        handles: AtomicU32::new(2),
        extras: Extras::new(
            opts.name.clone().map(String::into_boxed_str),
            opts.max_task_retries,
            restarts,
            concurrency,
        ),
        id: NEXT_ID.fetch_add(1, Relaxed) as u64,
        home: host.home(),
    };
    #[cfg(feature = "std")]
    if shared.name().is_some() && shared.home.parts().is_none() {
        return Err(Error::InvalidConfig { reason: "named actors need a std runtime (the registry is per runtime)" });
    }
    let max_restarts = opts.max_restarts;
    // A named actor is registered before its loop can first run; if the name is taken
    // (or get-or-create finds it), the loop is built not to start (no constructor runs).
    #[cfg_attr(not(feature = "std"), allow(unused_mut))]
    let mut registered: Result<Option<ActorHandle<A>>, Error> = Ok(None);
    let make = |cell: CellRef<ActorShared<A>>, key: Registered| {
        #[cfg(feature = "std")]
        if let (Some(_), Some(parts)) = (cell.name(), cell.home.parts()) {
            registered = super::registry::register(&parts.names, &cell, opts.get_if_exists);
        }
        let go = matches!(registered, Ok(None));
        run::<A>(cell, key, args, max_restarts, go)
    };
    // Where the actor's results are stored is where it runs: on a runtime, as a cell.
    #[cfg(feature = "std")]
    // (The scheduler's own `Arc`, not the runtime handle's: every actor's home holds a
    // handle, so that count's line is written by whichever thread frees an actor.)
    let cell = match shared.home.parts().map(|parts| parts.scheduler.clone()) {
        Some(scheduler) => {
            let spawned = scheduler.spawn_cell(
                shared,
                |cell, key| {
                    // The loop's waker, uncounted, where the mailbox wakes it from.
                    cell.lend_waker(|s| s.mailbox.actor_waker_slot());
                    make(cell, key)
                },
                ActorShared::<A>::schedule,
            );
            match spawned {
                Ok(cell) => cell,
                // Shut down: there is no loop to run.
                Err(_) => return Err(Error::RuntimeShutdown),
            }
        }
        None => spawn_plain(host, shared, make),
    };
    #[cfg(not(feature = "std"))]
    let cell = spawn_plain(host, shared, make);
    if let Some(existing) = registered? {
        return Ok(existing);
    }
    Ok(ActorHandle::from_ref(ActorRef::adopt(cell)))
}

/// An actor on another executor: its loop is a task of that executor, holding a plain
/// cell with the shared state.
fn spawn_plain<A: Actor, F: Future<Output = ()> + Send + 'static>(
    host: &impl Host,
    shared: ActorShared<A>,
    make: impl FnOnce(CellRef<ActorShared<A>>, Registered) -> F,
) -> CellRef<ActorShared<A>> {
    let cell = CellRef::plain(shared);
    host.spawn_detached(make(cell.clone(), Registered::NONE));
    cell
}

/// How handling one message ended: `Err` if the handler panicked (`TaskPanicked`) or the
/// actor was killed (`ActorDied`). The error is boxed (failures are rare) so the result is
/// one register: returned through memory, a 32-byte enum was a store-forwarding stall on
/// every message.
type Outcome = Result<(), Box<Error>>;

#[cfg(feature = "std")]
pin_project_lite::pin_project! {
    /// One `async` method's call being handled: polls the handler (catching panics) and
    /// abandons it if the actor is killed meanwhile. (Synchronous methods need none of
    /// this: `Life::poll_next` runs them in place.) A struct rather than an `async fn`:
    /// an `async fn` would hold the message twice (its argument and the handler future
    /// that moved it) next to its locals, and the actor's task is sized for its largest
    /// await.
    ///
    /// Dropped unfinished (the runtime shut down mid-call), it drops the handler inside a
    /// failure scope: the call's reply resolves to `ActorDied`, not `ObjectLost`.
    struct Handling<'a, A: Actor, F> {
        #[pin]
        handler: Option<F>,
        ctx: &'a ActorContext<A>,
    }

    impl<'a, A: Actor, F> PinnedDrop for Handling<'a, A, F> {
        fn drop(this: Pin<&mut Self>) {
            let mut handler = this.project().handler;
            if handler.is_some() {
                let mut scope = FailureScope::new();
                scope.set(Death::Shutdown.error());
                handler.set(None);
            }
        }
    }
}

#[cfg(not(feature = "std"))]
pin_project_lite::pin_project! {
    /// One `async` method's call being handled: polls the handler (catching panics) and
    /// abandons it if the actor is killed meanwhile. (Synchronous methods need none of
    /// this: `Life::poll_next` runs them in place.) A struct rather than an `async fn`:
    /// an `async fn` would hold the message twice (its argument and the handler future
    /// that moved it) next to its locals, and the actor's task is sized for its largest
    /// await.
    struct Handling<'a, A: Actor, F> {
        #[pin]
        handler: Option<F>,
        ctx: &'a ActorContext<A>,
    }
}

impl<A: Actor, F: Future<Output = ()>> Future for Handling<'_, A, F> {
    type Output = Outcome;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        let mut this = self.project();
        let Some(handler) = this.handler.as_mut().as_pin_mut() else {
            panic!("Handling polled after completion");
        };
        let outcome = match poll_catch(handler, cx) {
            Poll::Ready(Ok(())) => Ok(()),
            Poll::Ready(Err(e)) => Err(Box::new(e)),
            Poll::Pending => {
                // Waiting inside the handler: let kill() wake us through the mailbox.
                this.ctx.shared.mailbox.register_receiver(cx.waker());
                if !this.ctx.shared.killed.load(Acquire) {
                    return Poll::Pending;
                }
                Err(Box::new(Death::Killed.error()))
            }
        };
        // Drop the handler now; if it failed, inside a scope naming the error, so promises
        // the abandoned or panicked handler still owns resolve to it.
        if let Err(e) = &outcome {
            let mut scope = FailureScope::new();
            scope.set(Error::clone(e));
            this.handler.set(None);
        } else {
            this.handler.set(None);
        }
        Poll::Ready(outcome)
    }
}

/// Why an actor no longer handles calls (the `reason` of the `ActorDied` they get), or,
/// while its state is gone, that it is waiting to be rebuilt.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Death {
    ConstructorPanicked,
    #[cfg(feature = "std")]
    RestartPanicked,
    NoRestartsLeft,
    /// More restarts within the period than its restart intensity allows.
    #[cfg(feature = "std")]
    TooManyRestarts,
    Killed,
    /// It stopped (a call raced the final drain of its mailbox).
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // only std runtimes drop a running loop
    Stopped,
    /// Its loop was dropped before it could handle the call: the runtime shut down.
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    Shutdown,
    /// Not dead: a method panicked and the actor is rebuilt after its restart backoff.
    #[cfg(feature = "std")]
    Restarting,
}

impl Death {
    pub(crate) fn error(self) -> Error {
        let reason = match self {
            Death::ConstructorPanicked => "its constructor panicked",
            #[cfg(feature = "std")]
            Death::RestartPanicked => "its constructor panicked during a restart",
            Death::NoRestartsLeft => "a method panicked and no restarts were left",
            #[cfg(feature = "std")]
            Death::TooManyRestarts => {
                "it restarted more often than its restart intensity allows (ActorOptions::restart_intensity)"
            }
            Death::Killed => "killed",
            Death::Stopped => "stopped",
            Death::Shutdown => "its runtime shut down",
            #[cfg(feature = "std")]
            Death::Restarting => "it is being restarted",
        };
        Error::ActorDied { reason: String::from(reason) }
    }
}

/// What the actor's loop keeps between messages, reached through one reference (so the
/// poll function taking the next message captures one pointer, not one per local).
struct Life<A: Actor> {
    /// The actor; `None` once it has died.
    actor: Option<A>,
    /// Constructor arguments, cloned for every (re)start.
    args: A::Args,
    /// Restarts left (`max_restarts`; nothing to count without `std`: no panic is caught).
    #[cfg(feature = "std")]
    restarts_left: u32,
    /// Why calls are rejected once `actor` is `None`.
    death: Death,
    /// Messages taken from the mailbox in one batch (one lock per batch, not per message).
    batch: Spill<A::Msg>,
    // (The retry bookkeeping, for actors with `max_task_retries`, is in `Extras`.)
}

/// A loop dropped before its end (the runtime shut down) answers the calls it had taken
/// from the mailbox and not handled: their callers learn it now. (Only `std` runtimes drop
/// a running loop.)
#[cfg(feature = "std")]
impl<A: Actor> Drop for Life<A> {
    fn drop(&mut self) {
        while let Some(msg) = self.batch.pop_front() {
            A::reject(msg, Death::Shutdown.error());
        }
    }
}

impl<A: Actor> Life<A> {
    /// Builds the actor and runs `on_start` (first start or restart; both synchronous). If
    /// either panics the actor is dead.
    fn build(&mut self, ctx: &ActorContext<A>) {
        let args = self.args.clone();
        self.actor = catch_sync(|| A::create(args))
            .and_then(|mut actor| catch_sync(|| actor.on_start(ctx)).map(|()| actor))
            .ok();
        if self.actor.is_none() {
            Self::die(ctx);
        }
    }

    /// The actor will not handle another call: queued and later ones are rejected.
    fn die(ctx: &ActorContext<A>) {
        ctx.shared.killed.store(true, Release);
        ctx.shared.mailbox.close();
    }

    /// Handles messages until one needs awaiting (an `async` method's message is returned)
    /// or the mailbox is closed and drained (`None`; also while a restart waits for its
    /// backoff: see [`Self::restarting`]).
    /// Synchronous methods run right here, one after the other, without a future each.
    ///
    /// Whether calls are traced is decided once per poll: the untraced loop has no trace
    /// code in it at all (`TRACED` is a constant of each copy).
    ///
    /// An `async` method's message is left in `out` (empty on entry), and `Ready(true)`
    /// returned: written once, in place, rather than returned by value through two polls
    /// (each by-value pass of a message is a copy, and a copy of bytes just written stalls
    /// on store forwarding). `Ready(false)`: closed and drained, or restarting.
    #[inline]
    fn poll_next(&mut self, cx: &mut Context<'_>, ctx: &ActorContext<A>, out: &mut Option<A::Msg>) -> Poll<bool> {
        if trace::wanted() {
            return self.poll_next_traced(cx, ctx, out);
        }
        self.poll_next_as::<false>(cx, ctx, out)
    }

    /// [`poll_next`](Self::poll_next) while calls are traced (off the untraced path).
    #[cold]
    #[inline(never)]
    fn poll_next_traced(
        &mut self,
        cx: &mut Context<'_>,
        ctx: &ActorContext<A>,
        out: &mut Option<A::Msg>,
    ) -> Poll<bool> {
        self.poll_next_as::<true>(cx, ctx, out)
    }

    #[inline]
    fn poll_next_as<const TRACED: bool>(
        &mut self,
        cx: &mut Context<'_>,
        ctx: &ActorContext<A>,
        next: &mut Option<A::Msg>,
    ) -> Poll<bool> {
        loop {
            debug_assert!(next.is_none(), "the slot is empty on entry and after each message");
            if self.restarting() {
                return Poll::Ready(false);
            }
            // Share the worker fairly: every 128 messages, yield (the cooperative budget).
            if crate::executor::poll_proceed(cx).is_pending() {
                return Poll::Pending;
            }
            match ctx.retries().and_then(Extras::take_again) {
                Some(msg) => *next = Some(msg),
                None => {
                    // The message is written into `next` in place (see
                    // `Mailbox::poll_recv_batch`).
                    if !self.batch.is_empty() {
                        *next = self.batch.pop_front();
                        // The one after it: its reply cell was written by its caller's
                        // thread; fetched now, it is here when that message runs.
                        if let Some(following) = self.batch.front() {
                            A::__prefetch(following);
                        }
                    } else {
                        // The batch is used up: the next message, and the rest queued behind
                        // it. (An actor going idle frees the batch buffer: an idle actor owns
                        // none.)
                        match ctx.shared.mailbox.poll_recv_batch(cx, next, &mut self.batch) {
                            Poll::Ready(true) => {
                                // A deep backlog: the runtime's metrics keep the deepest.
                                #[cfg(feature = "std")]
                                if self.batch.len() + 1 >= crate::host::gauges::DEEP {
                                    saw_deep(ctx, self.batch.len() + 1);
                                }
                            }
                            Poll::Ready(false) => return Poll::Ready(false),
                            Poll::Pending => return Poll::Pending,
                        }
                    }
                    ctx.consumed();
                }
            }
            let Some(msg_ref) = next.as_ref() else { unreachable!("a message was delivered") };
            let refusal = if self.actor.is_none() {
                Some(self.death)
            } else if ctx.shared.killed.load(Acquire) {
                Some(Death::Killed)
            } else {
                None
            };
            if let Some(death) = refusal {
                let Some(msg) = next.take() else { unreachable!("a message was delivered") };
                A::reject(msg, death.error());
                continue;
            }
            // An `async` method's call stays in `next` for the loop, which awaits it (and
            // traces it), without a round trip through `handle_now`.
            if A::__is_async(msg_ref) {
                return Poll::Ready(true);
            }
            let Some(msg) = next.take() else { unreachable!("a message was delivered") };
            let Some(state) = self.actor.as_mut() else { unreachable!("checked above") };
            // Traced (a timeline records, or a `tracing` subscriber listens)? One test of
            // a flag; the message's method is read in place (its address never escapes).
            // (An `async` method's call is traced by the loop around its whole handling.)
            let mut traced = if TRACED { trace::start::<A>(&msg) } else { None };
            if let Some(t) = traced.as_deref_mut() {
                trace::before(t);
            }
            let handled = catch_sync(|| state.handle_now(msg, ctx));
            if let Some(t) = traced.as_deref_mut() {
                trace::after(t);
            }
            match handled {
                Ok(None) => {
                    if let Some(t) = traced {
                        trace::end(t, true);
                    }
                }
                // An `async` method's call (of an actor whose `handle_now` hands messages
                // back): the loop awaits it (and traces it).
                Ok(Some(msg)) => {
                    *next = Some(msg);
                    return Poll::Ready(true);
                }
                // Whatever the call owned was dropped while unwinding: its caller's result
                // holds TaskPanicked { message }.
                Err(panic) => {
                    if let Some(t) = traced {
                        trace::end(t, false);
                    }
                    self.failed(panic, ctx);
                }
            }
        }
    }

    /// A call ended in `failure`: the actor was killed mid-call, or its method panicked
    /// (then: restart if restarts are left, else die; retry the call if it was kept and
    /// has runs left, else fail it with the panic).
    fn failed(&mut self, failure: Error, ctx: &ActorContext<A>) {
        let kept = ctx.__take_kept();
        if matches!(failure, Error::ActorDied { .. }) {
            // Killed mid-call: the rest of the queue is rejected as it is taken.
            self.death = Death::Killed;
            if let Some(kept) = kept {
                A::reject(kept, self.death.error());
            }
            return;
        }
        drop(self.actor.take());
        // Without `std` no panic is caught (there is no unwinding): a method's failure is a
        // kill, handled above, so restarts and retries are `std`'s alone.
        #[cfg(feature = "std")]
        if self.restarts_left > 0 {
            self.restarts_left -= 1;
            crate::host::gauges::RESTARTS.fetch_add(1, Relaxed);
            match Self::pace(ctx) {
                Restart::Now => {
                    self.build(ctx);
                    self.death = Death::RestartPanicked;
                }
                // The loop waits out the backoff, then rebuilds (`Self::rebuild`).
                Restart::Later => self.death = Death::Restarting,
                Restart::TooMany => {
                    self.death = Death::TooManyRestarts;
                    Self::die(ctx);
                }
            }
        } else {
            self.death = Death::NoRestartsLeft;
            Self::die(ctx);
        }
        #[cfg(not(feature = "std"))]
        {
            self.death = Death::NoRestartsLeft;
            Self::die(ctx);
        }
        if let Some(kept) = kept {
            let again = match ctx.retries() {
                Some(retries) if self.actor.is_some() || self.restarting() => retries.run_again(kept),
                _ => Err(kept),
            };
            if let Err(kept) = again {
                A::reject(kept, failure);
            }
        }
    }
}

/// The actor took a backlog of `depth` messages: its runtime's metrics may keep it among
/// the deepest mailboxes.
#[cfg(feature = "std")]
#[cold]
fn saw_deep<A: Actor>(ctx: &ActorContext<A>, depth: usize) {
    if let Some(parts) = ctx.shared.home.parts() {
        parts.deep.saw(ctx.shared.id, depth, || Box::new(ctx.shared.clone()));
    }
}

/// When a restart may happen (see `actor::restart`).
#[cfg(feature = "std")]
enum Restart {
    Now,
    /// After the backoff; the deadline is in the actor's restart log.
    Later,
    TooMany,
}

impl<A: Actor> Life<A> {
    /// The actor's state is gone and it waits to be rebuilt (never without `std`).
    #[inline]
    fn restarting(&self) -> bool {
        #[cfg(feature = "std")]
        return self.death == Death::Restarting;
        #[cfg(not(feature = "std"))]
        false
    }

    /// Asks the actor's restart log when the restart may happen (backoff and intensity).
    #[cfg(feature = "std")]
    fn pace(ctx: &ActorContext<A>) -> Restart {
        if let Some(log) = ctx.shared.extras.as_deref().and_then(|e| e.restarts()) {
            return match log.with(|l| l.next(std::time::Instant::now())) {
                super::restart::Restart::Now => Restart::Now,
                super::restart::Restart::At(at) => {
                    log.with(|l| l.set_pending(at));
                    Restart::Later
                }
                super::restart::Restart::TooMany => Restart::TooMany,
            };
        }
        let _ = ctx;
        Restart::Now
    }

    /// Waits out the restart backoff (a `kill()` ends the wait), then rebuilds the actor
    /// (or, killed meanwhile, lets it die).
    #[cfg(feature = "std")]
    async fn rebuild(&mut self, ctx: &ActorContext<A>) {
        let deadline =
            ctx.shared.extras.as_deref().and_then(|e| e.restarts()).and_then(|l| l.with(|l| l.take_pending()));
        if let Some(deadline) = deadline {
            // Boxed: the timer is only held by actors that restart, not by every actor's loop.
            let mut sleep = Box::pin(crate::time::sleep_until(deadline));
            core::future::poll_fn(|cx| {
                if ctx.shared.killed.load(Acquire) {
                    return Poll::Ready(());
                }
                // kill() closes the mailbox, which wakes the receiver.
                ctx.shared.mailbox.register_receiver(cx.waker());
                sleep.as_mut().poll(cx)
            })
            .await;
        }
        if ctx.shared.killed.load(Acquire) {
            self.death = Death::Killed;
            return;
        }
        self.build(ctx);
        self.death = Death::RestartPanicked;
    }
}

/// The actor's task. A plain function returning an `async move` block (not an
/// `async fn`): the block uses what it captures in place, where an `async fn` would keep
/// its arguments twice. Every byte here is held by every idle actor.
/// With `go` false the loop ends at once (its actor's name was taken).
fn run<A: Actor>(
    shared: CellRef<ActorShared<A>>,
    key: Registered,
    args: A::Args,
    max_restarts: u32,
    go: bool,
) -> impl Future<Output = ()> + Send {
    #[cfg(not(feature = "std"))]
    let _ = max_restarts;
    let ctx = ActorContext::new(shared, key);
    let mut life = Life::<A> {
        actor: None,
        args,
        #[cfg(feature = "std")]
        restarts_left: max_restarts,
        death: Death::ConstructorPanicked,
        batch: Spill::new(),
    };
    async move {
        if !go {
            return;
        }
        life.build(&ctx);
        // `on_start` has run: the loop's own handle goes (the actor stops now if nobody
        // else holds one).
        ctx.shared.release_handle();
        loop {
            // (The slot's storage ends with this block: it shares room with the handling
            // below, not adding to every actor's size.)
            let msg = {
                let mut next = None;
                if !core::future::poll_fn(|cx| life.poll_next(cx, &ctx, &mut next)).await {
                    #[cfg(feature = "std")]
                    if life.restarting() {
                        // Boxed: only a restarting actor pays for the wait's state; every
                        // actor's loop holds its largest await inline.
                        Box::pin(life.rebuild(&ctx)).await;
                        continue;
                    }
                    break;
                }
                let Some(msg) = next else { unreachable!("a message was left in the slot") };
                msg
            };
            // An `async` method: `poll_next` returns its message only while the actor lives.
            let Some(state) = life.actor.as_mut() else { unreachable!("a live actor's message") };
            // A `&self` method of an actor that runs calls side by side: a concurrent
            // stretch, until an exclusive call, a failure, or the end.
            let shared_call = match A::CONCURRENT {
                true => ctx
                    .shared
                    .extras
                    .as_deref()
                    .and_then(Extras::concurrency)
                    .and_then(|conc| A::concurrency_group(&msg).map(|group| (conc, group))),
                false => None,
            };
            if let Some((conc, group)) = shared_call {
                let phase = Phase::new(&mut life.batch, &ctx, conc, msg, group);
                match state.__serve_concurrently(phase).await.0 {
                    End::Closed | End::Barrier => {}
                    End::Failed(failure) => life.failed(failure, &ctx),
                    End::Refused(msg) => A::reject(msg, Death::Killed.error()),
                }
                continue;
            }
            // A finished call took its kept copy back itself (see `ActorContext::__keep`).
            // Traced: a boxed wrapper around the handling, off the untraced path.
            let outcome = if trace::wanted() {
                let traced = trace::start::<A>(&msg);
                let handling = Handling { handler: Some(state.handle(msg, &ctx)), ctx: &ctx };
                Box::pin(trace::Handled { inner: handling, traced }).await
            } else {
                (Handling { handler: Some(state.handle(msg, &ctx)), ctx: &ctx }).await
            };
            if let Err(failure) = outcome {
                life.failed(*failure, &ctx);
            }
        }
        if let Some(mut a) = life.actor.take() {
            a.on_stop();
            drop(a);
        }
        // `ctx` goes with the loop: its drop marks the actor stopped and frees its name.
    }
}
