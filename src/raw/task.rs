//! The task cell as the raw code sees it: the metadata rustyray keeps in each `async-task`
//! header ([`Header`]: the intrusive run-queue link of the single-threaded executor) and
//! [`Runnable`], a task ready to be polled once. The executor creates and runs tasks; the
//! raw code moves them through its queues as pointers.

use crate::sync::atomic::AtomicPtr;

/// Per-task metadata stored in the `async-task` header.
///
/// `next` links the task into the intrusive run queue of the single-threaded
/// [`LocalExecutor`](crate::executor::LocalExecutor); the multi-threaded scheduler
/// leaves it null.
#[derive(Debug)]
pub(crate) struct Header {
    pub(crate) next: AtomicPtr<()>,
}

impl Header {
    pub(crate) fn new() -> Self {
        Header { next: AtomicPtr::new(core::ptr::null_mut()) }
    }
}

/// A scheduled task, ready to be polled once.
pub(crate) type Runnable = async_task::Runnable<Header>;
