//! [`Store`]: the registry of live objects, by id.
//!
//! The registry maps an [`ObjectId`] to a *weak*, type-erased handle of the object's cell:
//! it never keeps an object alive, it only lets [`Store::get_ref`] (and the wire format)
//! find an object by id. It is split into shards, each a `slab` behind its own short lock;
//! a thread registers the objects it creates in "its" shard (threads are spread round-robin
//! over the shards), so workers rarely contend. An object is registered only once its id is
//! asked for (see `ObjectCell::id`), so the common path (create, read, free) takes no
//! registry lock at all. The statistics are per-shard atomic counters, summed by
//! [`Store::stats`].

use alloc::sync::Arc;
use core::any::type_name;
use core::fmt;

use slab::Slab;

use super::cell::{ObjectCell, State};
use super::id::{ObjectId, MAX_INDEX, MAX_SHARDS};
use super::ObjectRef;
use crate::raw::shared_box::{ErasedShared, ErasedWeak, Shared, WeakShared};
use crate::sync::atomic::{AtomicUsize, Ordering::Relaxed};
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
    /// Objects created in this shard.
    created: AtomicUsize,
    /// Objects of this shard freed.
    freed: AtomicUsize,
    /// Bytes of this shard's live cells.
    bytes: AtomicUsize,
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
            created: AtomicUsize::new(0),
            freed: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
        }
    }

    /// Counts one object of `size` bytes freed (its cell is being dropped).
    pub(crate) fn count_freed(&self, size: usize) {
        self.freed.fetch_add(1, Relaxed);
        self.bytes.fetch_sub(size, Relaxed);
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
    /// or freeing objects; meanwhile, a snapshot taken shard by shard.
    pub fn stats(&self) -> StoreStats {
        let (created, freed, bytes) = self.shards.iter().fold((0_u64, 0_u64, 0_u64), |(c, f, b), s| {
            // Freed before created: a snapshot never counts a free without its creation.
            let sf = s.freed.load(Relaxed) as u64;
            let sc = s.created.load(Relaxed) as u64;
            // (A cell is freed on the shard that counted its creation.)
            let sb = s.bytes.load(Relaxed) as u64;
            (c + sc, f + sf, b + sb)
        });
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
        let shard = &self.shards[home_shard()];
        shard.created.fetch_add(1, Relaxed);
        shard.bytes.fetch_add(core::mem::size_of::<ObjectCell<T>>(), Relaxed);
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

/// The shard this thread registers objects in: threads are assigned round-robin on first use.
#[cfg(feature = "std")]
fn home_shard() -> usize {
    use core::cell::Cell;
    // A placement hint, not synchronization: a plain `core` atomic also under loom.
    use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

    static NEXT: AtomicUsize = AtomicUsize::new(0);
    std::thread_local! {
        static HOME: Cell<usize> = const { Cell::new(usize::MAX) };
    }
    // During thread-local destruction: shard 0 (a placement hint only).
    HOME.try_with(|home| {
        let mut shard = home.get();
        if shard == usize::MAX {
            shard = NEXT.fetch_add(1, Relaxed) % SHARDS;
            home.set(shard);
        }
        shard
    })
    .unwrap_or(0)
}

#[cfg(not(feature = "std"))]
fn home_shard() -> usize {
    0
}
