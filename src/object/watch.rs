//! [`watch_waits`]: the object layer's hook for the layers above — did a `get` have to wait
//! while `f` ran? Remote tasks' CPU admission uses it: a task whose body waits in
//! `ObjectRef::get` gives its CPU share back while it waits (`task::admission`).
//!
//! ```text
//!  watch_waits(f): mark the thread WATCHING ─▶ f() ─▶ a Get that returns Pending marks WAITED
//!                  ─▶ restore the mark, return (f's output, WAITED?)
//! ```
//!
//! A `get` outside any watch pays one thread-local read.

use core::cell::Cell;

/// Nobody is watching on this thread.
const IDLE: u8 = 0;
/// A watch is active and no `get` has waited yet.
const WATCHING: u8 = 1;
/// A `get` waited during the active watch.
const WAITED: u8 = 2;

std::thread_local! {
    static MARK: Cell<u8> = const { Cell::new(IDLE) };
}

/// Runs `f` and tells whether an [`ObjectRef::get`](super::ObjectRef::get) (or
/// `get_shared`) had to wait while it ran on this thread. Watches nest: each sees only the
/// waits inside it.
pub(crate) fn watch_waits<R>(f: impl FnOnce() -> R) -> (R, bool) {
    /// Puts the enclosing watch's mark back, also if `f` unwinds.
    struct Restore(u8);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = MARK.try_with(|m| m.set(self.0));
        }
    }
    let previous = MARK.try_with(|m| m.replace(WATCHING)).unwrap_or(IDLE);
    let restore = Restore(previous);
    let out = f();
    let waited = MARK.try_with(|m| m.get() == WAITED).unwrap_or(false);
    drop(restore);
    (out, waited)
}

/// A `get` is about to return `Pending`: tells the active watch, if any.
#[inline]
pub(super) fn note_wait() {
    let _ = MARK.try_with(|m| {
        if m.get() == WATCHING {
            m.set(WAITED);
        }
    });
}
