//! [`NodeHost`]: where a node runs what its peers ask of it.

use core::future::Future;

use crate::executor::LocalExecutor;
use crate::host::{Home, Host};
use crate::object::Store;

/// Where a [`Node`](super::Node) runs the calls, tasks and link loops of its peers: a
/// runtime (std) or a `'static` [`LocalExecutor`] with its [`Store`] (no_std firmware).
#[derive(Clone, Debug)]
pub struct NodeHost(Place);

#[derive(Clone, Debug)]
enum Place {
    #[cfg(feature = "std")]
    Runtime(crate::Handle),
    Local(&'static LocalExecutor, &'static Store),
}

impl NodeHost {
    /// True once the host's runtime has shut down (a local executor never does).
    pub(crate) fn is_shut_down(&self) -> bool {
        match &self.0 {
            #[cfg(feature = "std")]
            Place::Runtime(handle) => handle.is_shutdown(),
            Place::Local(..) => false,
        }
    }

    /// The store results and proxies go to.
    pub(crate) fn store(&self) -> &Store {
        match &self.0 {
            #[cfg(feature = "std")]
            Place::Runtime(handle) => handle.store(),
            Place::Local(_, store) => store,
        }
    }
}

#[cfg(feature = "std")]
impl From<&crate::Runtime> for NodeHost {
    fn from(runtime: &crate::Runtime) -> Self {
        NodeHost(Place::Runtime(runtime.handle().clone()))
    }
}

#[cfg(feature = "std")]
impl From<&crate::Handle> for NodeHost {
    fn from(handle: &crate::Handle) -> Self {
        NodeHost(Place::Runtime(handle.clone()))
    }
}

impl From<(&'static LocalExecutor, &'static Store)> for NodeHost {
    fn from((executor, store): (&'static LocalExecutor, &'static Store)) -> Self {
        NodeHost(Place::Local(executor, store))
    }
}

impl crate::host::sealed::Sealed for NodeHost {
    #[cfg(feature = "std")]
    #[allow(private_interfaces)]
    fn runtime_parts(&self) -> Option<&alloc::sync::Arc<crate::host::RuntimeParts>> {
        match &self.0 {
            Place::Runtime(handle) => handle.runtime_parts(),
            Place::Local(..) => None,
        }
    }
}

/// Exported tasks are submitted to the node's host.
impl Host for NodeHost {
    fn spawn_detached<F: Future<Output = ()> + Send + 'static>(&self, future: F) {
        match &self.0 {
            #[cfg(feature = "std")]
            Place::Runtime(handle) => handle.spawn_detached(future),
            Place::Local(executor, store) => (*executor, *store).spawn_detached(future),
        }
    }

    fn home(&self) -> Home {
        match &self.0 {
            #[cfg(feature = "std")]
            Place::Runtime(handle) => handle.home(),
            Place::Local(executor, store) => (*executor, *store).home(),
        }
    }
}
