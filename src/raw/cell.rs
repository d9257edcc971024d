//! [`CellRef`]: one heap block holding an actor's shared state (the *prefix*: mailbox,
//! flags, name) and the future that serves it, scheduled by the executor itself.
//!
//! An actor used to be two blocks: its shared state behind an `Arc`, and an `async-task`
//! cell running its loop, each with its own header and reference counts, the task's waker
//! stored once more in the mailbox. Here the block is both: handles count references to
//! it, its waker is a pointer to it, and a [`CellJob`] (the block in a run queue) polls
//! its future.
//!
//! ```text
//!  state: [ refs … | COMPLETED | RUNNING | SCHEDULED ]
//!
//!  idle ──wake──▶ SCHEDULED (+1 ref: the CellJob) ──run──▶ RUNNING ──Pending──▶ idle (−1 ref)
//!                    ▲                                │ wake: set SCHEDULED
//!                    └──────── Pending, SCHEDULED set ┘ (the job is queued again)
//!  Ready, or the CellJob dropped unrun (shutdown) ──▶ COMPLETED: future dropped; wakes ignored
//!  refs reach 0 ──▶ destroy: future (if not COMPLETED), prefix, schedule fn, block freed
//! ```
//!
//! Invariants: at most one `CellJob` exists (it is created by the wake that sets
//! SCHEDULED on an idle cell, or kept by the run that finds SCHEDULED set); only its holder
//! touches the future (running it, or dropping it when the job is dropped), so the future
//! needs no lock. A cell without a future (a *plain* cell: an actor run by another
//! executor, which polls its loop in a task of its own) starts COMPLETED and is only a
//! reference-counted prefix.

// Without `std` only plain cells exist (there is no scheduler): the scheduling half of
// this module is compiled out, and some imports and states with it. Without atomic
// read-modify-write (no actors) only the mailbox's waker slot uses it.
#![cfg_attr(any(not(feature = "std"), not(target_has_atomic = "ptr")), allow(unused_imports, dead_code))]

use core::alloc::Layout;
use core::future::Future;
use core::marker::PhantomData;
use core::mem::{ManuallyDrop, MaybeUninit};
use core::ops::Deref;
use core::pin::Pin;
use core::ptr::NonNull;
use core::task::{Context, RawWaker, RawWakerVTable, Waker};

use crate::sync::atomic::{AtomicUsize, Ordering::*};
use crate::sync::UnsafeCell;

use super::waker_slot::WakerSlot;

/// In a run queue (or about to be: a `CellJob` exists).
const SCHEDULED: usize = 1 << 0;
/// Being polled.
const RUNNING: usize = 1 << 1;
/// The future is gone (finished or dropped): wake-ups are ignored.
const COMPLETED: usize = 1 << 2;
/// One reference.
const REF: usize = 1 << 3;

/// The start of every block.
pub(crate) struct Header {
    state: AtomicUsize,
    vtable: &'static VTable,
}

/// What the type-erased pointers need of the block's concrete type.
/// (Without `std` there is no scheduler: cells are plain, and only `destroy` is needed.)
struct VTable {
    #[cfg(feature = "std")]
    run: unsafe fn(NonNull<Header>),
    #[cfg(feature = "std")]
    cancel: unsafe fn(NonNull<Header>),
    #[cfg(feature = "std")]
    wake_by_ref: unsafe fn(NonNull<Header>),
    destroy: unsafe fn(NonNull<Header>),
}

/// The part of a block a [`CellRef<P>`] knows: header and prefix, at fixed offsets.
#[repr(C)]
struct Head<P> {
    header: Header,
    prefix: P,
}

/// The whole block.
#[repr(C)]
struct Block<P, F, S> {
    head: Head<P>,
    schedule: S,
    /// Initialized from `spawn` until COMPLETED is set (plain cells: never).
    future: UnsafeCell<MaybeUninit<F>>,
}

/// The wakers of every cell: a pointer to the block's header.
#[cfg(feature = "std")]
static WAKER_VTABLE: RawWakerVTable = RawWakerVTable::new(clone_waker, wake_waker, wake_by_ref_waker, drop_waker);

use super::memory::refs_overflow as too_many_refs;

/// The header of the block at `ptr`.
///
/// # Safety
/// `ptr` points to a live block (the caller holds a reference to it).
#[inline]
unsafe fn header<'a>(ptr: NonNull<Header>) -> &'a Header {
    // SAFETY: by the caller's contract the block is alive; the header is only read
    // through shared references (its state is atomic).
    unsafe { ptr.as_ref() }
}

