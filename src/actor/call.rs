//! [`Call`]: one method call on an actor, built by a handle method, then sent in one of
//! three ways:
//!
//! | form | waits for room | result slot | returns |
//! |---|---|---|---|
//! | `handle.m(args).await` | yes | yes | `Result<ObjectRef<R>, Error>` once queued |
//! | `handle.m(args).tell().await` | yes | none (fire-and-forget) | `Result<(), Error>` |
//! | `handle.m(args).try_send()` | no | yes | `Result<ObjectRef<R>, TrySendError<Msg>>` (`Full(msg)` gives the message back) |
//! | `handle.m(args).try_tell()` | no | none | `Result<(), TrySendError<Msg>>` |
//!
//! The call returns as soon as the message is queued, not when it has run: many calls can
//! be in flight at once (pipelining). Calls from one caller run in the order sent.

use core::future::{Future, IntoFuture};
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll};

use event_listener::EventListener;

use super::handle::{ActorRef, Target};
use super::traits::Actor;
use crate::mailbox::{SendError, TrySendError};
use crate::object::{ObjectRef, Promise};
use crate::Error;

/// One pending method call (see [`actor`](mod@crate::actor)). `make` builds the message,
/// given the result promise (`None` for fire-and-forget).
#[must_use = "a Call does nothing until it is awaited, told or sent"]
pub struct Call<'a, A: Actor, R, F> {
    actor: &'a ActorRef<A>,
    make: F,
    _result: PhantomData<fn() -> R>,
}

impl<A: Actor, R, F> core::fmt::Debug for Call<'_, A, R, F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Call").field("actor", self.actor).finish_non_exhaustive()
    }
}

fn died<A: Actor>(actor: &ActorRef<A>) -> Error {
    let killed = actor.local().is_some_and(|shared| shared.killed.load(crate::sync::atomic::Ordering::Acquire));
    let reason = if killed { "killed, or out of restarts" } else { "stopped" };
    Error::ActorDied { reason: alloc::string::String::from(reason) }
}

/// The actor is gone: `msg` is rejected with the reason, which is returned too.
fn gone<A: Actor>(actor: &ActorRef<A>, msg: A::Msg) -> Error {
    let e = died(actor);
    A::reject(msg, e.clone());
    e
}

impl<'a, A, R, F> Call<'a, A, R, F>
where
    A: Actor,
    R: Send + Sync + 'static,
    F: FnOnce(Option<Promise<R>>) -> A::Msg,
{
    /// Used by generated handle methods.
    #[doc(hidden)]
    pub fn new(actor: &'a ActorRef<A>, make: F) -> Self {
        Call { actor, make, _result: PhantomData }
    }

    /// Sends without a result slot, waiting for room if the mailbox (or, for an actor on
    /// another node, the link's window) is full. The future resolves once the message is
    /// queued (at its first poll when there is room).
    pub fn tell(self) -> Tell<'a, A, R, F> {
        Tell { sending: Sending::new(self.actor, self.make), _result: PhantomData }
    }

    /// Sends without a result slot and without waiting.
    pub fn try_tell(self) -> Result<(), TrySendError<A::Msg>> {
        let make = self.make;
        let built = || build::<A, R>(make, None);
        match &self.actor.target {
            #[cfg(feature = "std")]
            Target::Local(shared) => shared.mailbox.try_send_with(built),
            #[cfg(not(feature = "std"))]
            Target::Local(shared) => shared.mailbox.try_send(built()),
            #[cfg(feature = "node")]
            Target::Remote(remote) => remote.try_send(built()),
        }
    }

    /// Sends without waiting, returning the result's ref. A full mailbox hands the
    /// message back in `Full`.
    pub fn try_send(self) -> Result<ObjectRef<R>, TrySendError<A::Msg>> {
        let (object, promise) = crate::object::pending::<R>(store_of(self.actor));
        let msg = build::<A, R>(self.make, Some(promise));
        match &self.actor.target {
            Target::Local(shared) => shared.mailbox.try_send(msg)?,
            #[cfg(feature = "node")]
            Target::Remote(remote) => remote.try_send(msg)?,
        }
        Ok(object)
    }
}

