//! [`ActorContext`]: what an actor knows about itself while it runs.

use super::extras::Extras;
use super::handle::{ActorHandle, ActorRef, ActorShared, ActorState, WeakActorHandle};
#[cfg(feature = "std")]
use super::supervisor::Death;
use super::traits::Actor;
use crate::raw::cell::CellRef;

/// Handed to [`Actor::handle`] and [`Actor::on_start`]: the actor's own identity, a way
/// to get its own handle, and (std) to call itself later or on an interval.
pub struct ActorContext<A: Actor> {
    pub(crate) shared: CellRef<ActorShared<A>>,
    /// Where the actor's cell is registered in its runtime (unregistered when this
    /// context, i.e. the actor's loop, is dropped). Zero-sized, and unread, without `std`.
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    key: Registered,
    /// Copies of two settings the loop consults for every message: the actor's calls are
    /// kept for a retry (`max_task_retries > 0`), and its mailbox is bounded (each handled
    /// message frees a place). Read here, in the loop's own memory, not from the shared
    /// state, whose lines its senders write (see `ActorShared`). `std` only: a device's
    /// one core shares no cache line with a sender, and there the copies cost more flash
    /// (~100 bytes) than the reads they save.
    #[cfg(feature = "std")]
    keeps_calls: bool,
    #[cfg(feature = "std")]
    bounded: bool,
}

/// An actor's key in its runtime's task registry (`TaskKey::NONE` for an actor run by
/// another executor); nothing without `std`.
#[cfg(feature = "std")]
pub(crate) type Registered = crate::executor::owned::TaskKey;

/// An actor's key in its runtime's task registry; nothing without `std`.
#[cfg(not(feature = "std"))]
#[derive(Clone, Copy)]
pub(crate) struct Registered;

#[cfg(not(feature = "std"))]
impl Registered {
    pub(crate) const NONE: Registered = Registered;
}

impl<A: Actor> core::fmt::Debug for ActorContext<A> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ActorContext")
            .field("actor", &core::any::type_name::<A>())
            .field("id", &self.shared.id)
            .finish()
    }
}

/// The actor's loop has ended, or was dropped unfinished (its runtime shut down): nothing
/// will take calls any more, whatever handles remain.
impl<A: Actor> Drop for ActorContext<A> {
    fn drop(&mut self) {
        let shared = &self.shared;
        // A loop that ended drained a closed mailbox; one dropped mid-way closes it.
        if !shared.mailbox.is_closed() {
            shared.mailbox.close();
        }
        shared.set_state(ActorState::Stopped);
        #[cfg(feature = "std")]
        self.answer_the_rest();
        #[cfg(feature = "std")]
        if let Some(parts) = shared.home.parts() {
            if let Some(name) = shared.name() {
                super::registry::remove(&parts.names, name, shared.id);
            }
            parts.scheduler.owned.remove(self.key);
        }
    }
}

#[cfg(feature = "std")]
impl<A: Actor> ActorContext<A> {
    /// The loop is gone: answers every call it will never handle, now rather than when the
    /// last handle goes. A loop that ended drained its closed mailbox (its receiver waits
    /// for sends racing the close, see `Mailbox::drained_after_close`), so this finds
    /// calls only when the loop was dropped mid-way — by a shutdown, which only `std`
    /// runtimes have (a `LocalExecutor` never drops a running task).
    fn answer_the_rest(&self) {
        let shared = &self.shared;
        let why = if shared.home.is_shut_down() { Death::Shutdown } else { Death::Stopped };
        loop {
            while let Some(msg) = shared.mailbox.try_recv() {
                A::reject(msg, why.error());
            }
            // A fixed mailbox: a send that reserved its place before the close may still be
            // pushing (a few instructions; never blocked on us).
            if shared.mailbox.sends_settled() {
                break;
            }
            std::thread::yield_now();
        }
        // A call kept for a retry lives in the shared state (which handles keep alive): it
        // must not outlive the loop that would have answered it.
        if let Some(retries) = self.retries() {
            for msg in retries.clear() {
                A::reject(msg, why.error());
            }
        }
    }
}

impl<A: Actor> ActorContext<A> {
    /// The context of the actor `shared`, registered as `key`.
    pub(crate) fn new(shared: CellRef<ActorShared<A>>, key: Registered) -> Self {
        ActorContext {
            #[cfg(feature = "std")]
            keeps_calls: shared.extras.as_deref().is_some_and(Extras::keeps_calls),
            #[cfg(feature = "std")]
            bounded: shared.mailbox.capacity().is_some(),
            shared,
            key,
        }
    }

