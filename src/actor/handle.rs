//! References to a running actor: [`ActorRef`] (the untyped core), [`ActorHandle`] (the
//! typed handle users hold), and [`WeakActorHandle`].
//!
//! ```text
//!   ActorHandle<A> ──Deref──▶ A::Methods ──▶ ActorRef<A> ──CellRef──▶ ActorShared<A>
//!                                          (one block: mailbox, state, handle count, the actor's loop)
//! ```
//!
//! An actor that has no name stops (draining its mailbox) when the last *counted* handle
//! is dropped; the actor's own task and weak handles do not count.

use core::fmt;
use core::ops::Deref;

use super::traits::{Actor, ActorMethods};
use crate::mailbox::Mailbox;
#[cfg(feature = "node")]
use crate::mailbox::TrySendError;
use crate::raw::cell::CellRef;
use crate::sync::atomic::{AtomicU32, AtomicU8, Ordering::*};
#[cfg(feature = "node")]
use crate::Error;

/// Life cycle of an actor.
///
/// ```text
///  RUNNING ──stop() / last handle dropped──▶ STOPPING (drains queued calls) ──▶ STOPPED
///     │  └──panic, restarts left──▶ (rebuilt, RUNNING)                            ▲
///     └──kill() / panic with no restarts left──▶ (queued calls fail: ActorDied) ───┘
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ActorState {
    /// Handling messages.
    Running = 0,
    /// Closed to new calls; handling what is queued.
    Stopping = 1,
    /// Stopped: every later call fails with `ActorDied`.
    Stopped = 2,
}

/// State shared by every reference to one actor.
///
/// `repr(C)`, in this order on purpose. A call touches two things here: `home` (read, to
/// make its result's cell) and then the mailbox's queue (written); so `home` comes right
/// before the queue, where the line a call must take anyway holds it, or the line next to
/// it. The words the actor's loop reads for every message it handles come last (`killed`;
/// the mailbox's bound and the retry setting it keeps in its own context), after the
/// read-mostly fields, more than a cache line from the queue. Measured (fresh processes):
/// with `killed` on the queue's line a stream of tells ran up to half as fast, by where
/// the allocator happened to put the cell; with `home` last, on the line the loop's own
/// state (which follows this struct in the actor's cell) is written on, each call whose
/// ref is dropped cost 20 ns more (a miss on every read of `home`). (`std` only: a device
/// has one core, and there rustc's own order packs the cell tighter.)
#[cfg_attr(feature = "std", repr(C))]
pub(crate) struct ActorShared<A: Actor> {
    /// Where the actor runs and its call results are stored.
    pub(crate) home: crate::host::Home,
    pub(crate) mailbox: Mailbox<A::Msg>,
    /// The name and the retry bookkeeping, for the actors that have them (one word for
    /// the others).
    pub(crate) extras: Option<alloc::boxed::Box<super::extras::Extras<A>>>,
    pub(crate) id: u64,
    /// Counted handles. 32 bits (next to `state` and `killed`, in one word): a count
    /// that large would take 16 GiB of handles; past half the range, counting panics.
    /// The actor's loop holds one more from its creation until its first `on_start` has
    /// run, so a handle the actor takes of itself there keeps it alive whatever the
    /// creator does meanwhile.
    pub(crate) handles: AtomicU32,
    pub(crate) state: AtomicU8,
    /// Set by `kill()` (or when restarts are exhausted): queued calls fail instead of running.
    pub(crate) killed: crate::sync::atomic::AtomicBool,
}

impl<A: Actor> ActorShared<A> {
    pub(crate) fn set_state(&self, s: ActorState) {
        self.state.store(s as u8, Release);
    }

    pub(crate) fn name(&self) -> Option<&str> {
        self.extras.as_ref()?.name.as_deref()
    }

    /// The schedule function of the actor's cell: its runtime's.
    #[cfg(feature = "std")]
    pub(crate) fn schedule(&self, job: crate::raw::cell::CellJob, woken_while_running: bool) {
        match self.home.parts() {
            Some(parts) => parts.scheduler.schedule(crate::raw::job::Job::from(job), woken_while_running),
            None => unreachable!("only an actor whose home is a runtime is a scheduled cell"),
        }
    }

    pub(crate) fn state(&self) -> ActorState {
        match self.state.load(Acquire) {
            0 => ActorState::Running,
            1 => ActorState::Stopping,
            _ => ActorState::Stopped,
        }
    }

    /// Closes the mailbox to new calls; the actor handles what is queued, then stops.
    pub(crate) fn stop(&self) {
        if self.mailbox.close() {
            let _ = self.state.compare_exchange(ActorState::Running as u8, ActorState::Stopping as u8, AcqRel, Acquire);
        }
    }

    /// Gives up one counted handle: the last one of an unnamed actor stops it (nobody can
    /// call it any more).
    pub(crate) fn release_handle(&self) {
        if self.handles.fetch_sub(1, AcqRel) == 1 && self.name().is_none() {
            self.stop();
        }
    }
}

#[cold]
#[inline(never)]
fn too_many_handles() -> ! {
    panic!("more than 2^31 handles to one actor (handles are being leaked)");
}