/// Adds a reference.
///
/// # Safety
/// The caller holds a reference to the block at `ptr`.
#[inline]
unsafe fn acquire(ptr: NonNull<Header>) {
    // SAFETY: the caller holds a reference.
    let old = unsafe { header(ptr) }.state.fetch_add(REF, Relaxed);
    if old > isize::MAX as usize {
        too_many_refs();
    }
}

/// True if `state` (read by the decrement that gave up a reference) counted that one
/// reference only: it was the last.
#[inline]
fn was_last(state: usize) -> bool {
    state & !(REF - 1) == REF
}

/// Gives up a reference; the last one destroys the block.
///
/// # Safety
/// The caller holds a reference to the block at `ptr` and does not use it afterwards.
#[inline]
unsafe fn release(ptr: NonNull<Header>) {
    // SAFETY: the caller's reference keeps the block alive until this decrement.
    let h = unsafe { header(ptr) };
    let vtable = h.vtable;
    if was_last(h.state.fetch_sub(REF, AcqRel)) {
        // SAFETY: that was the last reference: nobody else can reach the block.
        unsafe { (vtable.destroy)(ptr) }
    }
}

/// The waker vtable's `clone`: one more reference for the new waker.
///
/// # Safety
/// `ptr` is the data of a waker of a live cell (a header pointer holding a reference, or
/// the lent waker of a cell that is alive for the call).
#[cfg(feature = "std")]
unsafe fn clone_waker(ptr: *const ()) -> RawWaker {
    // SAFETY: a waker holds a reference to a live block (its data is the header pointer).
    unsafe { acquire(NonNull::new_unchecked(ptr as *mut Header)) };
    RawWaker::new(ptr, &WAKER_VTABLE)
}

/// The waker vtable's `wake`: wakes the cell, then gives up the waker's reference.
///
/// # Safety
/// `ptr` is the data of an owned (counted) waker of a cell, not used afterwards.
#[cfg(feature = "std")]
unsafe fn wake_waker(ptr: *const ()) {
    // SAFETY: the waker's reference is used, then given up.
    unsafe {
        wake_by_ref_waker(ptr);
        drop_waker(ptr);
    }
}

/// The waker vtable's `wake_by_ref`: queues the cell's job unless it is queued, running
/// or completed.
///
/// # Safety
/// `ptr` is the data of a waker of a cell that is alive for the call.
#[cfg(feature = "std")]
unsafe fn wake_by_ref_waker(ptr: *const ()) {
    let ptr = NonNull::new(ptr as *mut Header).expect("a cell waker points to its block");
    // SAFETY: the waker keeps the block alive.
    unsafe { (header(ptr).vtable.wake_by_ref)(ptr) }
}

/// The waker vtable's `drop`: gives up the waker's reference (the last one destroys the
/// block).
///
/// # Safety
/// `ptr` is the data of an owned (counted) waker of a cell, not used afterwards.
#[cfg(feature = "std")]
unsafe fn drop_waker(ptr: *const ()) {
    // SAFETY: the waker owned one reference.
    unsafe { release(NonNull::new_unchecked(ptr as *mut Header)) }
}

/// How a cell's job is queued: `(prefix, job, woken_while_running)` (the prefix knows
/// where its cell runs, so the function itself is usually zero-sized).
pub(crate) trait Schedule<P>: Fn(&P, CellJob, bool) + Send + Sync + 'static {}
impl<P, S: Fn(&P, CellJob, bool) + Send + Sync + 'static> Schedule<P> for S {}