impl<'a, A, R, F> IntoFuture for Call<'a, A, R, F>
where
    A: Actor,
    R: Send + Sync + 'static,
    F: FnOnce(Option<Promise<R>>) -> A::Msg,
{
    type Output = Result<ObjectRef<R>, Error>;
    type IntoFuture = CallFuture<'a, A, R, F>;

    fn into_future(self) -> CallFuture<'a, A, R, F> {
        let (object, promise) = crate::object::pending::<R>(store_of(self.actor));
        CallFuture { sending: Sending::new(self.actor, (self.make, promise)), object: Some(object) }
    }
}

/// The sending half of [`CallFuture`] and [`Tell`]: the first poll builds the message (from
/// `U`, what the future was made with) and queues it; a message that found no room waits
/// here. One field holds either, so the future is as large as the larger of the two.
struct Sending<'a, A: Actor, U> {
    actor: &'a ActorRef<A>,
    stage: Stage<U, A::Msg>,
    waiting: Option<EventListener>,
}

enum Stage<U, M> {
    /// Not polled yet (`None` once queued or failed at the first poll).
    Unbuilt(Option<U>),
    /// Built, waiting for room (`None` once queued or failed).
    Waiting(Option<M>),
}

impl<'a, A: Actor, U> Sending<'a, A, U> {
    fn new(actor: &'a ActorRef<A>, unbuilt: U) -> Self {
        Sending { actor, stage: Stage::Unbuilt(Some(unbuilt)), waiting: None }
    }

    /// True once the message is queued (or failed).
    fn done(&self) -> bool {
        matches!(self.stage, Stage::Unbuilt(None) | Stage::Waiting(None))
    }

    /// Sends the message `build` makes: at the first poll it tries at once; a message
    /// that found no room waits for it.
    #[cfg_attr(feature = "std", inline(always))]
    fn poll(&mut self, cx: &mut Context<'_>, build: impl FnOnce(U) -> A::Msg) -> Poll<Result<(), Error>> {
        if let Stage::Unbuilt(unbuilt) = &mut self.stage {
            // Only what builds the message is read back (taking the whole stage would load
            // bytes stored just before, as a wider copy: a store-forwarding stall).
            let Some(unbuilt) = unbuilt.take() else {
                panic!("a call or tell polled after completion");
            };
            // With `std` the first try builds the message in its place in the mailbox (see
            // `first_try`). Without, it is built here and queued by the same path as a
            // message that waited: one copy of the queueing code per actor serves every
            // method (a firmware's flash matters more than a few nanoseconds per call).
            #[cfg(feature = "std")]
            match first_try(self.actor, || build(unbuilt)) {
                Ok(sent) => return Poll::Ready(sent),
                Err(msg) => self.stage = Stage::Waiting(Some(msg)),
            }
            #[cfg(not(feature = "std"))]
            {
                self.stage = Stage::Waiting(Some(build(unbuilt)));
            }
        }
        let Stage::Waiting(msg) = &mut self.stage else { unreachable!("built above, or returned") };
        poll_waiting(self.actor, msg, &mut self.waiting, cx)
    }
}

/// The first try to queue the message `build` makes: `Ok` with the outcome, or the message
/// back (no room, or an actor on another node: it waits in [`poll_waiting`]). The message is
/// built in its place in the mailbox: one write, no copies (each by-value pass of a message
/// is a load of bytes just stored, a store-forwarding stall on the actor's hot path).
#[cfg(feature = "std")]
#[inline(always)]
fn first_try<A: Actor>(actor: &ActorRef<A>, build: impl FnOnce() -> A::Msg) -> Result<Result<(), Error>, A::Msg> {
    match &actor.target {
        Target::Local(shared) => match shared.mailbox.try_send_with(build) {
            Ok(()) => Ok(Ok(())),
            Err(TrySendError::Full(msg)) => Err(msg),
            Err(TrySendError::Closed(msg)) => Ok(Err(gone(actor, msg))),
        },
        #[cfg(feature = "node")]
        Target::Remote(_) => Err(build()),
    }
}

/// Waits for room for the message in `msg` (taken once queued).
fn poll_waiting<A: Actor>(
    actor: &ActorRef<A>,
    msg: &mut Option<A::Msg>,
    waiting: &mut Option<EventListener>,
    cx: &mut Context<'_>,
) -> Poll<Result<(), Error>> {
    match &actor.target {
        Target::Local(shared) => match shared.mailbox.poll_send(msg, waiting, cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(())) => Poll::Ready(Ok(())),
            Poll::Ready(Err(SendError(msg))) => Poll::Ready(Err(gone(actor, msg))),
        },
        #[cfg(feature = "node")]
        Target::Remote(remote) => remote.poll_send(msg, waiting, cx),
    }
}

