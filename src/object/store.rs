//! [`Store`]: the registry of live objects, by id.
//!
//! The registry maps an [`ObjectId`] to a *weak*, type-erased handle of the object's cell:
//! it never keeps an object alive, it only lets [`Store::get_ref`] (and the wire format)
//! find an object by id. It is split into shards, each a `slab` behind its own short lock;
//! a thread registers the objects it creates in "its" shard (threads are spread round-robin
//! over the shards), so workers rarely contend. An object is registered only once its id is
//! asked for (see `ObjectCell::id`), so the common path (create, read, free) takes no
//! registry lock at all.
//!
//! The statistics are counters in each shard, summed by [`Store::stats`]: each shard has a
//! line of counters written only by the thread that owns it (the first [`SHARDS`] threads of
//! the process each own one shard, in every store) with plain stores, and a line of shared
//! counters that every other thread updates with atomic read-modify-writes. A thread
//! creating an object, or freeing one created in its own shard, so pays no locked
//! instruction for the count; a free elsewhere pays one per counter, on a line apart from
//! the owner's.

use alloc::sync::Arc;
use core::any::type_name;
use core::fmt;

use slab::Slab;

use super::cell::{ObjectCell, State};
use super::id::{ObjectId, MAX_INDEX, MAX_SHARDS};
use super::ObjectRef;
use crate::raw::shared_box::{ErasedShared, ErasedWeak, Shared, WeakShared};
use crate::sync::atomic::{
    AtomicUsize,
    Ordering::{Acquire, Relaxed, Release},
};
use crate::sync::Lock;
use crate::Error;

/// Shards per store: enough that 2–8 workers rarely share one; a single one without `std`
/// (one core, no worker threads).
#[cfg(feature = "std")]
const SHARDS: usize = 32;
#[cfg(not(feature = "std"))]
const SHARDS: usize = 1;

const _: () = assert!(SHARDS <= MAX_SHARDS);

/// The object store: creates objects and finds live ones by id. One per
/// [`Runtime`](crate::Runtime) ([`Runtime::store`](crate::Runtime::store)); on `no_std`, own
/// one yourself.
///
/// Objects hold their values natively (no serialization on the local path) and are freed when
/// their last [`ObjectRef`] is dropped; the store only counts them.
///
/// ```
/// use rustyray::Store;
///
/// let store = Store::new();
/// let a = store.put(String::from("hello"));
/// let b = store.get_ref::<String>(a.id())?; // another ref to the same object
/// assert_eq!(store.stats().live, 1);
/// drop((a, b));
/// assert_eq!(store.stats().live, 0);
/// # Ok::<(), rustyray::Error>(())
/// ```
pub struct Store {
    shards: [Arc<Shard>; SHARDS],
}

/// Counters of a [`Store`], from [`Store::stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreStats {
    /// Objects created and not yet freed (`created - freed`).
    pub live: u64,
    /// Objects ever created in the store.
    pub created: u64,
    /// Objects freed: their last [`ObjectRef`] was dropped.
    pub freed: u64,
    /// Bytes of the live objects' cells (each value inline with its bookkeeping; what a
    /// value allocates itself, such as a `Vec`'s buffer, is not counted).
    pub bytes: u64,
}

/// One shard of the registry. Cells keep their shard alive (they unregister on drop), so a
/// store may be dropped while objects it created live on.
#[repr(align(64))]
pub(crate) struct Shard {
    index: usize,
    registry: Lock<Registry>,
    /// Written only by the thread owning this shard (see [`home`]), with plain stores. No
    /// thread owns a shard without `std` (see [`home`]).
    #[cfg(feature = "std")]
    owned: Counters,
    /// Written by every other thread, with read-modify-writes.
    shared: Counters,
}

/// Object counts, on a cache line of their own. Each counter wraps (a free may be counted
/// on another line than its creation: only the sums over every line mean anything).
#[derive(Default)]
#[repr(align(64))]
struct Counters {
    /// Objects created.
    created: AtomicUsize,
    /// Objects freed.
    freed: AtomicUsize,
    /// Bytes of cells created, less those of cells freed.
    bytes: AtomicUsize,
}

impl Counters {
    /// Adds `n` to `counter`: a plain load and store on a line only this thread writes
    /// (`owner`), a locked read-modify-write otherwise. Release, so a snapshot that sees a
    /// count also sees what happened before it (see [`Store::stats`]).
    #[inline]
    fn add(counter: &AtomicUsize, n: usize, owner: bool) {
        if owner {
            counter.store(counter.load(Relaxed).wrapping_add(n), Release);
        } else {
            counter.fetch_add(n, Release);
        }
    }
}

