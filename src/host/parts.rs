//! [`RuntimeParts`]: what a runtime owns besides its threads — the scheduler, the object
//! store, the named actors, the CPUs it shares out, and the timer.

use alloc::sync::Arc;

use core::future::Future;

use super::{sealed, CpuPool, Home, Host, NameTable};
use crate::executor::scheduler::Shared;
use crate::object::Store;
use crate::time::TimerDriver;

/// A runtime's parts (see the [module docs](self)). Created by the runtime's builder; every
/// actor and every remote call of the runtime keeps them through its [`Home`](super::Home).
#[derive(Debug)]
pub(crate) struct RuntimeParts {
    /// Runs the jobs (tasks and actor cells).
    pub(crate) scheduler: Arc<Shared>,
    /// Where `rustyray::put` and the results of remote tasks and actor calls go.
    pub(crate) store: Arc<Store>,
    /// The named actors of this runtime.
    pub(crate) names: NameTable,
    /// The CPUs shared out to remote tasks by their `num_cpus`.
    pub(crate) cpus: Arc<CpuPool>,
    /// Drives `sleep`, `timeout` and `interval` on this runtime's threads.
    pub(crate) timer: Arc<TimerDriver>,
    /// The deepest actor mailboxes seen (for metrics).
    pub(crate) deep: super::gauges::DeepMailboxes,
}

impl sealed::Sealed for Arc<RuntimeParts> {
    #[allow(private_interfaces)]
    fn runtime_parts(&self) -> Option<&Arc<RuntimeParts>> {
        Some(self)
    }
}

/// The runtime these parts belong to.
impl Host for Arc<RuntimeParts> {
    fn spawn_detached<F: Future<Output = ()> + Send + 'static>(&self, future: F) {
        self.scheduler.spawn(future).detach();
    }

    fn home(&self) -> Home {
        Home::runtime(self.clone())
    }
}
