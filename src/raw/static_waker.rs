//! [`waker`]: the waker of a value that lives for the rest of the process (`&'static`).
//! Cloning and dropping it touch no reference count: an `Arc`-based waker pays a locked
//! increment for every clone (each future that registers it) and a locked decrement for
//! every drop (each wake-up by value).
//!
//! The owner may reuse the value for another purpose later (a `block_on` signal goes back
//! to a pool and drives the next `block_on`): a stale clone then wakes the new user, which
//! a waker allows (a spurious wake-up), and never touches freed memory.

use core::marker::PhantomData;
use core::task::{RawWaker, RawWakerVTable, Waker};

/// What a static waker does when woken.
pub(crate) trait StaticWake: Send + Sync + 'static {
    /// Wakes the waiting party (by reference: the value is never consumed).
    fn wake(&'static self);
}

/// A waker for `target`. See the [module docs](self).
pub(crate) fn waker<W: StaticWake>(target: &'static W) -> Waker {
    // SAFETY: the data pointer is a `&'static W`, valid for the rest of the process, and
    // `W: Send + Sync`, so it may be used from any thread; every function of the vtable
    // reads it as exactly that, and none frees anything.
    unsafe { Waker::from_raw(raw(target)) }
}

fn raw<W: StaticWake>(target: &'static W) -> RawWaker {
    RawWaker::new((target as *const W).cast::<()>(), &VTable::<W>::VTABLE)
}

/// The vtable of `W`'s wakers, a constant per type (so `&VTABLE` is `'static`).
struct VTable<W>(PhantomData<W>);

impl<W: StaticWake> VTable<W> {
    const VTABLE: RawWakerVTable = RawWakerVTable::new(clone::<W>, wake::<W>, wake::<W>, drop);
}

/// # Safety
/// `data` came from [`raw`] for this `W` (so it is a `&'static W`).
unsafe fn target<W>(data: *const ()) -> &'static W {
    // SAFETY: per the contract, a pointer made from a `&'static W`.
    unsafe { &*data.cast::<W>() }
}

unsafe fn clone<W: StaticWake>(data: *const ()) -> RawWaker {
    // SAFETY: called by `Waker` with the data pointer `raw` made for this vtable.
    raw(unsafe { target::<W>(data) })
}

unsafe fn wake<W: StaticWake>(data: *const ()) {
    // SAFETY: as in `clone`.
    unsafe { target::<W>(data) }.wake();
}

unsafe fn drop(_data: *const ()) {}

#[cfg(test)]
mod tests {
    use super::*;
    use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

    struct Count(AtomicUsize);

    impl StaticWake for Count {
        fn wake(&'static self) {
            self.0.fetch_add(1, Relaxed);
        }
    }

    #[test]
    fn clones_wake_the_same_target_by_reference_and_by_value() {
        static COUNT: Count = Count(AtomicUsize::new(0));
        let w = waker(&COUNT);
        let c = w.clone();
        assert!(c.will_wake(&w));
        w.wake_by_ref();
        c.wake();
        w.wake();
        assert_eq!(COUNT.0.load(Relaxed), 3);
    }
}