struct Registry {
    slots: Slab<Slot>,
    /// Objects ever registered here: the generation of the next one.
    registered: u64,
}

struct Slot {
    generation: u32,
    cell: ErasedWeak,
    /// Runs (outside the lock) when the object is freed: a proxy tells the node holding
    /// the real object that this node's refs are gone.
    on_free: Option<OnFree>,
}

/// What a shard runs when a hooked object is freed.
pub(crate) type OnFree = super::cell::Hook;

impl Shard {
    fn new(index: usize) -> Self {
        Shard {
            index,
            registry: Lock::new(Registry { slots: Slab::new(), registered: 0 }),
            #[cfg(feature = "std")]
            owned: Counters::default(),
            shared: Counters::default(),
        }
    }

    /// This shard's number in its store (the shard bits of the ids it registers).
    #[inline]
    pub(crate) fn index(&self) -> usize {
        self.index
    }

    /// The counters a thread at `home` updates in this shard, and whether it owns them.
    #[inline]
    fn counters(&self, home: Home) -> (&Counters, bool) {
        match home {
            #[cfg(feature = "std")]
            Home { shard, owner: true } if shard == self.index => (&self.owned, true),
            _ => (&self.shared, false),
        }
    }

    /// Every line of counters of this shard.
    fn lines(&self) -> impl Iterator<Item = &Counters> {
        #[cfg(feature = "std")]
        let lines = [&self.owned, &self.shared];
        #[cfg(not(feature = "std"))]
        let lines = [&self.shared];
        lines.into_iter()
    }

    /// Counts one object of `size` bytes freed (its cell, created in this shard, is being
    /// dropped).
    #[inline]
    pub(crate) fn count_freed(&self, size: usize) {
        let (counters, owner) = self.counters(home());
        Counters::add(&counters.freed, 1, owner);
        Counters::add(&counters.bytes, size.wrapping_neg(), owner);
    }

    /// Registers `cell`, returning its id.
    ///
    /// # Panics
    /// If the shard already holds 2²⁷ registered live objects.
    pub(crate) fn register(&self, cell: ErasedWeak) -> ObjectId {
        let id = self.registry.with(|r| {
            let index = r.slots.vacant_key();
            if index > MAX_INDEX {
                return Err(cell);
            }
            let generation = r.registered as u32;
            r.registered += 1;
            r.slots.insert(Slot { generation, cell, on_free: None });
            Ok(ObjectId::pack(self.index, index, generation))
        });
        match id {
            Ok(id) => id,
            Err(_) => panic!("rustyray object store: more than {} live objects in one shard", MAX_INDEX + 1),
        }
    }

    /// Sets the hook run when the registered object `id` is freed.
    #[cfg(feature = "node")]
    pub(crate) fn set_on_free(&self, id: ObjectId, on_free: OnFree) {
        let refused = self.registry.with(|r| match r.slots.get_mut(id.index()) {
            Some(slot) if slot.generation == id.generation() => {
                slot.on_free = Some(on_free);
                None
            }
            _ => Some(on_free),
        });
        drop(refused);
    }

    /// Removes the entry of `id` (its cell is being dropped).
    pub(crate) fn unregister(&self, id: ObjectId) {
        let slot = self.registry.with(|r| {
            let index = id.index();
            if r.slots.get(index).is_some_and(|s| s.generation == id.generation()) {
                Some(r.slots.remove(index))
            } else {
                None
            }
        });
        if let Some(hook) = slot.and_then(|slot| slot.on_free) {
            super::cell::run_hook(hook);
        }
    }

    /// The cell registered as `id`, if it is still alive.
    fn lookup(&self, id: ObjectId) -> Option<ErasedShared> {
        self.registry.with(|r| match r.slots.get(id.index()) {
            Some(slot) if slot.generation == id.generation() => slot.cell.upgrade(),
            _ => None,
        })
    }
}

impl Store {
    /// An empty store.
    pub fn new() -> Self {
        Store { shards: core::array::from_fn(|index| Arc::new(Shard::new(index))) }
    }

