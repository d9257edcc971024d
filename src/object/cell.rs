//! [`ObjectCell`]: the typed storage of one object, and the list of tasks waiting for it.
//!
//! ```text
//!  PENDING(waiters) ──complete(result)──▶ READY(Ok(value) | Err(Error))
//!        │ a get/wait registers its waker       │ the outcome never changes again; a
//!        │ (one entry per waiting future)       │ get clones the value (or the error)
//!        └── complete takes the whole list and wakes each waker once, outside the lock
//! ```
//!
//! A value is stored inline in the cell (no allocation of its own); the first
//! `get_shared` moves it into an `Arc` once, which every later reader shares.
//!
//! The cell is owned by the `Arc` inside each [`ObjectRef`](super::ObjectRef); when the last
//! one is dropped the cell counts itself freed (and unregisters its id, if it has one) in its
//! shard (see [`Drop`] below) and the value is dropped, exactly once.
//!
//! An object gets its id lazily, the first time someone asks for it (`ObjectRef::id`, a
//! serialized ref, an export): most objects (a task's result read once, an actor call's
//! reply) are never named, and then never touch the shard's registry.

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::task::Waker;

use slab::Slab;

use super::id::{LocalId, ObjectId};
use super::store::Shard;
use crate::raw::shared_box::Shared as Counted;
use crate::raw::ShortLock;
use crate::Error;

/// What a ready object holds: the value or the error that the producer stored instead.
pub(crate) type Outcome<T> = Result<Stored<T>, Error>;

/// A stored value: inline until somebody asks to share it, then in an `Arc` (the store
/// never copies it to share it).
pub(crate) enum Stored<T> {
    /// Owned by the cell.
    Inline(T),
    /// Shared with the `Arc`s handed out by `get_shared`.
    Shared(Arc<T>),
    /// Moved out by the object's last consumer (see `ObjectCell::read_or_register`).
    Taken,
}

impl<T> Stored<T> {
    /// The value; `ObjectLost` if the last consumer moved it out.
    pub(crate) fn value(&self) -> Result<&T, Error> {
        match self {
            Stored::Inline(v) => Ok(v),
            Stored::Shared(v) => Ok(v),
            Stored::Taken => Err(Error::ObjectLost),
        }
    }

    /// The value as an `Arc`, moving an inline value into one on first use.
    pub(crate) fn shared(&mut self) -> Result<Arc<T>, Error> {
        let shared = match core::mem::replace(self, Stored::Taken) {
            Stored::Inline(v) => Arc::new(v),
            Stored::Shared(v) => v,
            Stored::Taken => return Err(Error::ObjectLost),
        };
        *self = Stored::Shared(Arc::clone(&shared));
        Ok(shared)
    }

    /// Moves the value out (leaving `Taken`), or clones it if it is shared.
    pub(crate) fn take(&mut self) -> Result<T, Error>
    where
        T: Clone,
    {
        match core::mem::replace(self, Stored::Taken) {
            Stored::Inline(v) => Ok(v),
            Stored::Shared(v) => Ok(Arc::try_unwrap(v).unwrap_or_else(|shared| T::clone(&shared))),
            Stored::Taken => Err(Error::ObjectLost),
        }
    }
}

/// The storage of one object.
///
/// Its id and its state share one lock, and the id is kept without its shard (the cell's
/// own): a fresh process faults in every live object's memory, so a few words per object
/// are felt (88 bytes with its `Arc` header for a `u64`, one allocator size class below an
/// id with its shard and its "none").
pub(crate) struct ObjectCell<T> {
    /// The shard that counts the object (and registers its id).
    shard: Arc<Shard>,
    /// Complete, register a waiter, read: a few moves each ([`ShortLock`]: one
    /// read-modify-write per section with `std`, where a futex mutex pays two).
    inner: ShortLock<Inner<T>>,
}

/// What a cell's lock guards.
struct Inner<T> {
    /// The id, once asked for (registered in `shard` then; unregistered on drop), without
    /// its shard.
    id: Option<LocalId>,
    state: State<T>,
}

/// The life-cycle state of an object. See the module docs.
pub(crate) enum State<T> {
    /// Not produced yet: the futures waiting for it.
    Pending(Waiters),
    /// Produced; never changes again.
    Ready(Outcome<T>),
}

/// What registering a waiter hands back to run outside the cell's lock: a replaced waker to
/// drop, a proxy's fetch to start.
#[derive(Default)]
pub(crate) struct Released(Option<Waker>, Option<Fetch>);

impl Released {
    fn run(self) {
        drop(self.0);
        if let Some(fetch) = self.1 {
            run_hook(fetch);
        }
    }
}

/// Where a waiting future's waker sits in a cell's waiter list.
pub(crate) type WaiterKey = usize;