/// An actor on another node, as the node layer reaches it (the hook the node layer fills
/// in: the actor layer sits below it).
#[cfg(feature = "node")]
pub(crate) trait RemoteEndpoint<A: Actor>: Send + Sync + 'static {
    /// The endpoint itself (the node layer's type), to tell which link it is on.
    fn as_any(&self) -> &dyn core::any::Any;
    /// Sends `msg` (taken from the option once it is on its way, or rejected with the
    /// error): waits while the link's window is full.
    fn poll_send(
        &self,
        msg: &mut Option<A::Msg>,
        waiting: &mut Option<event_listener::EventListener>,
        cx: &mut core::task::Context<'_>,
    ) -> core::task::Poll<Result<(), Error>>;
    /// Sends `msg` if the window has room.
    fn try_send(&self, msg: A::Msg) -> Result<(), TrySendError<A::Msg>>;
    /// Where the results of calls through this endpoint are stored (the caller's store).
    fn store(&self) -> &crate::object::Store;
    /// The actor's id on its node.
    fn id(&self) -> u64;
    /// The name the actor was exported under.
    fn name(&self) -> &str;
    /// `Running` while the link is up, `Stopped` once it is lost.
    fn state(&self) -> ActorState;
}

/// Where a reference's actor is.
pub(crate) enum Target<A: Actor> {
    /// In this process: its shared block.
    Local(CellRef<ActorShared<A>>),
    /// On another node, through a link.
    #[cfg(feature = "node")]
    Remote(alloc::sync::Arc<dyn RemoteEndpoint<A>>),
}

/// The untyped core of a handle: sends messages to one actor, in this process or on
/// another node (see [`node`](crate::node)). Cloning counts as a handle.
pub struct ActorRef<A: Actor> {
    pub(crate) target: Target<A>,
}

impl<A: Actor> ActorRef<A> {
    /// A counted reference (increments the handle count).
    pub(crate) fn counted(shared: CellRef<ActorShared<A>>) -> Self {
        if shared.handles.fetch_add(1, Relaxed) > u32::MAX / 2 {
            too_many_handles();
        }
        ActorRef { target: Target::Local(shared) }
    }

    /// A reference for a handle counted already (the creator's, counted at creation).
    pub(crate) fn adopt(shared: CellRef<ActorShared<A>>) -> Self {
        ActorRef { target: Target::Local(shared) }
    }

    /// A reference to an actor on another node.
    #[cfg(feature = "node")]
    pub(crate) fn remote(endpoint: alloc::sync::Arc<dyn RemoteEndpoint<A>>) -> Self {
        ActorRef { target: Target::Remote(endpoint) }
    }

    /// The actor's shared block, if it runs in this process.
    pub(crate) fn local(&self) -> Option<&CellRef<ActorShared<A>>> {
        match &self.target {
            Target::Local(shared) => Some(shared),
            #[cfg(feature = "node")]
            Target::Remote(_) => None,
        }
    }

    /// The endpoint of an actor on another node.
    #[cfg(feature = "node")]
    pub(crate) fn remote_endpoint(&self) -> Option<&alloc::sync::Arc<dyn RemoteEndpoint<A>>> {
        match &self.target {
            Target::Remote(endpoint) => Some(endpoint),
            Target::Local(_) => None,
        }
    }

    /// The actor's mailbox; `None` for an actor on another node.
    pub fn mailbox(&self) -> Option<&Mailbox<A::Msg>> {
        self.local().map(|shared| &shared.mailbox)
    }

    /// True if the actor runs on another node (its calls cross a link).
    pub fn is_remote(&self) -> bool {
        #[cfg(feature = "node")]
        return matches!(self.target, Target::Remote(_));
        #[cfg(not(feature = "node"))]
        false
    }

    /// The actor's id: process-unique for a local actor; for a remote one, its id on its
    /// node.
    pub fn id(&self) -> u64 {
        match &self.target {
            Target::Local(shared) => shared.id,
            #[cfg(feature = "node")]
            Target::Remote(remote) => remote.id(),
        }
    }

    /// The actor's name, if it has one (a remote actor's: the name it was exported under).
    pub fn name(&self) -> Option<&str> {
        match &self.target {
            Target::Local(shared) => shared.name(),
            #[cfg(feature = "node")]
            Target::Remote(remote) => Some(remote.name()),
        }
    }

    /// The actor's life-cycle state (a remote actor's: `Running` while its link is up).
    pub fn state(&self) -> ActorState {
        match &self.target {
            Target::Local(shared) => shared.state(),
            #[cfg(feature = "node")]
            Target::Remote(remote) => remote.state(),
        }
    }

    /// Stops the actor after it has handled every call already queued; later calls fail
    /// with `ActorDied`. A no-op for an actor on another node: a link is not a licence to
    /// stop another node's actors (that node's own handles decide).
    pub fn stop(&self) {
        if let Some(shared) = self.local() {
            shared.stop();
        }
    }

