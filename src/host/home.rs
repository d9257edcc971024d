//! [`Home`]: what an actor or a remote task keeps of the host it runs on.

#[cfg(feature = "std")]
use alloc::sync::Arc;
use core::fmt;

#[cfg(feature = "std")]
use super::RuntimeParts;
use crate::object::Store;

/// Where an actor or a task runs and stores its results: a runtime's parts (std), or a
/// store that lives for the whole program (no_std firmware, with a `LocalExecutor`). Cheap
/// to clone: one pointer.
#[derive(Clone)]
pub struct Home(Place);

#[derive(Clone)]
enum Place {
    #[cfg(feature = "std")]
    Runtime(Arc<RuntimeParts>),
    Local(&'static Store),
}

impl Home {
    /// The home of work run by a `LocalExecutor`, storing its results in `store`.
    pub(crate) fn local(store: &'static Store) -> Self {
        Home(Place::Local(store))
    }

    /// The home of work run by a runtime.
    #[cfg(feature = "std")]
    pub(crate) fn runtime(parts: Arc<RuntimeParts>) -> Self {
        Home(Place::Runtime(parts))
    }

    /// Where results are stored.
    #[inline]
    pub(crate) fn store(&self) -> &Store {
        match &self.0 {
            #[cfg(feature = "std")]
            Place::Runtime(parts) => &parts.store,
            Place::Local(store) => store,
        }
    }

    /// The runtime's parts, if this is a runtime.
    #[cfg(feature = "std")]
    #[inline]
    pub(crate) fn parts(&self) -> Option<&Arc<RuntimeParts>> {
        match &self.0 {
            Place::Runtime(parts) => Some(parts),
            Place::Local(_) => None,
        }
    }

    /// True if this is a runtime that has shut down.
    #[cfg(feature = "std")]
    pub(crate) fn is_shut_down(&self) -> bool {
        self.parts().is_some_and(|p| p.scheduler.is_shutdown())
    }
}

impl fmt::Debug for Home {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            #[cfg(feature = "std")]
            Place::Runtime(_) => f.write_str("Home::Runtime"),
            Place::Local(_) => f.write_str("Home::Local"),
        }
    }
}
