//! The trait-based actor API. `declare_actor!` and `#[rustyray::actor_methods]` generate these
//! impls; a user can also write them by hand (see `tests/hand_written.rs`).

use core::future::Future;

use super::context::ActorContext;
use super::handle::ActorRef;
use crate::Error;

/// An actor: private state, a constructor, and a typed message enum handled one message
/// at a time.
///
/// * `Args` are the constructor's arguments, kept (and cloned) so that a restart re-runs
///   the constructor with the same arguments, as Ray's `max_restarts` does.
/// * `Msg` is the message enum; each variant carries a method's arguments and, for a
///   call, the [`Promise`](crate::object::Promise) of its result.
/// * `Methods` is what a typed [`ActorHandle`](super::ActorHandle) dereferences to: one
///   method per actor method, each returning a [`Call`](super::Call).
pub trait Actor: Sized + Send + 'static {
    /// Constructor arguments (a tuple).
    type Args: Clone + Send + 'static;
    /// The message enum.
    type Msg: Send + 'static;
    /// The typed method surface of a handle.
    type Methods: ActorMethods<Self>;

    /// Builds the actor from its arguments (runs again on every restart).
    fn create(args: Self::Args) -> Self;

    /// Handles one message that [`handle_now`](Self::handle_now) handed back. The future
    /// may borrow the actor mutably; no other message is handled until it completes.
    fn handle<'a>(&'a mut self, msg: Self::Msg, ctx: &'a ActorContext<Self>) -> impl Future<Output = ()> + Send + 'a;

    /// Handles `msg` at once if its method is synchronous (returning `None`); hands an
    /// `async` method's message back, to be run by [`handle`](Self::handle).
    ///
    /// The default hands every message back. Generated actors run their synchronous
    /// methods here: no future is built for them, and an actor whose methods are all
    /// synchronous has a zero-sized `handle` future, so its task holds no room for one.
    fn handle_now(&mut self, msg: Self::Msg, ctx: &ActorContext<Self>) -> Option<Self::Msg> {
        let _ = ctx;
        Some(msg)
    }

    /// Fails a message that will never be handled (the actor died or was killed): its
    /// caller's object resolves to `error`.
    fn reject(msg: Self::Msg, error: Error);

    /// Runs after the actor is created (and after each restart), before any message.
    fn on_start(&mut self, ctx: &ActorContext<Self>) {
        let _ = ctx;
    }

    /// Runs when the actor stops (not when it is rebuilt after a panic).
    fn on_stop(&mut self) {}
}

/// The typed method surface of a handle: a newtype around [`ActorRef`].
pub trait ActorMethods<A: Actor>: Clone + Send + Sync + 'static {
    /// Wraps an untyped reference.
    fn from_ref(actor: ActorRef<A>) -> Self;
    /// The reference inside.
    fn actor_ref(&self) -> &ActorRef<A>;
}
