//! An intrusive, lock-free stack of runnable tasks (the run queue of
//! [`LocalExecutor`](crate::executor::LocalExecutor)).
//!
//! Each task's `async-task` header carries a `next` pointer in its metadata
//! ([`Header`]), so pushing a woken task allocates nothing — it can be done from an
//! interrupt handler. The executor takes the whole stack with one swap and walks it in
//! the order the tasks were woken (FIFO).
//!
//! ```text
//!   head ──▶ [task C | next] ──▶ [task B | next] ──▶ [task A | next = null]
//!   push: next = head; CAS head → new            take_all: swap head → null, reverse
//! ```
//!
//! A task is in the stack at most once: `async-task` only calls the schedule function
//! when it moves the task to SCHEDULED, so `next` is never shared by two links.

use core::mem::ManuallyDrop;
use core::ptr::{self, NonNull};

use super::task::{Header, Runnable};
use crate::sync::atomic::{AtomicPtr, Ordering::*};

/// A multi-producer, single-consumer stack of runnables linked through their headers.
#[derive(Debug)]
pub(crate) struct TaskStack {
    head: AtomicPtr<()>,
}

/// Borrow the header of a task we hold in raw form.
///
/// # Safety
/// `ptr` must come from `Runnable::into_raw` and not have been turned back into an
/// owned `Runnable` that was run or dropped since.
unsafe fn header<'a>(ptr: *mut ()) -> &'a Header {
    // SAFETY: guaranteed by the caller; the view is never dropped (ManuallyDrop), so the
    // task's reference count is untouched, and the header outlives the task's raw form.
    let view = ManuallyDrop::new(unsafe { Runnable::from_raw(NonNull::new_unchecked(ptr)) });
    let meta: *const Header = view.metadata();
    // SAFETY: the header lives inside the task allocation, which stays alive while the
    // raw pointer is owned by the stack or the list.
    unsafe { &*meta }
}

impl TaskStack {
    #[cfg(not(loom))]
    pub(crate) const fn new() -> Self {
        TaskStack { head: AtomicPtr::new(ptr::null_mut()) }
    }

    /// loom's atomics have no `const` constructor.
    #[cfg(loom)]
    pub(crate) fn new() -> Self {
        TaskStack { head: AtomicPtr::new(ptr::null_mut()) }
    }

    /// Pushes a task; returns true if the stack was empty.
    pub(crate) fn push(&self, runnable: Runnable) -> bool {
        let ptr = runnable.into_raw().as_ptr();
        // SAFETY: `ptr` was just produced by `into_raw`.
        let next = &unsafe { header(ptr) }.next;
        let mut head = self.head.load(Relaxed);
        loop {
            next.store(head, Relaxed);
            match self.head.compare_exchange_weak(head, ptr, Release, Relaxed) {
                Ok(_) => return head.is_null(),
                Err(actual) => head = actual,
            }
        }
    }

    /// True if no task is queued (a snapshot).
    pub(crate) fn is_empty(&self) -> bool {
        self.head.load(Acquire).is_null()
    }

    /// Takes every queued task, oldest first.
    pub(crate) fn take_all(&self) -> TaskList {
        let mut p = self.head.swap(ptr::null_mut(), Acquire);
        let mut reversed: *mut () = ptr::null_mut();
        while !p.is_null() {
            // SAFETY: every pointer in the stack came from `into_raw` in `push` and is
            // owned by the stack (now by us, after the swap).
            let h = unsafe { header(p) };
            let next = h.next.load(Relaxed);
            h.next.store(reversed, Relaxed);
            reversed = p;
            p = next;
        }
        TaskList { head: reversed }
    }
}

impl Drop for TaskStack {
    fn drop(&mut self) {
        drop(self.take_all());
    }
}

/// Tasks taken from a [`TaskStack`], in wake-up order. Dropping it drops the rest.
#[derive(Debug)]
pub(crate) struct TaskList {
    head: *mut (),
}

impl Iterator for TaskList {
    type Item = Runnable;

    fn next(&mut self) -> Option<Runnable> {
        let p = NonNull::new(self.head)?;
        // SAFETY: `p` came from `into_raw` and the list owns it; we turn it back into an
        // owned `Runnable` exactly once, after reading its link.
        let next = unsafe { header(p.as_ptr()) }.next.load(Relaxed);
        self.head = next;
        // SAFETY: as above — ownership moves from the list to the caller.
        Some(unsafe { Runnable::from_raw(p) })
    }
}

impl Drop for TaskList {
    fn drop(&mut self) {
        for runnable in self.by_ref() {
            drop(runnable);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::raw::task::Runnable;
    use alloc::sync::Arc;
    use alloc::vec::Vec;
    use std::sync::Mutex;

    #[test]
    fn tasks_come_out_in_wake_order_and_are_freed() {
        let stack = Arc::new(TaskStack::new());
        let ran = Arc::new(Mutex::new(Vec::new()));
        let mut handles = Vec::new();
        /// A task cell as the executor makes one (without its wrappers).
        fn spawn<F: core::future::Future<Output = ()> + Send + 'static>(
            future: F,
            schedule: impl Fn(Runnable) + Send + Sync + 'static,
        ) -> (Runnable, async_task::Task<(), Header>) {
            async_task::Builder::new().metadata(Header::new()).spawn(move |_| future, schedule)
        }
        for i in 0..5 {
            let ran = ran.clone();
            let s = stack.clone();
            let (runnable, handle) = spawn(async move { ran.lock().unwrap().push(i) }, move |r| {
                s.push(r);
            });
            handles.push(handle);
            assert_eq!(stack.push(runnable), i == 0, "true only when the stack was empty");
        }
        assert!(!stack.is_empty());
        for r in stack.take_all() {
            r.run();
        }
        assert!(stack.is_empty());
        assert_eq!(*ran.lock().unwrap(), [0, 1, 2, 3, 4]);
        for h in handles {
            assert_eq!(futures_lite::future::block_on(h.fallible()), Some(()));
        }
        // Runnables left in a list are dropped with it: their tasks never run.
        let (runnable, handle) = spawn(async {}, |_| {});
        stack.push(runnable);
        drop(stack.take_all());
        assert_eq!(futures_lite::future::block_on(handle.fallible()), None, "cancelled, not run");
    }
}