/// The wakers of the futures waiting for a pending object.
///
/// The first waiter (the common case: one `get`) is stored inline; more spill into a slab,
/// so registering never searches and deregistering is O(1). Key 0 is the inline slot, key
/// `k + 1` is slab entry `k`.
#[derive(Default)]
pub(crate) struct Waiters {
    first: Option<Waker>,
    /// Boxed: most objects never have a second waiter, and the slab's header is five words.
    rest: Option<Box<Slab<Waker>>>,
    /// A proxy of an object held by another node: what starts fetching its value, run
    /// (once, outside the lock) when the first reader registers.
    fetch: Option<Fetch>,
}

/// Starts fetching a proxy's value (the node layer's; see [`Store::proxy`](super::Store)).
pub(crate) type Fetch = Hook;

/// A hook the node layer hangs on an object: a proxy's fetch, its free hook. Without the
/// `node` feature it is an uninhabited type: no hook can exist, and the code that would run
/// one compiles away (a firmware without nodes pays nothing for them).
#[cfg(feature = "node")]
pub(crate) type Hook = Box<dyn FnOnce() + Send>;
/// A hook the node layer hangs on an object (uninhabited without the `node` feature).
#[cfg(not(feature = "node"))]
pub(crate) enum Hook {}

/// Runs a hook.
pub(crate) fn run_hook(hook: Hook) {
    #[cfg(feature = "node")]
    hook();
    #[cfg(not(feature = "node"))]
    match hook {}
}

impl Waiters {
    /// Registers `waker` under `key`, or refreshes the waker already registered there.
    /// Returns a replaced waker and, for a proxy's first reader, its fetch, for the caller
    /// to drop or run outside the lock (dropping a waker may drop a task, and with it
    /// futures waiting on this very object).
    fn register(&mut self, waker: &Waker, key: &mut Option<WaiterKey>) -> Released {
        Released(self.register_waker(waker, key), self.fetch.take())
    }

    fn register_waker(&mut self, waker: &Waker, key: &mut Option<WaiterKey>) -> Option<Waker> {
        let slot = match *key {
            Some(0) => self.first.as_mut(),
            Some(k) => self.rest.as_mut().and_then(|rest| rest.get_mut(k - 1)),
            None => None,
        };
        if let Some(existing) = slot {
            if !existing.will_wake(waker) {
                return Some(core::mem::replace(existing, waker.clone()));
            }
        } else if self.first.is_none() {
            self.first = Some(waker.clone());
            *key = Some(0);
        } else {
            *key = Some(self.rest.get_or_insert_with(Box::default).insert(waker.clone()) + 1);
        }
        None
    }

    /// Removes the waker registered under `key`; returns it so it drops outside the lock.
    fn remove(&mut self, key: WaiterKey) -> Option<Waker> {
        if key == 0 {
            self.first.take()
        } else {
            self.rest.as_mut().and_then(|rest| rest.try_remove(key - 1))
        }
    }

    fn is_empty(&self) -> bool {
        self.first.is_none() && self.rest.as_ref().is_none_or(|rest| rest.is_empty())
    }

    /// Wakes every waiter once.
    fn wake_all(self) {
        if let Some(w) = self.first {
            w.wake();
        }
        for (_, w) in self.rest.into_iter().flat_map(|rest| *rest) {
            w.wake();
        }
    }
}

impl<T> ObjectCell<T> {
    /// A cell counted in `shard` (the caller has counted it), with no id yet.
    pub(crate) fn new(shard: Arc<Shard>, state: State<T>) -> Self {
        ObjectCell { shard, inner: ShortLock::new(Inner { id: None, state }) }
    }

    /// The object's id: registered in the shard on first use (the registry holds a weak
    /// handle, so it finds the object by id without keeping it alive).
    pub(crate) fn id(&self, this: &Counted<Self>) -> ObjectId
    where
        T: Send + Sync + 'static,
    {
        // Lock order: the cell's, then the shard's (a lookup takes only the shard's).
        let local = self
            .inner
            .with(|inner| *inner.id.get_or_insert_with(|| self.shard.register(Counted::erased_weak(this)).local()));
        local.in_shard(self.shard.index())
    }

    /// Gives the registered object `id` (this cell's) a hook its shard runs when the cell
    /// is freed. For proxies of objects held by another node.
    #[cfg(feature = "node")]
    pub(crate) fn set_on_free(&self, id: ObjectId, on_free: super::store::OnFree) {
        self.shard.set_on_free(id, on_free);
    }

    /// Installs a proxy's fetch: it runs when the first reader registers (at once if one
    /// already has). A no-op once the object is ready.
    #[cfg(feature = "node")]
    pub(crate) fn install_fetch(&self, fetch: Fetch) {
        let run = self.inner.with(|inner| match &mut inner.state {
            State::Pending(waiters) if waiters.is_empty() => {
                waiters.fetch = Some(fetch);
                None
            }
            State::Pending(_) => Some(fetch),
            State::Ready(_) => None,
        });
        if let Some(fetch) = run {
            fetch();
        }
    }

    /// The id, if one was assigned.
    pub(crate) fn assigned_id(&self) -> Option<ObjectId> {
        self.inner.with(|inner| inner.id).map(|local| local.in_shard(self.shard.index()))
    }