    /// Stores `value` as a new object, ready at once.
    ///
    /// ```
    /// let store = rustyray::Store::new();
    /// let obj = store.put(vec![1, 2, 3]);
    /// assert!(obj.is_ready());
    /// ```
    ///
    /// # Panics
    /// If one shard of the store already holds 2²⁷ live objects.
    pub fn put<T: Send + Sync + 'static>(&self, value: T) -> ObjectRef<T> {
        ObjectRef::from_cell(self.new_cell(State::Ready(Ok(super::cell::Stored::Inline(value)))))
    }

    /// Another ref to the live object `id`.
    ///
    /// # Errors
    /// [`Error::ObjectNotFound`] if no live object has this id (it was freed, even if its
    /// registry slot now holds another object); [`Error::TypeMismatch`] if the object is not
    /// a `T`.
    pub fn get_ref<T: Send + Sync + 'static>(&self, id: ObjectId) -> Result<ObjectRef<T>, Error> {
        let cell = self
            .shards
            .get(id.shard())
            .and_then(|shard| shard.lookup(id))
            .ok_or(Error::ObjectNotFound { id: id.as_u64() })?;
        // A mismatched cell drops here, outside the shard lock (it may be the last ref).
        match cell.downcast::<ObjectCell<T>>() {
            Ok(cell) => Ok(ObjectRef::from_cell(cell)),
            Err(_) => Err(Error::TypeMismatch { expected: type_name::<T>() }),
        }
    }

    /// The store's counters, summed over its shards. Exact when no other thread is creating
    /// or freeing objects; meanwhile, a snapshot taken counter by counter.
    pub fn stats(&self) -> StoreStats {
        let lines = || self.shards.iter().flat_map(|s| s.lines());
        let sum = |read: fn(&Counters) -> usize| lines().fold(0_usize, |sum, c| sum.wrapping_add(read(c)));
        // Every free first, then every creation: a free seen (Acquire, paired with the
        // count's Release) happened after its object's creation was counted, so that count
        // is seen too, and a snapshot never counts a free without its creation.
        let freed = sum(|c| c.freed.load(Acquire)) as u64;
        let created = sum(|c| c.created.load(Acquire)) as u64;
        let bytes = sum(|c| c.bytes.load(Acquire)) as u64;
        StoreStats { live: created.saturating_sub(freed), created, freed, bytes }
    }

    /// A new cell in `state`, counted in this thread's shard (its id is assigned on demand).
    pub(crate) fn new_cell<T: Send + Sync + 'static>(&self, state: State<T>) -> Shared<ObjectCell<T>> {
        Shared::new(ObjectCell::new(self.count_new::<T>(), state))
    }

    /// As [`new_cell`](Self::new_cell), with a first weak handle (a promise's), made with
    /// the cell.
    pub(crate) fn new_cell_with_weak<T: Send + Sync + 'static>(
        &self,
        state: State<T>,
    ) -> (Shared<ObjectCell<T>>, WeakShared<ObjectCell<T>>) {
        Shared::new_with_weak(ObjectCell::new(self.count_new::<T>(), state))
    }

    /// Counts a new cell of `T` in this thread's shard, which the cell keeps.
    #[inline]
    fn count_new<T>(&self) -> Arc<Shard> {
        let home = home();
        let shard = &self.shards[home.shard];
        let (counters, owner) = shard.counters(home);
        Counters::add(&counters.created, 1, owner);
        Counters::add(&counters.bytes, core::mem::size_of::<ObjectCell<T>>(), owner);
        Arc::clone(shard)
    }
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").field("shards", &SHARDS).field("stats", &self.stats()).finish()
    }
}

impl fmt::Debug for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shard").field("index", &self.index).finish_non_exhaustive()
    }
}

/// The shard this thread registers and counts objects in, and whether it owns the
/// shard's counters.
#[derive(Clone, Copy)]
struct Home {
    shard: usize,
    /// This thread alone writes the shard's `owned` counters (never without `std`).
    #[cfg(feature = "std")]
    owner: bool,
}

/// This thread's [`Home`]: threads are numbered in the order they first create or free an
/// object; thread `n` lives in shard `n % SHARDS` and owns it if `n < SHARDS` (numbers are
/// never reused, so no other thread ever owns it).
#[cfg(feature = "std")]
#[inline]
fn home() -> Home {
    use core::cell::Cell;
    // A numbering, not synchronization: a plain `core` atomic also under loom.
    use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

    static NEXT: AtomicUsize = AtomicUsize::new(0);
    std::thread_local! {
        static NUMBER: Cell<usize> = const { Cell::new(usize::MAX) };
    }
    // During thread-local destruction: shard 0, shared counters.
    let number = NUMBER
        .try_with(|number| {
            let mut n = number.get();
            if n == usize::MAX {
                n = NEXT.fetch_add(1, Relaxed);
                number.set(n);
            }
            n
        })
        .unwrap_or(usize::MAX);
    // Loom runs its model threads on one thread, which would own a line they all write.
    Home { shard: if number == usize::MAX { 0 } else { number % SHARDS }, owner: number < SHARDS && !cfg!(loom) }
}

/// One shard, whose counters are shared (no threads to own them; an interrupt handler may
/// create objects too).
#[cfg(not(feature = "std"))]
#[inline]
fn home() -> Home {
    Home { shard: 0 }
}