impl<P, F, S> Block<P, F, S>
where
    P: Send + Sync + 'static,
    F: Future<Output = ()> + Send + 'static,
    S: Schedule<P>,
{
    const VTABLE: VTable = VTable {
        #[cfg(feature = "std")]
        run: Self::run,
        #[cfg(feature = "std")]
        cancel: Self::cancel,
        #[cfg(feature = "std")]
        wake_by_ref: Self::wake_by_ref,
        destroy: Self::destroy,
    };

    /// # Safety
    /// `ptr` points to a live block of this type.
    #[inline]
    unsafe fn get<'a>(ptr: NonNull<Header>) -> &'a Self {
        // SAFETY: the header is the block's first field (`repr(C)`), so the pointer is
        // the block's; the caller's reference keeps it alive.
        unsafe { ptr.cast::<Self>().as_ref() }
    }

    /// Drops the future in place.
    ///
    /// # Safety
    /// The caller is the job's holder (or the last reference), the future is initialized
    /// and COMPLETED is not set.
    unsafe fn drop_future(&self) {
        // SAFETY: by the caller's contract the future is initialized and nobody else
        // touches it.
        self.future.with_mut(|f| unsafe { (*f).assume_init_drop() });
    }

    #[cfg(feature = "std")]
    /// Polls the future once, as the job's holder (queueing the job again if the cell
    /// was woken while running).
    ///
    /// # Safety
    /// `ptr` points to a live block of this type whose job (one reference, SCHEDULED set)
    /// the caller holds and hands over.
    unsafe fn run(ptr: NonNull<Header>) {
        // SAFETY: the job holds a reference.
        let this = unsafe { Self::get(ptr) };
        let state = &this.head.header.state;
        let mut s = state.load(Acquire);
        loop {
            debug_assert!(s & SCHEDULED != 0 && s & RUNNING == 0, "one job per cell");
            if s & COMPLETED != 0 {
                // Nothing to run (not reached: only a job's holder completes a cell).
                state.fetch_and(!SCHEDULED, AcqRel);
                // SAFETY: the job's reference, not used again.
                unsafe { release(ptr) };
                return;
            }
            match state.compare_exchange_weak(s, (s & !SCHEDULED) | RUNNING, AcqRel, Acquire) {
                Ok(_) => break,
                Err(actual) => s = actual,
            }
        }
        // The waker lent to the poll: the job's own reference, not counted again.
        // SAFETY: the vtable's functions expect exactly this pointer.
        let waker =
            ManuallyDrop::new(unsafe { Waker::from_raw(RawWaker::new(ptr.as_ptr() as *const (), &WAKER_VTABLE)) });
        let mut cx = Context::from_waker(&waker);
        let poll = || {
            // SAFETY: RUNNING makes this thread the future's only user; the block never
            // moves, so the future is pinned.
            this.future.with_mut(|f| unsafe { Pin::new_unchecked((*f).assume_init_mut()) }.poll(&mut cx))
        };
        let ready = std::panic::catch_unwind(std::panic::AssertUnwindSafe(poll)).map_or(true, |p| p.is_ready());
        if ready {
            // SAFETY: still RUNNING: ours; the future is initialized.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe { this.drop_future() }));
            // SAFETY: the job's reference; the future is gone.
            unsafe { Self::complete(ptr) };
            return;
        }
        let mut s = state.load(Acquire);
        loop {
            if s & SCHEDULED != 0 {
                // Woken while running: queue the job again, keeping its reference.
                match state.compare_exchange_weak(s, s & !RUNNING, AcqRel, Acquire) {
                    Ok(_) => {
                        (this.schedule)(&this.head.prefix, CellJob { ptr }, true);
                        return;
                    }
                    Err(actual) => s = actual,
                }
            } else {
                match state.compare_exchange_weak(s, (s & !RUNNING) - REF, AcqRel, Acquire) {
                    Ok(_) => {
                        if was_last(s) {
                            // Nobody can wake it any more: drop it (contained, as in
                            // `complete`).
                            // SAFETY: that was the last reference.
                            let _ = std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| unsafe {
                                Self::destroy(ptr)
                            }));
                        }
                        return;
                    }
                    Err(actual) => s = actual,
                }
            }
        }
    }

    #[cfg(feature = "std")]
    /// The job is dropped without running (shutdown): drops the future.
    ///
    /// # Safety
    /// As [`run`](Self::run): the caller holds the block's job and hands it over.
    unsafe fn cancel(ptr: NonNull<Header>) {
        // SAFETY: the job holds a reference.
        let this = unsafe { Self::get(ptr) };
        let state = &this.head.header.state;
        if state.load(Acquire) & COMPLETED == 0 {
            // SAFETY: the job's holder owns the future, which is initialized.
            unsafe { this.drop_future() };
        }
        // SAFETY: the job's reference; the future is gone.
        unsafe { Self::complete(ptr) };
    }

    #[cfg(feature = "std")]
    /// The job's holder dropped the future (it finished, or the job was dropped unrun):
    /// marks the cell COMPLETED and no longer queued, and gives up the job's reference.
    ///
    /// # Safety
    /// The caller is the job's holder, and does not use `ptr` afterwards.
    unsafe fn complete(ptr: NonNull<Header>) {
        // SAFETY: the job holds a reference.
        let state = &unsafe { Self::get(ptr) }.head.header.state;
        let old = state.fetch_update(AcqRel, Acquire, |s| Some(((s | COMPLETED) & !(RUNNING | SCHEDULED)) - REF));
        let Ok(old) = old else { unreachable!("the closure always updates") };
        if was_last(old) {
            // Contained: the prefix's drop (a mailbox's queued messages) may run user code
            // that panics, and this runs on a scheduler thread, outside any poll. (The memory
            // is freed either way: `destroy` frees it while unwinding too.)
            // SAFETY: the job's was the last reference.
            let _ = std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| unsafe { Self::destroy(ptr) }));
        }
    }

    #[cfg(feature = "std")]
    /// Wakes the cell: queues its job (with a reference of its own) unless it is queued,
    /// running (then it is queued again when the poll returns) or completed.
    ///
    /// # Safety
    /// `ptr` points to a block of this type that stays alive for the call (the caller
    /// holds a reference, or the block contains the caller, as a lent waker's slot).
    unsafe fn wake_by_ref(ptr: NonNull<Header>) {
        // SAFETY: the waker's (or handle's) reference keeps the block alive.
        let this = unsafe { Self::get(ptr) };
        let state = &this.head.header.state;
        let mut s = state.load(Acquire);
        loop {
            if s & COMPLETED != 0 {
                return;
            }
            let next = if s & SCHEDULED != 0 {
                // Already queued: publish our writes to its run all the same.
                s
            } else if s & RUNNING != 0 {
                s | SCHEDULED
            } else {
                if s > isize::MAX as usize {
                    too_many_refs();
                }
                (s | SCHEDULED) + REF
            };
            match state.compare_exchange_weak(s, next, AcqRel, Acquire) {
                Ok(_) => {
                    if s & (SCHEDULED | RUNNING) == 0 {
                        (this.schedule)(&this.head.prefix, CellJob { ptr }, false);
                    }
                    return;
                }
                Err(actual) => s = actual,
            }
        }
    }

    /// Drops the block's contents (the future if it is still there, the prefix, the
    /// schedule function) and frees its memory.
    ///
    /// # Safety
    /// `ptr` points to a block of this type whose last reference is gone: nobody else can
    /// reach it, and the caller does not use it afterwards.
    unsafe fn destroy(ptr: NonNull<Header>) {
        let block = ptr.cast::<Self>();
        // The memory goes back when this is dropped: after the drops below, or while
        // unwinding from one of them.
        let _memory = FreeOnDrop(block.cast(), Layout::new::<Self>());
        // SAFETY: the last reference is gone: the block (written by `alloc`) is ours.
        let this = unsafe { block.as_ref() };
        // COMPLETED before anything is dropped: a wake-up reaching the block while its
        // future or prefix drops (through a lent waker) is then ignored, and cannot queue
        // a job for a block being freed.
        if this.head.header.state.fetch_or(COMPLETED, AcqRel) & COMPLETED == 0 {
            // SAFETY: was not COMPLETED: the future is initialized, and nobody else can
            // reach it.
            unsafe { this.drop_future() };
        }
        // SAFETY: as above; the future slot is a `MaybeUninit` (not dropped again).
        unsafe { core::ptr::drop_in_place(block.as_ptr()) };
    }
}

