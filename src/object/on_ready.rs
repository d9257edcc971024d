//! [`OnReady`]: a waker that runs a closure once, the first time it is woken — what
//! [`ObjectRef::on_ready`](super::ObjectRef::on_ready) registers on a pending object, so a
//! layer above can react to a completion on the completing thread, without a task.

use alloc::sync::Arc;
use alloc::task::Wake;

use crate::sync::Lock;

/// Runs its closure on the first wake (or [`run`](Self::run)); later wakes do nothing.
pub(crate) struct OnReady<F> {
    then: Lock<Option<F>>,
}

impl<F: FnOnce() + Send + 'static> OnReady<F> {
    pub(crate) fn new(then: F) -> Self {
        OnReady { then: Lock::new(Some(then)) }
    }

    /// Runs the closure if nothing ran it yet (outside the lock: it may take others).
    pub(crate) fn run(&self) {
        if let Some(then) = self.then.with(Option::take) {
            then();
        }
    }
}

impl<F: FnOnce() + Send + 'static> Wake for OnReady<F> {
    fn wake(self: Arc<Self>) {
        self.run();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.run();
    }
}
