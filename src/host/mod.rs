//! Where actors and tasks run: the one interface through which the actor and task layers
//! reach the executor, the object store, the named-actor table and the CPU pool, without
//! knowing what owns them.
//!
//! ```text
//!   Host — what `remote_on(&host, …)` takes          Home — what an actor or a task keeps
//!   ───────────────────────────────────────          ─────────────────────────────────────
//!   Runtime, Handle (std)             ──home()──▶    a runtime's parts (RuntimeParts): its
//!                                                    scheduler, store, names, CPUs, timer
//!   (&'static LocalExecutor,          ──home()──▶    the store (its loop and tasks were
//!    &'static Store)                                 spawned on the executor at creation)
//! ```
//!
//! A runtime owns its parts (created by `Builder::build`, shut down with it) and lends them
//! to the threads it runs; the free functions (`Counter::remote()`,
//! `add::remote(…)`) find them there, or in the process-wide default.

#[cfg(feature = "std")]
mod cpus;
#[cfg(feature = "std")]
mod current;
#[cfg(feature = "std")]
pub(crate) mod gauges;
mod home;
#[cfg(feature = "std")]
mod names;
#[cfg(feature = "std")]
mod parts;

use core::future::Future;

#[cfg(feature = "std")]
pub(crate) use cpus::CpuPool;
#[cfg(feature = "std")]
pub(crate) use current::{enter, set_default, with_current, with_current_or_default};
pub use home::Home;
#[cfg(feature = "std")]
pub(crate) use names::{NameEntry, NameTable, Named};
#[cfg(feature = "std")]
pub(crate) use parts::RuntimeParts;

use crate::executor::LocalExecutor;
use crate::object::Store;

/// Something that runs actors and tasks: a [`Runtime`](crate::Runtime) or a
/// [`Handle`](crate::Handle) (std), or a `'static` [`LocalExecutor`] paired with a `'static`
/// [`Store`] (no_std). What `remote_on(&host, …)` takes. Sealed: rustyray implements it.
#[allow(private_bounds)]
pub trait Host: sealed::Sealed {
    /// Spawns `future`, detached, on this host's executor.
    #[doc(hidden)]
    fn spawn_detached<F: Future<Output = ()> + Send + 'static>(&self, future: F);

    /// What work created here keeps of its host.
    fn home(&self) -> Home;
}

/// Only rustyray's types are hosts (the runtime implements it in its own layer).
pub(crate) mod sealed {
    /// What the crate needs of a host without cloning its home.
    pub trait Sealed {
        /// The runtime's parts, borrowed, if the host is a runtime.
        #[cfg(feature = "std")]
        #[allow(private_interfaces)]
        fn runtime_parts(&self) -> Option<&alloc::sync::Arc<super::RuntimeParts>> {
            None
        }
    }
}

impl sealed::Sealed for (&'static LocalExecutor, &'static Store) {}

/// A single-threaded executor with the store its results go to.
impl Host for (&'static LocalExecutor, &'static Store) {
    fn spawn_detached<F: Future<Output = ()> + Send + 'static>(&self, future: F) {
        self.0.spawn(future).detach();
    }

    fn home(&self) -> Home {
        Home::local(self.1)
    }
}

impl<H: Host> sealed::Sealed for &H {
    #[cfg(feature = "std")]
    #[allow(private_interfaces)]
    fn runtime_parts(&self) -> Option<&alloc::sync::Arc<RuntimeParts>> {
        (**self).runtime_parts()
    }
}

impl<H: Host> Host for &H {
    fn spawn_detached<F: Future<Output = ()> + Send + 'static>(&self, future: F) {
        (**self).spawn_detached(future);
    }

    fn home(&self) -> Home {
        (**self).home()
    }
}