/// Memory for a block (recycled between threads, see [`memory`](super::memory)).
use super::memory::{alloc as alloc_block, free as free_block};

/// Frees a block's memory when dropped.
struct FreeOnDrop(NonNull<u8>, Layout);

impl Drop for FreeOnDrop {
    fn drop(&mut self) {
        // SAFETY: made by `destroy` for its block, whose last reference is gone; it is
        // dropped after (or while unwinding from) the block's contents being dropped.
        unsafe { free_block(self.0, self.1) }
    }
}

/// A counted reference to a cell's prefix (like an `Arc<P>`).
pub(crate) struct CellRef<P> {
    ptr: NonNull<Header>,
    _prefix: PhantomData<P>,
}

// SAFETY: a `CellRef` shares `&P` across threads and may drop the block (prefix, future,
// schedule fn) on whichever thread lets go last: `P: Send + Sync` here, and `spawn`
// requires the future and schedule fn to be `Send` (and the schedule fn `Sync`).
unsafe impl<P: Send + Sync> Send for CellRef<P> {}
// SAFETY: as above.
unsafe impl<P: Send + Sync> Sync for CellRef<P> {}

impl<P> Deref for CellRef<P> {
    type Target = P;
    #[inline]
    fn deref(&self) -> &P {
        // SAFETY: `Head<P>` starts every block whose references are `CellRef<P>`
        // (`repr(C)`), and this reference keeps the block alive.
        unsafe { &self.ptr.cast::<Head<P>>().as_ref().prefix }
    }
}

