//! Actors: private state behind a typed mailbox, handled one message at a time.
//!
//! ```
//! rustyray::dsl::actor! {
//!     pub struct Counter { value: i32 }
//!     impl Counter {
//!         pub fn new() -> Self { Counter { value: 0 } }
//!         pub async fn increment(&mut self) -> i32 { self.value += 1; self.value }
//!         pub fn get(&self) -> i32 { self.value }
//!     }
//! }
//!
//! #[rustyray::main]
//! async fn main() -> Result<(), rustyray::Error> {
//!     let counter = Counter::remote().await?;       // ActorHandle<Counter>
//!     let r = counter.increment().await?;           // ObjectRef<i32>, once queued
//!     assert_eq!(r.get().await?, 1);
//!     Ok(())
//! }
//! ```
//!
//! The pieces, each usable by hand (the macros only generate impls of these):
//!
//! * [`Actor`]: constructor arguments, message enum, `handle`, `reject`, hooks.
//! * [`ActorHandle`]: the typed handle (`Clone + Send + Sync`); it dereferences to the
//!   actor's generated methods, each building a [`Call`].
//! * [`Call`]: await it for an `ObjectRef` of the result, `tell()` it (fire-and-forget, no
//!   result slot), or `try_send()` / `try_tell()` it without waiting.
//! * [`ActorOptions`]: name, restarts, task retries, mailbox capacity.
//! * [`ActorContext`]: the actor's own handle, delayed and periodic self-calls.
//!
//! Semantics (ordering, restarts, stop vs kill) are in `docs/semantics.md`, §2.

mod call;
pub(crate) mod concurrent;
mod context;
mod dsl;
mod extras;
mod handle;
pub(crate) mod method;
mod options;
pub mod packed;
#[cfg(feature = "std")]
pub(crate) mod registry;
#[cfg(feature = "std")]
mod restart;
mod supervisor;
mod trace;
mod traits;

pub use call::{Call, CallFuture, Tell};
pub use context::ActorContext;
#[cfg(feature = "node")]
pub(crate) use handle::RemoteEndpoint;
pub use handle::{ActorHandle, ActorRef, ActorState, WeakActorHandle};
pub use options::ActorOptions;
pub use traits::{Actor, ActorMethods};

/// A typed handle to the actor named `name` on the current (or default) runtime.
///
/// # Errors
/// [`Error::ActorNotFound`](crate::Error::ActorNotFound) if no running actor has that name,
/// [`Error::TypeMismatch`](crate::Error::TypeMismatch) if it is not an `A`,
/// [`Error::NoRuntime`](crate::Error::NoRuntime) outside any runtime.
#[cfg(feature = "std")]
pub fn get_actor<A: Actor>(name: &str) -> Result<ActorHandle<A>, crate::Error> {
    crate::host::with_current_or_default(|parts| registry::get(&parts.names, name))?
}

/// [`get_actor`] on an explicit host (a [`Runtime`](crate::Runtime) or a
/// [`Handle`](crate::Handle)).
///
/// # Errors
/// As [`get_actor`]; [`Error::ActorNotFound`](crate::Error::ActorNotFound) on a host
/// without named actors (a `LocalExecutor`).
#[cfg(feature = "std")]
pub fn get_actor_on<A: Actor>(host: &impl crate::host::Host, name: &str) -> Result<ActorHandle<A>, crate::Error> {
    match host.runtime_parts() {
        Some(parts) => registry::get(&parts.names, name),
        None => Err(crate::Error::ActorNotFound { name: alloc::string::String::from(name) }),
    }
}