    pub(crate) fn is_ready(&self) -> bool {
        self.inner.with(|inner| matches!(inner.state, State::Ready(_)))
    }

    /// If ready, what `read` makes of the stored value (it runs under the cell's lock: it
    /// may clone the value, share it, or move it out; its flag tells whether the object
    /// has an id, through which the registry could hand out more refs), or a clone of the stored error;
    /// otherwise registers `waker` under `key` (refreshing an earlier registration) and
    /// returns `None`. The check and the registration are one critical section, so a
    /// completion can never slip between them unnoticed.
    pub(crate) fn read_or_register<R>(
        &self,
        waker: &Waker,
        key: &mut Option<WaiterKey>,
        read: impl FnOnce(&mut Stored<T>, bool) -> Result<R, Error>,
    ) -> Option<Result<R, Error>> {
        let (outcome, replaced) = self.inner.with(|inner| match &mut inner.state {
            State::Ready(Ok(stored)) => (Some(read(stored, inner.id.is_some())), Released::default()),
            State::Ready(Err(e)) => (Some(Err(e.clone())), Released::default()),
            State::Pending(waiters) => (None, waiters.register(waker, key)),
        });
        replaced.run();
        if outcome.is_some() {
            *key = None;
        }
        outcome
    }

    /// If ready, what `read` makes of the stored value, or a clone of the stored error;
    /// `None` while pending (nothing is registered).
    pub(crate) fn read_if_ready<R>(
        &self,
        read: impl FnOnce(&mut Stored<T>) -> Result<R, Error>,
    ) -> Option<Result<R, Error>> {
        self.inner.with(|inner| match &mut inner.state {
            State::Ready(Ok(stored)) => Some(read(stored)),
            State::Ready(Err(e)) => Some(Err(e.clone())),
            State::Pending(_) => None,
        })
    }

    /// Like [`outcome_or_register`](Self::outcome_or_register), for futures that only need
    /// to know whether the object is ready. Returns true if it is.
    pub(crate) fn ready_or_register(&self, waker: &Waker, key: &mut Option<WaiterKey>) -> bool {
        let (ready, replaced) = self.inner.with(|inner| match &mut inner.state {
            State::Ready(_) => (true, Released::default()),
            State::Pending(waiters) => (false, waiters.register(waker, key)),
        });
        replaced.run();
        if ready {
            *key = None;
        }
        ready
    }

    /// Withdraws a registration made by [`outcome_or_register`](Self::outcome_or_register)
    /// (a waiting future was dropped). A no-op once the object is ready: completion took
    /// the whole list.
    pub(crate) fn deregister(&self, key: WaiterKey) {
        let removed = self.inner.with(|inner| match &mut inner.state {
            State::Pending(waiters) => waiters.remove(key),
            State::Ready(_) => None,
        });
        drop(removed);
    }

    /// Makes the object ready with `outcome` and returns its waiters, for the caller to
    /// wake once it has let go of whatever it holds (see [`Promise`](super::Promise)'s
    /// completion). O(number of waiters). An object completes once; a second completion is
    /// ignored (and its value dropped).
    pub(crate) fn complete(&self, outcome: Result<T, Error>) -> Wakeup {
        let mut outcome = Some(outcome.map(Stored::Inline));
        let waiters = self.inner.with(|inner| match &mut inner.state {
            State::Pending(waiters) => {
                // Nobody waiting (a result produced before anyone asked): nothing to move.
                let waiters = if waiters.is_empty() { None } else { Some(core::mem::take(waiters)) };
                if let Some(outcome) = outcome.take() {
                    inner.state = State::Ready(outcome);
                }
                waiters
            }
            State::Ready(_) => None,
        });
        // A refused outcome (and so the user's value) drops here, outside the lock.
        drop(outcome);
        Wakeup(waiters)
    }
}

/// The waiters of an object just completed, to be woken by [`wake`](Wakeup::wake).
#[must_use = "the waiters of a completed object must be woken"]
pub(crate) struct Wakeup(Option<Waiters>);

impl Wakeup {
    /// Wakes every waiter once.
    pub(crate) fn wake(self) {
        if let Some(waiters) = self.0 {
            waiters.wake_all();
        }
    }
}

impl<T> Drop for ObjectCell<T> {
    /// The last ref is gone: count the object freed and remove its registry entry, if it
    /// has one. The value drops right after, with the cell's fields, outside every lock.
    fn drop(&mut self) {
        if let Some(local) = self.inner.get_mut().id {
            self.shard.unregister(local.in_shard(self.shard.index()));
        }
        self.shard.count_freed(core::mem::size_of::<Self>());
        // The value may hold the last ref of another object, whose value holds another …:
        // dropped in a loop past a few levels, so no chain is too long to free (std).
        #[cfg(feature = "std")]
        if core::mem::needs_drop::<T>() {
            crate::raw::deferred_drop::drop_nested(core::mem::replace(
                &mut self.inner.get_mut().state,
                State::Pending(Waiters::default()),
            ));
        }
    }
}