impl<P> Clone for CellRef<P> {
    #[inline]
    fn clone(&self) -> Self {
        // SAFETY: we hold a reference.
        unsafe { acquire(self.ptr) };
        CellRef { ptr: self.ptr, _prefix: PhantomData }
    }
}

impl<P> Drop for CellRef<P> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: our reference, not used again.
        unsafe { release(self.ptr) }
    }
}

impl<P> core::fmt::Debug for CellRef<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CellRef").field("ptr", &self.ptr).finish()
    }
}

fn never_scheduled<P>(_: &P, _: CellJob, _: bool) {
    unreachable!("a plain cell has no future to schedule")
}

impl<P: Send + Sync + 'static> CellRef<P> {
    /// A cell with no future: a reference-counted `prefix` (its actor's loop runs in a
    /// task of some other executor).
    pub(crate) fn plain(prefix: P) -> Self {
        Self::alloc::<core::future::Pending<()>, _>(prefix, never_scheduled::<P>)
    }

    /// A block in state COMPLETED with one reference (the returned one).
    fn alloc<F: Future<Output = ()> + Send + 'static, S: Schedule<P>>(prefix: P, schedule: S) -> Self {
        let ptr = Self::new_block::<F, S>(prefix, schedule, COMPLETED | REF, MaybeUninit::uninit());
        CellRef { ptr, _prefix: PhantomData }
    }

    /// A new block in `state`, its future slot holding `future`.
    fn new_block<F: Future<Output = ()> + Send + 'static, S: Schedule<P>>(
        prefix: P,
        schedule: S,
        state: usize,
        future: MaybeUninit<F>,
    ) -> NonNull<Header> {
        let ptr = alloc_block(Layout::new::<Block<P, F, S>>()).cast::<Block<P, F, S>>();
        let block = Block::<P, F, S> {
            head: Head { header: Header { state: AtomicUsize::new(state), vtable: &Block::<P, F, S>::VTABLE }, prefix },
            schedule,
            future: UnsafeCell::new(future),
        };
        // SAFETY: fresh memory with the block's layout, written once before any use.
        unsafe { ptr.as_ptr().write(block) };
        ptr.cast()
    }

    #[cfg(feature = "std")]
    /// A cell running the future `make` builds from a reference to the cell (its first
    /// poll when the returned job runs). `schedule` queues the job whenever the future is
    /// woken.
    pub(crate) fn spawn<F, S>(prefix: P, make: impl FnOnce(CellRef<P>) -> F, schedule: S) -> (CellRef<P>, CellJob)
    where
        F: Future<Output = ()> + Send + 'static,
        S: Schedule<P>,
    {
        // COMPLETED until the future is in place: if `make` panics, unwinding drops both
        // references and the block is freed without touching the future.
        let cell = Self::alloc::<F, S>(prefix, schedule);
        let future = make(cell.clone());
        // SAFETY: `cell` keeps the block alive and its type is `Block<P, F, S>`.
        let block = unsafe { cell.ptr.cast::<Block<P, F, S>>().as_ref() };
        // SAFETY: COMPLETED and no job: nobody else touches the future slot.
        block.future.with_mut(|f| unsafe { (*f).write(future) });
        // Publish the future, with one more reference: the job's.
        let old =
            block.head.header.state.fetch_update(Release, Relaxed, |s| Some(((s & !COMPLETED) | SCHEDULED) + REF));
        let Ok(_) = old else { unreachable!("the closure always updates") };
        let job = CellJob { ptr: cell.ptr };
        (cell, job)
    }

    #[cfg(feature = "std")]
    /// A cell running `future` that nobody holds but its job: no handle (the future reports
    /// its outcome itself, as a remote task fulfils its promise); the block is freed when
    /// the future is done and its last waker dropped.
    pub(crate) fn spawn_job<F, S>(prefix: P, future: F, schedule: S) -> CellJob
    where
        F: Future<Output = ()> + Send + 'static,
        S: Schedule<P>,
    {
        // Queued, with one reference: the job's.
        let ptr = Self::new_block::<F, S>(prefix, schedule, SCHEDULED | REF, MaybeUninit::new(future));
        CellJob { ptr }
    }

    #[cfg(feature = "std")]
    /// A waker of this cell (counted): waking it queues the cell's job.
    pub(crate) fn waker(&self) -> Waker {
        // SAFETY: we hold a reference; the waker gets its own.
        unsafe {
            acquire(self.ptr);
            Waker::from_raw(RawWaker::new(self.ptr.as_ptr() as *const (), &WAKER_VTABLE))
        }
    }

    /// Lends this cell's waker, uncounted, to `slot`, which must lie inside the prefix
    /// (so it never outlives the block, and does not keep it alive: a counted waker there
    /// would be a cycle). Call it before the cell is shared (in `spawn`'s `make`).
    ///
    /// # Panics
    /// If `slot` does not lie inside the prefix.
    #[cfg(feature = "std")]
    pub(crate) fn lend_waker(&self, slot: impl FnOnce(&P) -> &WakerSlot) {
        let prefix: &P = self;
        let slot = slot(prefix);
        let start = prefix as *const P as usize;
        let at = slot as *const WakerSlot as usize;
        assert!(
            at >= start && at + core::mem::size_of::<WakerSlot>() <= start + core::mem::size_of::<P>(),
            "a lent waker's slot lies inside its cell"
        );
        slot.lend(self.ptr);
    }
}

