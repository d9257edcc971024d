//! [`Shared`] / [`WeakShared`]: a reference-counted box, as `Arc` / `Weak`, whose memory
//! comes from the block pool (`std`) — the store's object cells.
//!
//! Object cells have the life of an actor cell: made on the caller's thread (a task's or a
//! call's result slot), often freed on another (the worker that fulfilled the last weak
//! promise, or dropped the last ref). With the system allocator every such free goes back
//! to the creator's arena under its lock while the creator allocates the next one there, and
//! the creator's own cache is always empty (it frees nothing): the same contention
//! [`block_pool`](super::block_pool) removes for actor cells, here paid by every call whose
//! ref is dropped unread and by every remote task.
//!
//! ```text
//!  [ strong | weak | value ]      strong: Shared handles; weak: WeakShared handles + 1 for
//!                                 all the strong ones together (as in `Arc`)
//!  last Shared dropped ──▶ value dropped in place ──▶ the strongs' weak given up
//!  last weak given up  ──▶ memory back to the pool
//! ```
//!
//! Differences from `Arc`: a box is made with its first weak handle in one step (no
//! compare-and-swap for the downgrade: nothing here locks the weak count, there is no
//! `get_mut`); a weak handle can be erased ([`ErasedWeak`]) for a registry that finds
//! boxes of any type by id, and turned back into a typed strong handle after a type check.

use core::alloc::Layout;
use core::any::TypeId;
use core::marker::PhantomData;
use core::ops::Deref;
use core::ptr::NonNull;

use crate::sync::atomic::{fence, AtomicUsize, Ordering::*};

/// The counts at the start of every box (`repr(C)`: at offset 0 whatever `T` is, so an
/// erased handle reaches them without knowing `T`).
#[repr(C)]
struct Counts {
    strong: AtomicUsize,
    weak: AtomicUsize,
}

#[repr(C)]
struct Inner<T> {
    counts: Counts,
    value: T,
}

/// A count past this aborts (as `Arc` does): a leak loop, never a real program.
const MAX_COUNT: usize = isize::MAX as usize;

/// Memory for a box (recycled between threads, see [`memory`](super::memory)).
use super::memory::{alloc as alloc_mem, free as free_mem, refs_overflow as overflow};

/// The counts of the box at `ptr`.
///
/// # Safety
/// The caller holds a (strong or weak) reference to the box.
#[inline]
unsafe fn counts<'a>(ptr: NonNull<Counts>) -> &'a Counts {
    // SAFETY: by the caller's contract the memory is alive; the counts are atomics, only
    // ever reached through shared references.
    unsafe { ptr.as_ref() }
}

/// Adds a strong reference unless the count is 0 (the value is gone). Returns true if it
/// did.
///
/// # Safety
/// The caller holds a weak reference to the box at `ptr`.
#[inline]
unsafe fn try_upgrade(ptr: NonNull<Counts>) -> bool {
    // SAFETY: the weak reference keeps the counts alive.
    let strong = &unsafe { counts(ptr) }.strong;
    let mut n = strong.load(Relaxed);
    loop {
        if n == 0 {
            return false;
        }
        if n > MAX_COUNT {
            overflow();
        }
        // Acquire: the new strong handle reads the value, whose writes were released by
        // whoever made or changed it before handing out a handle.
        match strong.compare_exchange_weak(n, n + 1, Acquire, Relaxed) {
            Ok(_) => return true,
            Err(actual) => n = actual,
        }
    }
}

/// Gives up a weak reference; the last one frees the memory.
///
/// # Safety
/// The caller holds a weak reference to the box at `ptr` (of `layout`) and does not use it
/// afterwards.
#[inline]
unsafe fn release_weak(ptr: NonNull<Counts>, layout: Layout) {
    // SAFETY: the caller's weak reference keeps the counts alive until it is given up
    // below (by the decrement, or by freeing the memory).
    let weak = &unsafe { counts(ptr) }.weak;
    // If the count is 1, the only reference left is the caller's: no strong handle (they
    // share one weak reference, given up by the last of them), no other weak one, and none
    // can be made without one of those. Nobody else reads the count again, so it is not
    // decremented: the memory goes after one plain load instead of a locked
    // read-modify-write (an object read once, or whose ref was dropped unread, is freed
    // this way). Otherwise the decrement tells whether this was the last reference.
    if weak.load(Acquire) != 1 && weak.fetch_sub(1, Release) != 1 {
        return;
    }
    // Every other handle's last use happens before the memory goes: after the decrement,
    // through this fence (after the Acquire load it adds nothing, and keeps one free site:
    // a firmware's flash).
    fence(Acquire);
    // SAFETY: that was the last reference of any kind; the memory came from `alloc_mem`
    // with this layout.
    unsafe { free_mem(ptr.cast(), layout) };
}