    /// The actor's calls are kept for a retry (`max_task_retries > 0`).
    #[inline]
    fn keeps_calls(&self) -> bool {
        #[cfg(feature = "std")]
        return self.keeps_calls;
        #[cfg(not(feature = "std"))]
        return self.shared.extras.as_deref().is_some_and(Extras::keeps_calls);
    }

    /// The actor's retry bookkeeping, if its calls are kept for a retry
    /// (`max_task_retries > 0`).
    #[inline]
    pub(crate) fn retries(&self) -> Option<&Extras<A>> {
        if self.keeps_calls() {
            self.shared.extras.as_deref()
        } else {
            None
        }
    }

    /// The loop handled (or rejected) a message it took: a bounded mailbox frees its place.
    #[inline]
    pub(crate) fn consumed(&self) {
        // Without `std` the mailbox's own check (an unbounded one counts nothing) does.
        #[cfg(feature = "std")]
        if !self.bounded {
            return;
        }
        self.shared.mailbox.consumed();
    }

    /// True if the running call should be kept for a retry (`max_task_retries > 0`).
    #[doc(hidden)]
    #[inline]
    pub fn __keeps_calls(&self) -> bool {
        self.keeps_calls()
    }

    /// Keeps `msg` (a copy of the call in progress, holding its reply slot) for a retry.
    #[doc(hidden)]
    pub fn __keep(&self, msg: A::Msg) {
        if let Some(retries) = self.retries() {
            retries.keep(msg);
        }
    }

    /// Takes back the call kept by [`__keep`](Self::__keep): the method finished (the
    /// generated code answers through it) or failed (the supervisor retries or rejects it).
    #[doc(hidden)]
    #[inline]
    pub fn __take_kept(&self) -> Option<A::Msg> {
        self.retries()?.take_kept()
    }

    /// A counted handle to this actor. Storing it inside the actor keeps the actor alive
    /// until it is stopped explicitly; prefer [`weak_handle`](Self::weak_handle) for that.
    pub fn handle(&self) -> ActorHandle<A> {
        ActorHandle::from_ref(ActorRef::counted(self.shared.clone()))
    }

    /// A handle that does not keep this actor alive.
    pub fn weak_handle(&self) -> WeakActorHandle<A> {
        WeakActorHandle::new(&self.shared)
    }

    /// This actor's id.
    pub fn id(&self) -> u64 {
        self.shared.id
    }

    /// Stops this actor after the calls already queued (see [`ActorRef::stop`]).
    pub fn stop(&self) {
        self.shared.mailbox.close();
    }
}

#[cfg(feature = "std")]
impl<A: Actor> ActorContext<A> {
    /// Runs `f` with this actor's handle after `delay` (e.g. to send itself a message),
    /// unless the actor has stopped by then. Returns at once.
    pub fn run_later<F, Fut>(&self, delay: core::time::Duration, f: F)
    where
        F: FnOnce(ActorHandle<A>) -> Fut + Send + 'static,
        Fut: core::future::Future<Output = ()> + Send + 'static,
    {
        let weak = self.weak_handle();
        if let Some(parts) = self.shared.home.parts() {
            parts
                .scheduler
                .spawn(async move {
                    crate::time::sleep(delay).await;
                    if let Some(h) = weak.upgrade() {
                        f(h).await;
                    }
                })
                .detach();
        }
    }

    /// Runs `f` with this actor's handle every `period` (first after one period) for as
    /// long as the actor runs. Returns at once.
    pub fn run_interval<F, Fut>(&self, period: core::time::Duration, mut f: F)
    where
        F: FnMut(ActorHandle<A>) -> Fut + Send + 'static,
        Fut: core::future::Future<Output = ()> + Send + 'static,
    {
        let weak = self.weak_handle();
        if let Some(parts) = self.shared.home.parts() {
            parts
                .scheduler
                .spawn(async move {
                    let mut ticks = crate::time::interval(period);
                    ticks.tick().await;
                    loop {
                        ticks.tick().await;
                        match weak.upgrade() {
                            Some(h) => f(h).await,
                            None => break,
                        }
                    }
                })
                .detach();
        }
    }
}