/// True if `waker` is the waker of the cell at `cell`.
#[inline]
pub(super) fn waker_is_cell(waker: &Waker, cell: NonNull<Header>) -> bool {
    #[cfg(feature = "std")]
    {
        waker.data() == cell.as_ptr() as *const () && core::ptr::eq(waker.vtable(), &WAKER_VTABLE)
    }
    #[cfg(not(feature = "std"))]
    {
        let _ = (waker, cell);
        false
    }
}

/// Wakes the cell at `cell` by reference (nothing without `std`: there, cells are plain
/// and never lend their waker).
///
/// # Safety
/// The cell is alive for the duration of the call.
#[inline]
pub(super) unsafe fn wake_cell_by_ref(cell: NonNull<Header>) {
    #[cfg(feature = "std")]
    // SAFETY: by the caller's contract the cell is alive.
    unsafe {
        (header(cell).vtable.wake_by_ref)(cell)
    }
    #[cfg(not(feature = "std"))]
    let _ = cell;
}

/// A cell in a run queue: one reference, and the right to poll its future once.
#[cfg_attr(not(feature = "std"), allow(dead_code))] // no scheduler without std
pub(crate) struct CellJob {
    ptr: NonNull<Header>,
}

// SAFETY: a job moves a cell's future (`Send`, required by `spawn`) to the thread that
// runs or drops it.
unsafe impl Send for CellJob {}

impl core::fmt::Debug for CellJob {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CellJob").field("ptr", &self.ptr).finish()
    }
}

#[cfg(feature = "std")]
impl CellJob {
    /// Polls the cell's future once (it queues itself again if woken meanwhile).
    #[inline]
    pub(crate) fn run(self) {
        let ptr = ManuallyDrop::new(self).ptr;
        // SAFETY: the job's reference and SCHEDULED pass to `run`.
        unsafe { (header(ptr).vtable.run)(ptr) }
    }

    /// The block's address (aligned to at least 4: the low bits are free for tags).
    pub(crate) fn into_raw(self) -> NonNull<()> {
        ManuallyDrop::new(self).ptr.cast()
    }

    /// # Safety
    /// `ptr` came from [`into_raw`](Self::into_raw) and is turned back into a job once.
    pub(crate) unsafe fn from_raw(ptr: NonNull<()>) -> Self {
        CellJob { ptr: ptr.cast() }
    }
}

#[cfg(feature = "std")]
impl Drop for CellJob {
    fn drop(&mut self) {
        // SAFETY: the job's reference and SCHEDULED pass to `cancel`.
        unsafe { (header(self.ptr).vtable.cancel)(self.ptr) }
    }
}
