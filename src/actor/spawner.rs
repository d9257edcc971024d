//! [`Spawner`]: where an actor's task runs and where its results are stored — a std
//! [`Runtime`](crate::Runtime) / [`Handle`](crate::Handle), or on `no_std` a `'static`
//! [`LocalExecutor`] paired with a `'static` [`Store`].

use alloc::sync::Arc;
use core::future::Future;
use core::ops::Deref;

use crate::executor::LocalExecutor;
use crate::object::Store;

/// Where work runs and its results are stored: a std runtime (whose store it uses), or a
/// store that lives for the whole program (no_std firmware).
#[derive(Debug, Clone)]
pub enum StoreRef {
    /// A runtime: its store, timers and named-actor registry.
    #[cfg(feature = "std")]
    Runtime(crate::runtime::Handle),
    /// A store of its own.
    Shared(Arc<Store>),
    /// A store that lives for the whole program.
    Static(&'static Store),
}

impl StoreRef {
    /// The std runtime, if this is one.
    #[cfg(feature = "std")]
    pub fn runtime(&self) -> Option<&crate::runtime::Handle> {
        match self {
            StoreRef::Runtime(h) => Some(h),
            _ => None,
        }
    }
}

#[cfg(feature = "std")]
impl StoreRef {
    /// True if this is a runtime that has shut down.
    pub(crate) fn is_shut_down(&self) -> bool {
        self.runtime().is_some_and(crate::runtime::Handle::is_shutdown)
    }
}

impl Deref for StoreRef {
    type Target = Store;
    fn deref(&self) -> &Store {
        match self {
            #[cfg(feature = "std")]
            StoreRef::Runtime(h) => &h.parts.store,
            StoreRef::Shared(s) => s,
            StoreRef::Static(s) => s,
        }
    }
}

/// Something that can run an actor's (or a task's) future to completion.
pub trait Spawner {
    /// Spawns `future`, detached.
    fn spawn_detached<F: Future<Output = ()> + Send + 'static>(&self, future: F);

    /// Where results of work spawned here are stored.
    fn store(&self) -> StoreRef;

    /// The std runtime behind this spawner, if any (timers and named actors need one).
    #[cfg(feature = "std")]
    fn runtime_handle(&self) -> Option<crate::runtime::Handle> {
        None
    }
}

/// A single-threaded executor with the store its results go to.
impl Spawner for (&'static LocalExecutor, &'static Store) {
    fn spawn_detached<F: Future<Output = ()> + Send + 'static>(&self, future: F) {
        self.0.spawn(future).detach();
    }

    fn store(&self) -> StoreRef {
        StoreRef::Static(self.1)
    }
}

#[cfg(feature = "std")]
impl Spawner for crate::runtime::Handle {
    fn spawn_detached<F: Future<Output = ()> + Send + 'static>(&self, future: F) {
        self.spawn(future).detach();
    }

    fn store(&self) -> StoreRef {
        StoreRef::Runtime(self.clone())
    }

    fn runtime_handle(&self) -> Option<crate::runtime::Handle> {
        Some(self.clone())
    }
}

#[cfg(feature = "std")]
impl Spawner for crate::Runtime {
    fn spawn_detached<F: Future<Output = ()> + Send + 'static>(&self, future: F) {
        self.handle().spawn_detached(future);
    }

    fn store(&self) -> StoreRef {
        Spawner::store(self.handle())
    }

    fn runtime_handle(&self) -> Option<crate::runtime::Handle> {
        Some(self.handle().clone())
    }
}

impl<S: Spawner> Spawner for &S {
    fn spawn_detached<F: Future<Output = ()> + Send + 'static>(&self, future: F) {
        (**self).spawn_detached(future);
    }

    fn store(&self) -> StoreRef {
        (**self).store()
    }

    #[cfg(feature = "std")]
    fn runtime_handle(&self) -> Option<crate::runtime::Handle> {
        (**self).runtime_handle()
    }
}
