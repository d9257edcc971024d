//! The thread-local "where am I running" context: which scheduler core (a worker's, or a
//! `block_on` driver's) owns this thread right now. Wakes and spawns consult it to keep
//! work on the current thread (LIFO slot, local queue) instead of the global injector.

use alloc::rc::Rc;
use core::cell::RefCell;

use super::scheduler::Core;

std::thread_local! {
    static CURRENT: RefCell<Option<Rc<Core>>> = const { RefCell::new(None) };
}

/// Restores the previous context when dropped.
#[derive(Debug)]
pub(crate) struct EnterGuard {
    previous: Option<Rc<Core>>,
}

/// Makes `core` the current context of this thread until the guard drops.
pub(crate) fn enter(core: Rc<Core>) -> EnterGuard {
    let previous = CURRENT.with(|c| c.borrow_mut().replace(core));
    EnterGuard { previous }
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // Take the current core out first and drop it after the borrow ends: dropping it
        // may drop tasks, whose wake-ups consult the context again.
        let current = CURRENT.try_with(|c| core::mem::replace(&mut *c.borrow_mut(), previous));
        drop(current);
    }
}

/// Runs `f` with the current core, if any. `f` must not enter or leave a context.
/// While the thread's locals are being destroyed (a waker fired from another local's
/// destructor) there is no current core: `f` gets `None`.
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Core>) -> R) -> R {
    let mut f = Some(f);
    match CURRENT.try_with(|c| f.take().map(|f| f(c.borrow().as_deref()))) {
        Ok(Some(r)) => r,
        // Destroyed: `f` was not called.
        _ => match f.take() {
            Some(f) => f(None),
            None => unreachable!("called once"),
        },
    }
}