/// A strong handle: keeps the value alive (`Arc<T>`).
pub(crate) struct Shared<T> {
    ptr: NonNull<Inner<T>>,
    _owns: PhantomData<Inner<T>>,
}

// SAFETY: as `Arc<T>`: handles on several threads share `&T` (so `T: Sync`) and the last
// one drops `T` on whichever thread that is (so `T: Send`).
unsafe impl<T: Send + Sync> Send for Shared<T> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync> Sync for Shared<T> {}
// A handle is a pointer: moving it never moves the value (as `Arc<T>: Unpin`).
impl<T> Unpin for Shared<T> {}

impl<T> Shared<T> {
    /// A new box holding `value`, and its first weak handle.
    #[inline]
    pub(crate) fn new_with_weak(value: T) -> (Shared<T>, WeakShared<T>) {
        // One strong handle; weak: the returned one and the strongs' one.
        let ptr = Self::boxed(value, 2);
        (Shared { ptr, _owns: PhantomData }, WeakShared { ptr })
    }

    /// A new box holding `value`.
    #[inline]
    pub(crate) fn new(value: T) -> Shared<T> {
        // One strong handle; weak: the strongs' one.
        Shared { ptr: Self::boxed(value, 1), _owns: PhantomData }
    }

    /// A new box holding `value`, with one strong reference and `weak` weak ones.
    #[inline]
    fn boxed(value: T, weak: usize) -> NonNull<Inner<T>> {
        let ptr = alloc_mem(Layout::new::<Inner<T>>()).cast::<Inner<T>>();
        let inner = Inner { counts: Counts { strong: AtomicUsize::new(1), weak: AtomicUsize::new(weak) }, value };
        // SAFETY: fresh memory with the layout of `Inner<T>`, written once before any use.
        unsafe { ptr.as_ptr().write(inner) };
        ptr
    }

    #[inline]
    fn counts(&self) -> &Counts {
        // SAFETY: this strong handle keeps the box alive.
        unsafe { &self.ptr.as_ref().counts }
    }

    /// Strong handles right now (1: this is the only one; a weak handle may still upgrade).
    #[inline]
    pub(crate) fn strong_count(this: &Self) -> usize {
        this.counts().strong.load(Acquire)
    }

    /// True if both handles are of the same box.
    #[inline]
    pub(crate) fn ptr_eq(a: &Self, b: &Self) -> bool {
        a.ptr == b.ptr
    }

    /// The value's address (stable for the box's life).
    #[inline]
    pub(crate) fn as_ptr(this: &Self) -> *const T {
        // SAFETY: the box is alive; only an address is computed, no reference made.
        unsafe { core::ptr::addr_of!((*this.ptr.as_ptr()).value) }
    }
}

impl<T: Send + Sync + 'static> Shared<T> {
    /// A weak handle of unknown type, for a registry (see [`ErasedWeak`]).
    pub(crate) fn erased_weak(this: &Self) -> ErasedWeak {
        if this.counts().weak.fetch_add(1, Relaxed) > MAX_COUNT {
            overflow();
        }
        ErasedWeak { ptr: this.ptr.cast(), vtable: &VTableOf::<T>::VTABLE }
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: this strong handle keeps the value alive; it is only shared.
        unsafe { &self.ptr.as_ref().value }
    }
}

impl<T> Clone for Shared<T> {
    #[inline]
    fn clone(&self) -> Self {
        if self.counts().strong.fetch_add(1, Relaxed) > MAX_COUNT {
            overflow();
        }
        Shared { ptr: self.ptr, _owns: PhantomData }
    }
}