    /// Stops the actor now: queued calls fail with `ActorDied`, and a call in progress is
    /// abandoned at its next await point. A no-op for an actor on another node (see
    /// [`stop`](Self::stop)).
    pub fn kill(&self) {
        if let Some(shared) = self.local() {
            shared.killed.store(true, Release);
            shared.stop();
        }
    }
}

impl<A: Actor> Clone for ActorRef<A> {
    fn clone(&self) -> Self {
        match &self.target {
            Target::Local(shared) => ActorRef::counted(shared.clone()),
            #[cfg(feature = "node")]
            Target::Remote(remote) => ActorRef::remote(alloc::sync::Arc::clone(remote)),
        }
    }
}

impl<A: Actor> Drop for ActorRef<A> {
    fn drop(&mut self) {
        if let Some(shared) = self.local() {
            shared.release_handle();
        }
    }
}

impl<A: Actor> fmt::Debug for ActorRef<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActorRef")
            .field("actor", &core::any::type_name::<A>())
            .field("id", &self.id())
            .field("name", &self.name())
            .field("state", &self.state())
            .field("remote", &self.is_remote())
            .finish()
    }
}

/// A typed handle to an actor: `Clone + Send + Sync`; dereferences to the actor's
/// generated methods (`counter.increment()`), each returning a [`Call`](super::Call).
///
/// Lifecycle methods live on the handle itself: [`stop`](Self::stop),
/// [`kill`](Self::kill), [`state`](Self::state), [`downgrade`](Self::downgrade).
pub struct ActorHandle<A: Actor> {
    methods: A::Methods,
}

impl<A: Actor> ActorHandle<A> {
    pub(crate) fn from_ref(actor: ActorRef<A>) -> Self {
        ActorHandle { methods: A::Methods::from_ref(actor) }
    }

    /// The untyped reference.
    pub fn actor_ref(&self) -> &ActorRef<A> {
        self.methods.actor_ref()
    }

    /// See [`ActorRef::stop`].
    pub fn stop(&self) {
        self.actor_ref().stop()
    }

    /// See [`ActorRef::kill`].
    pub fn kill(&self) {
        self.actor_ref().kill()
    }

    /// The actor's life-cycle state.
    pub fn state(&self) -> ActorState {
        self.actor_ref().state()
    }

    /// A handle that does not keep the actor running (a handle to an actor on another node
    /// keeps nothing running there: its weak form is the same reference).
    pub fn downgrade(&self) -> WeakActorHandle<A> {
        match &self.actor_ref().target {
            Target::Local(shared) => WeakActorHandle::new(shared),
            #[cfg(feature = "node")]
            Target::Remote(remote) => WeakActorHandle { target: WeakTarget::Remote(alloc::sync::Arc::clone(remote)) },
        }
    }
}

impl<A: Actor> Deref for ActorHandle<A> {
    type Target = A::Methods;
    fn deref(&self) -> &A::Methods {
        &self.methods
    }
}

impl<A: Actor> Clone for ActorHandle<A> {
    fn clone(&self) -> Self {
        ActorHandle { methods: self.methods.clone() }
    }
}

impl<A: Actor> fmt::Debug for ActorHandle<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.actor_ref(), f)
    }
}

/// A handle that does not keep its actor running; [`upgrade`](Self::upgrade) it to call.
/// (It keeps the actor's shared block allocated — a few hundred bytes, not the actor's
/// state, which is dropped when the actor stops.)
pub struct WeakActorHandle<A: Actor> {
    target: WeakTarget<A>,
}

enum WeakTarget<A: Actor> {
    Local(CellRef<ActorShared<A>>),
    #[cfg(feature = "node")]
    Remote(alloc::sync::Arc<dyn RemoteEndpoint<A>>),
}

impl<A: Actor> WeakActorHandle<A> {
    pub(crate) fn new(shared: &CellRef<ActorShared<A>>) -> Self {
        WeakActorHandle { target: WeakTarget::Local(shared.clone()) }
    }

    /// A counted handle, if the actor is still running (for an actor on another node: if
    /// its link is up).
    pub fn upgrade(&self) -> Option<ActorHandle<A>> {
        match &self.target {
            WeakTarget::Local(shared) => {
                if shared.state() != ActorState::Running {
                    return None;
                }
                Some(ActorHandle::from_ref(ActorRef::counted(shared.clone())))
            }
            #[cfg(feature = "node")]
            WeakTarget::Remote(remote) => (remote.state() == ActorState::Running)
                .then(|| ActorHandle::from_ref(ActorRef::remote(alloc::sync::Arc::clone(remote)))),
        }
    }
}

impl<A: Actor> Clone for WeakActorHandle<A> {
    fn clone(&self) -> Self {
        let target = match &self.target {
            WeakTarget::Local(shared) => WeakTarget::Local(shared.clone()),
            #[cfg(feature = "node")]
            WeakTarget::Remote(remote) => WeakTarget::Remote(alloc::sync::Arc::clone(remote)),
        };
        WeakActorHandle { target }
    }
}

impl<A: Actor> fmt::Debug for WeakActorHandle<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakActorHandle").field("actor", &core::any::type_name::<A>()).finish()
    }
}
