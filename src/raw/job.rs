//! [`Job`]: what the multi-threaded scheduler's queues hold — a task (`async-task`'s
//! `Runnable`) or an actor's cell ([`CellJob`]) — in one pointer, told apart by its low
//! bit (both blocks are aligned to at least 4).

use core::mem::ManuallyDrop;
use core::ptr::NonNull;

use super::cell::CellJob;
use super::lifo_slot::RawJob;
use super::task::Runnable;

/// Set in a job's pointer when it is a cell.
const CELL: usize = 1;

/// A runnable task or actor cell. Running it polls it once; dropping it unrun drops its
/// future (shutdown).
pub(crate) struct Job {
    ptr: NonNull<()>,
}

// SAFETY: both kinds are `Send` (a `Runnable` of a `Send` future, a `CellJob`); a job is
// only ever one of them.
unsafe impl Send for Job {}

enum Kind {
    Task(Runnable),
    Cell(CellJob),
}

impl Job {
    #[inline]
    fn into_kind(self) -> Kind {
        let ptr = ManuallyDrop::new(self).ptr;
        let addr = ptr.as_ptr() as usize;
        if addr & CELL == 0 {
            // SAFETY: an untagged pointer came from `Runnable::into_raw` (see `From`).
            Kind::Task(unsafe { Runnable::from_raw(ptr) })
        } else {
            let untagged = ptr.as_ptr().map_addr(|a| a & !CELL);
            // SAFETY: a tagged pointer came from `CellJob::into_raw`; untagging restores it.
            Kind::Cell(unsafe { CellJob::from_raw(NonNull::new_unchecked(untagged)) })
        }
    }

    /// Polls the task or cell once.
    #[inline]
    pub(crate) fn run(self) {
        match self.into_kind() {
            Kind::Task(r) => {
                r.run();
            }
            Kind::Cell(c) => c.run(),
        }
    }
}

impl From<Runnable> for Job {
    #[inline]
    fn from(r: Runnable) -> Self {
        let ptr = r.into_raw();
        debug_assert_eq!(ptr.as_ptr() as usize & CELL, 0, "task headers are aligned");
        Job { ptr }
    }
}

impl From<CellJob> for Job {
    #[inline]
    fn from(c: CellJob) -> Self {
        let ptr = c.into_raw();
        debug_assert_eq!(ptr.as_ptr() as usize & CELL, 0, "cells are aligned");
        // SAFETY: tagging a non-null pointer keeps it non-null.
        Job { ptr: unsafe { NonNull::new_unchecked(ptr.as_ptr().map_addr(|a| a | CELL)) } }
    }
}

// SAFETY: `into_raw` gives up the job's one pointer, `from_raw` takes it back unchanged.
unsafe impl RawJob for Job {
    #[inline]
    fn into_raw(self) -> NonNull<()> {
        ManuallyDrop::new(self).ptr
    }

    #[inline]
    unsafe fn from_raw(ptr: NonNull<()>) -> Self {
        Job { ptr }
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        let job = Job { ptr: self.ptr };
        drop(job.into_kind());
    }
}

impl core::fmt::Debug for Job {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let kind = if self.ptr.as_ptr() as usize & CELL == 0 { "task" } else { "cell" };
        f.debug_struct("Job").field("kind", &kind).field("ptr", &self.ptr).finish()
    }
}
