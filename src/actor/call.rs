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
    /// another node, the link's window) is full.
    pub async fn tell(self) -> Result<(), Error> {
        let mailbox = match &self.actor.target {
            Target::Local(shared) => &shared.mailbox,
            #[cfg(feature = "node")]
            Target::Remote(remote) => {
                let (mut msg, mut waiting) = (Some((self.make)(None)), None);
                if let Some(msg) = &msg {
                    note_submit::<A>(msg);
                }
                return core::future::poll_fn(|cx| remote.poll_send(&mut msg, &mut waiting, cx)).await;
            }
        };
        // Queue it right away when there is room (always, unbounded): the message is moved
        // once into the mailbox, not first into a waiting send's slot.
        let msg = (self.make)(None);
        note_submit::<A>(&msg);
        let msg = match mailbox.try_send(msg) {
            Ok(()) => return Ok(()),
            Err(TrySendError::Full(msg)) => msg,
            Err(TrySendError::Closed(msg)) => return Err(gone(self.actor, msg)),
        };
        mailbox.send(msg).await.map_err(|SendError(msg)| gone(self.actor, msg))
    }

    /// Sends without a result slot and without waiting.
    pub fn try_tell(self) -> Result<(), TrySendError<A::Msg>> {
        let msg = (self.make)(None);
        note_submit::<A>(&msg);
        match &self.actor.target {
            Target::Local(shared) => shared.mailbox.try_send(msg),
            #[cfg(feature = "node")]
            Target::Remote(remote) => remote.try_send(msg),
        }
    }

    /// Sends without waiting, returning the result's ref. A full mailbox hands the
    /// message back in `Full`.
    pub fn try_send(self) -> Result<ObjectRef<R>, TrySendError<A::Msg>> {
        let (object, promise) = crate::object::pending::<R>(store_of(self.actor));
        let msg = (self.make)(Some(promise));
        note_submit::<A>(&msg);
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
    type IntoFuture = CallFuture<'a, A, R>;

    fn into_future(self) -> CallFuture<'a, A, R> {
        let (object, promise) = crate::object::pending::<R>(store_of(self.actor));
        let msg = (self.make)(Some(promise));
        note_submit::<A>(&msg);
        CallFuture { actor: self.actor, msg: Some(msg), object: Some(object), waiting: None }
    }
}

/// The future of an awaited [`Call`]: resolves once the message is queued.
#[must_use = "futures do nothing unless awaited"]
pub struct CallFuture<'a, A: Actor, R> {
    actor: &'a ActorRef<A>,
    msg: Option<A::Msg>,
    object: Option<ObjectRef<R>>,
    waiting: Option<EventListener>,
}

impl<A: Actor, R> core::fmt::Debug for CallFuture<'_, A, R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CallFuture").field("actor", self.actor).field("queued", &self.msg.is_none()).finish()
    }
}

impl<A: Actor, R> Unpin for CallFuture<'_, A, R> {}

impl<A: Actor, R> Future for CallFuture<'_, A, R> {
    type Output = Result<ObjectRef<R>, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let mailbox = match &this.actor.target {
            Target::Local(shared) => &shared.mailbox,
            #[cfg(feature = "node")]
            Target::Remote(remote) => {
                return match remote.poll_send(&mut this.msg, &mut this.waiting, cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(Ok(())) => {
                        Poll::Ready(Ok(this.object.take().expect("CallFuture polled after completion")))
                    }
                    Poll::Ready(Err(e)) => {
                        this.object = None;
                        Poll::Ready(Err(e))
                    }
                };
            }
        };
        match mailbox.poll_send(&mut this.msg, &mut this.waiting, cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(())) => Poll::Ready(Ok(this.object.take().expect("CallFuture polled after completion"))),
            Poll::Ready(Err(SendError(msg))) => {
                this.object = None;
                Poll::Ready(Err(gone(this.actor, msg)))
            }
        }
    }
}

/// While a timeline records, notes a call's submit on this thread (one relaxed load
/// otherwise).
#[inline]
fn note_submit<A: Actor>(msg: &A::Msg) {
    // (The method is read in place: the message's address never escapes the hot path.)
    #[cfg(feature = "std")]
    if crate::timeline::on() {
        record_submit::<A>(A::method_name(msg));
    }
    #[cfg(not(feature = "std"))]
    let _ = msg;
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