impl<T> Drop for Shared<T> {
    #[inline]
    fn drop(&mut self) {
        if self.counts().strong.fetch_sub(1, Release) != 1 {
            return;
        }
        // The last strong handle: every other one's use of the value happened before.
        fence(Acquire);
        // SAFETY: no strong handle is left, and a weak one upgrades only while the count
        // is above 0: nobody else can reach the value. It is dropped once, here.
        unsafe { core::ptr::drop_in_place(core::ptr::addr_of_mut!((*self.ptr.as_ptr()).value)) };
        // SAFETY: the strongs' weak reference, given up once, by the last strong handle.
        unsafe { release_weak(self.ptr.cast(), Layout::new::<Inner<T>>()) };
    }
}

impl<T> core::fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Shared").field("ptr", &self.ptr).finish()
    }
}

/// A weak handle (`Weak<T>`): finds the value while a strong handle keeps it, never keeps
/// it alive itself. [`WeakShared::empty`] points nowhere (and costs no allocation).
pub(crate) struct WeakShared<T> {
    /// `dangling()` when empty: an address (the alignment itself) no allocation returns.
    ptr: NonNull<Inner<T>>,
}

// SAFETY: as `Weak<T>`: it upgrades to a `Shared<T>` on any thread.
unsafe impl<T: Send + Sync> Send for WeakShared<T> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync> Sync for WeakShared<T> {}

impl<T> WeakShared<T> {
    /// A handle of no box.
    pub(crate) const fn empty() -> Self {
        WeakShared { ptr: NonNull::dangling() }
    }

    #[inline]
    fn live(&self) -> Option<NonNull<Counts>> {
        (self.ptr != NonNull::dangling()).then(|| self.ptr.cast())
    }

    /// A strong handle, if the value is still alive.
    #[inline]
    pub(crate) fn upgrade(&self) -> Option<Shared<T>> {
        let ptr = self.live()?;
        // SAFETY: this weak handle keeps the counts alive.
        unsafe { try_upgrade(ptr) }.then(|| Shared { ptr: self.ptr, _owns: PhantomData })
    }

    /// Asks the CPU for the box's counts, ready to be written (see
    /// [`prefetch_write`](super::prefetch::prefetch_write)): the handle's holder will
    /// upgrade or drop it soon.
    #[inline]
    pub(crate) fn prefetch(&self) {
        super::prefetch::prefetch_write(self.ptr.as_ptr().cast());
    }

    /// Strong handles right now (0 once the value is gone, or for an empty handle).
    #[inline]
    pub(crate) fn strong_count(&self) -> usize {
        // SAFETY: this weak handle keeps the counts alive.
        self.live().map_or(0, |ptr| unsafe { counts(ptr) }.strong.load(Acquire))
    }
}

impl<T> Default for WeakShared<T> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<T> Drop for WeakShared<T> {
    #[inline]
    fn drop(&mut self) {
        if let Some(ptr) = self.live() {
            // SAFETY: this handle's weak reference, not used again.
            unsafe { release_weak(ptr, Layout::new::<Inner<T>>()) };
        }
    }
}

impl<T> core::fmt::Debug for WeakShared<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WeakShared").field("ptr", &self.live()).finish()
    }
}

/// What an erased handle needs of its box's type.
struct ErasedVTable {
    type_id: fn() -> TypeId,
    /// Gives up a strong reference (the last one drops the value and the strongs' weak).
    release_strong: unsafe fn(NonNull<Counts>),
    layout: Layout,
}

/// The vtable of boxes of `T`, as a constant (so a reference to it is `'static`).
struct VTableOf<T>(PhantomData<T>);

impl<T: Send + Sync + 'static> VTableOf<T> {
    const VTABLE: ErasedVTable = ErasedVTable {
        type_id: TypeId::of::<T>,
        release_strong: release_strong::<T>,
        layout: Layout::new::<Inner<T>>(),
    };
}

/// # Safety
/// `ptr` is the counts of a box of `T` whose strong reference the caller gives up.
unsafe fn release_strong<T>(ptr: NonNull<Counts>) {
    drop(Shared::<T> { ptr: ptr.cast(), _owns: PhantomData });
}

/// A weak handle whose type is known only at run time: what a registry keeps.
pub(crate) struct ErasedWeak {
    ptr: NonNull<Counts>,
    vtable: &'static ErasedVTable,
}

// SAFETY: made only from `Shared<T>` with `T: Send + Sync` (`Shared::erased_weak`).
unsafe impl Send for ErasedWeak {}
// SAFETY: as above.
unsafe impl Sync for ErasedWeak {}

