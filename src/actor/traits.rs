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

    /// The method a message calls (timelines and `tracing` spans name calls by it).
    fn method_name(msg: &Self::Msg) -> &'static str {
        let _ = msg;
        "call"
    }

    /// Prefetches what handling `msg` will touch first that another thread wrote: its
    /// reply's object cell (the loop calls it on the next queued message while it handles
    /// the current one). The default does nothing.
    #[doc(hidden)]
    #[inline]
    fn __prefetch(msg: &Self::Msg) {
        let _ = msg;
    }

    /// True if `msg` calls an `async` method (the DSL's async methods trace their own
    /// calls; the loop traces the others).
    #[doc(hidden)]
    fn __is_async(msg: &Self::Msg) -> bool {
        let _ = msg;
        false
    }

    /// True if the actor's `&self` methods may run side by side (declared
    /// `#[concurrent]`; see [`ActorOptions::max_concurrency`](super::ActorOptions::max_concurrency)).
    /// Such an actor is `Sync`: its concurrent calls share it.
    const CONCURRENT: bool = false;

    /// The actor's named concurrency groups and their limits (Ray's `concurrency_groups`),
    /// declared `#[concurrent(name = limit, …)]`; calls outside them are in the default
    /// group, limited by `max_concurrency`.
    const CONCURRENCY_GROUPS: &'static [(&'static str, u32)] = &[];

    /// The concurrency group of `msg` (0: the default group; `i + 1`: the `i`-th of
    /// [`CONCURRENCY_GROUPS`](Self::CONCURRENCY_GROUPS)) if it may run next to others (a
    /// `&self` method of a concurrent actor); `None` if it runs alone.
    fn concurrency_group(msg: &Self::Msg) -> Option<usize> {
        let _ = msg;
        None
    }

    /// Handles a message of a `&self` method next to others (only called for messages
    /// [`concurrency_group`](Self::concurrency_group) places in a group).
    fn handle_shared<'a>(
        &'a self,
        msg: Self::Msg,
        ctx: &'a ActorContext<Self>,
    ) -> impl Future<Output = ()> + Send + 'a {
        let _ = ctx;
        Self::reject(msg, Error::InvalidConfig { reason: "this actor does not run calls concurrently" });
        core::future::ready(())
    }

    /// Runs a stretch of concurrent calls (the DSL implements it for `#[concurrent]`
    /// actors with `rustyray`'s own `serve`, where the actor is known to be `Sync`).
    #[doc(hidden)]
    fn __serve_concurrently<'a>(
        &'a self,
        phase: super::concurrent::Phase<'a, Self>,
    ) -> super::concurrent::BoxedPhase<'a, Self> {
        super::concurrent::refuse(phase)
    }
}

/// The typed method surface of a handle: a newtype around [`ActorRef`].
pub trait ActorMethods<A: Actor>: Clone + Send + Sync + 'static {
    /// Wraps an untyped reference.
    fn from_ref(actor: ActorRef<A>) -> Self;
    /// The reference inside.
    fn actor_ref(&self) -> &ActorRef<A>;
}