/// The future of an awaited [`Call`]: resolves once the message is queued.
#[must_use = "futures do nothing unless awaited"]
pub struct CallFuture<'a, A: Actor, R, F> {
    sending: Sending<'a, A, (F, Promise<R>)>,
    object: Option<ObjectRef<R>>,
}

impl<A: Actor, R, F> core::fmt::Debug for CallFuture<'_, A, R, F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CallFuture").field("actor", self.sending.actor).field("queued", &self.sending.done()).finish()
    }
}

impl<A: Actor, R, F> Unpin for CallFuture<'_, A, R, F> {}

impl<A, R, F> Future for CallFuture<'_, A, R, F>
where
    A: Actor,
    R: Send + Sync + 'static,
    F: FnOnce(Option<Promise<R>>) -> A::Msg,
{
    type Output = Result<ObjectRef<R>, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let sent = match this.sending.poll(cx, |(make, promise)| build::<A, R>(make, Some(promise))) {
            Poll::Ready(sent) => sent,
            Poll::Pending => return Poll::Pending,
        };
        Poll::Ready(match sent {
            Ok(()) => Ok(this.object.take().expect("CallFuture polled after completion")),
            Err(e) => {
                this.object = None;
                Err(e)
            }
        })
    }
}

/// The future of [`Call::tell`]: resolves once the message is queued.
#[must_use = "futures do nothing unless awaited"]
pub struct Tell<'a, A: Actor, R, F> {
    sending: Sending<'a, A, F>,
    _result: PhantomData<fn() -> R>,
}

impl<A: Actor, R, F> core::fmt::Debug for Tell<'_, A, R, F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Tell").field("actor", self.sending.actor).field("queued", &self.sending.done()).finish()
    }
}

impl<A: Actor, R, F> Unpin for Tell<'_, A, R, F> {}

impl<A, R, F> Future for Tell<'_, A, R, F>
where
    A: Actor,
    R: Send + Sync + 'static,
    F: FnOnce(Option<Promise<R>>) -> A::Msg,
{
    type Output = Result<(), Error>;

    // Inlined into the handler that awaits it: its result is then not returned through
    // memory and read back (a store-forwarding stall on a ring of actors).
    #[cfg_attr(feature = "std", inline(always))]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.sending.poll(cx, |make| build::<A, R>(make, None))
    }
}

/// Builds a call's message (`make` given `reply`); while a timeline records, also notes the
/// call's submit on this thread. Off the timeline this is `make(reply)` after one relaxed
/// load: nothing takes the message's address, so it can be built in its final place.
#[cfg_attr(feature = "std", inline(always))]
fn build<A: Actor, R>(make: impl FnOnce(Option<Promise<R>>) -> A::Msg, reply: Option<Promise<R>>) -> A::Msg {
    #[cfg(feature = "std")]
    if crate::timeline::on() {
        return build_noted::<A, R>(make, reply);
    }
    make(reply)
}

/// [`build`] while a timeline records (off the hot path).
#[cfg(feature = "std")]
#[cold]
#[inline(never)]
fn build_noted<A: Actor, R>(make: impl FnOnce(Option<Promise<R>>) -> A::Msg, reply: Option<Promise<R>>) -> A::Msg {
    let msg = make(reply);
    record_submit::<A>(A::method_name(&msg));
    msg
}

#[cfg(feature = "std")]
#[cold]
#[inline(never)]
fn record_submit<A: Actor>(method: &'static str) {
    let at = crate::timeline::now();
    crate::timeline::Pending {
        kind: crate::timeline::SpanKind::Submit,
        name: method,
        actor: Some(crate::timeline::short_type_name::<A>()),
        submit_ns: None,
        start_ns: at,
    }
    .record(true);
}

/// The store a call's result object goes to: the actor's (local), the caller's (remote).
fn store_of<A: Actor>(actor: &ActorRef<A>) -> &crate::object::Store {
    match &actor.target {
        Target::Local(shared) => shared.home.store(),
        #[cfg(feature = "node")]
        Target::Remote(remote) => remote.store(),
    }
}