impl ErasedWeak {
    /// A strong handle, if the value is still alive.
    pub(crate) fn upgrade(&self) -> Option<ErasedShared> {
        // SAFETY: this weak handle keeps the counts alive.
        unsafe { try_upgrade(self.ptr) }.then(|| ErasedShared { ptr: self.ptr, vtable: self.vtable })
    }
}

impl Drop for ErasedWeak {
    fn drop(&mut self) {
        // SAFETY: this handle's weak reference, not used again.
        unsafe { release_weak(self.ptr, self.vtable.layout) };
    }
}

impl core::fmt::Debug for ErasedWeak {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ErasedWeak").field("ptr", &self.ptr).finish()
    }
}

/// A strong handle whose type is known only at run time (see [`ErasedWeak::upgrade`]).
pub(crate) struct ErasedShared {
    ptr: NonNull<Counts>,
    vtable: &'static ErasedVTable,
}

impl ErasedShared {
    /// The typed handle if the box holds a `T`; this handle back otherwise.
    pub(crate) fn downcast<T: 'static>(self) -> Result<Shared<T>, ErasedShared> {
        if (self.vtable.type_id)() != TypeId::of::<T>() {
            return Err(self);
        }
        let ptr = core::mem::ManuallyDrop::new(self).ptr;
        // The box holds a `T`: its strong reference passes to the typed handle.
        Ok(Shared { ptr: ptr.cast(), _owns: PhantomData })
    }
}

impl Drop for ErasedShared {
    fn drop(&mut self) {
        // SAFETY: this handle's strong reference, of a box of the vtable's type.
        unsafe { (self.vtable.release_strong)(self.ptr) };
    }
}

impl core::fmt::Debug for ErasedShared {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ErasedShared").field("ptr", &self.ptr).finish()
    }
}

// (Not under loom: `tests/loom.rs` includes this file, and these tests run outside a model.)
#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use alloc::sync::Arc;
    use core::sync::atomic::AtomicUsize as Count;

    /// Counts its drops.
    struct Tally(Arc<Count>);

    impl Drop for Tally {
        fn drop(&mut self) {
            self.0.fetch_add(1, Relaxed);
        }
    }

    #[test]
    fn the_value_lives_while_a_strong_handle_does_and_the_weak_one_sees_it_go() {
        let drops = Arc::new(Count::new(0));
        let (a, weak) = Shared::new_with_weak(Tally(drops.clone()));
        let b = a.clone();
        assert_eq!(Shared::strong_count(&a), 2);
        assert!(Shared::ptr_eq(&a, &b));
        drop(a);
        assert_eq!(weak.strong_count(), 1);
        let c = weak.upgrade().expect("b keeps the value");
        drop((b, c));
        assert_eq!(drops.load(Relaxed), 1, "dropped once, by the last strong handle");
        assert!(weak.upgrade().is_none(), "gone for good");
        assert_eq!(weak.strong_count(), 0);
        drop(weak); // frees the memory (Miri checks it is freed once, and not before)
    }

    #[test]
    fn an_empty_weak_handle_points_nowhere() {
        let weak = WeakShared::<u64>::default();
        assert!(weak.upgrade().is_none());
        assert_eq!(weak.strong_count(), 0);
    }

    #[test]
    fn the_weak_handle_may_outlive_or_predecease_the_strong_ones() {
        let drops = Arc::new(Count::new(0));
        let (strong, weak) = Shared::new_with_weak(Tally(drops.clone()));
        drop(weak);
        assert_eq!(drops.load(Relaxed), 0);
        drop(strong);
        assert_eq!(drops.load(Relaxed), 1);
        let only = Shared::new(7_u64);
        assert_eq!(*only, 7);
        assert_eq!(Shared::as_ptr(&only), &*only as *const u64);
    }

    #[test]
    fn an_erased_handle_finds_the_value_only_as_its_own_type() {
        let drops = Arc::new(Count::new(0));
        let strong = Shared::new(Tally(drops.clone()));
        let erased = Shared::erased_weak(&strong);
        let found = erased.upgrade().expect("alive");
        let found = found.downcast::<u64>().expect_err("not a u64");
        let typed = found.downcast::<Tally>().expect("a Tally");
        assert!(Shared::ptr_eq(&typed, &strong));
        drop((typed, strong));
        assert_eq!(drops.load(Relaxed), 1);
        assert!(erased.upgrade().is_none(), "the registry's handle sees it gone");
        drop(erased);
    }
}
