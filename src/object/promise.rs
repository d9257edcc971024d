//! [`Promise`]: the producer's side of a pending object.

use core::fmt;

use super::cell::{ObjectCell, State, WaiterKey};
use super::{ObjectId, ObjectRef, Store};
use crate::raw::shared_box::WeakShared;
use crate::Error;

/// The right (and duty) to complete one pending object: what a task or an actor call holds
/// while it computes the object's value.
///
/// [`fulfill`](Promise::fulfill) stores the result and wakes every future waiting on the
/// object. Dropping a promise without fulfilling it stores [`Error::ObjectLost`], so waiters
/// never hang on a producer that gave up or panicked (a producer that panicked or was
/// killed resolves it to `TaskPanicked` / `ActorDied` instead).
///
/// A promise does not keep its object alive: once every [`ObjectRef`] is dropped the object
/// is freed, [`is_abandoned`](Promise::is_abandoned) turns true and fulfilling just drops the
/// value. A promise is one pointer; creating one costs no allocation beyond the object's
/// own.
///
/// ```
/// # let rt = rustyray::Runtime::builder().worker_threads(1).build()?;
/// let (obj, promise) = rt.store().pending::<u32>();
/// assert!(!obj.is_ready());
/// rt.spawn(async move { promise.fulfill(Ok(7)) });
/// assert_eq!(rt.block_on(obj.get())?, 7);
/// # Ok::<(), rustyray::Error>(())
/// ```
pub struct Promise<T> {
    /// Empty once completed: an `Option` here would make an `Option<Promise>` (every actor
    /// call's reply slot) two words instead of one.
    cell: WeakShared<ObjectCell<T>>,
}

/// A new pending object in `store` and the promise that completes it.
pub(crate) fn pending<T: Send + Sync + 'static>(store: &Store) -> (ObjectRef<T>, Promise<T>) {
    let (cell, weak) = store.new_cell_with_weak(State::Pending(Default::default()));
    (ObjectRef::from_cell(cell), Promise { cell: weak })
}

/// A proxy: a pending object standing for one another node holds. `fetch` (given the
/// proxy's promise) runs when the first reader waits for it: it should fetch the value and
/// fulfill the promise. `on_free` (given the proxy's id) runs when the proxy's last ref is
/// dropped. The proxy has an id from the start.
#[cfg(feature = "node")]
pub(crate) fn proxy<T: Send + Sync + 'static>(
    store: &Store,
    fetch: impl FnOnce(Promise<T>) -> super::cell::Fetch,
    on_free: impl FnOnce(ObjectId) -> super::store::OnFree,
) -> (ObjectRef<T>, ObjectId) {
    let (cell, weak) = store.new_cell_with_weak(State::Pending(Default::default()));
    let promise = Promise { cell: weak };
    let id = cell.id(&cell);
    cell.set_on_free(id, on_free(id));
    cell.install_fetch(fetch(promise));
    (ObjectRef::from_cell(cell), id)
}

impl Store {
    /// A new pending object and the [`Promise`] that completes it (what remote tasks and
    /// actor calls use for their results; use it to hand-write a producer).
    ///
    /// # Panics
    /// If one shard of the store already holds 2²⁷ live objects.
    pub fn pending<T: Send + Sync + 'static>(&self) -> (ObjectRef<T>, Promise<T>) {
        pending(self)
    }
}

impl<T> Promise<T> {
    /// Completes the object with `result` (a value, or the error every `get` will return)
    /// and wakes every waiter. If the object was already freed the result is dropped.
    pub fn fulfill(mut self, result: Result<T, Error>) {
        self.complete(result);
    }

    /// The id of the object this promise completes, or `None` once the object has been
    /// freed (every ref dropped: see [`is_abandoned`](Self::is_abandoned)).
    pub fn id(&self) -> Option<ObjectId>
    where
        T: Send + Sync + 'static,
    {
        let cell = self.cell.upgrade()?;
        Some(cell.id(&cell))
    }

    /// Asks the CPU to fetch the object's cell ahead of this promise's completion (an
    /// actor prefetches its next message's reply while it handles the current one).
    #[doc(hidden)]
    #[inline]
    pub fn __prefetch(&self) {
        self.cell.prefetch();
    }

    /// True once every [`ObjectRef`] to the object has been dropped: nobody can observe the
    /// result any more, so a producer may skip the work.
    pub fn is_abandoned(&self) -> bool {
        self.cell.strong_count() == 0
    }

    /// True if the object was completed by someone else (`cancel`); false while it is
    /// pending, and once it was freed (nobody holds a ref: nothing was cancelled).
    pub(crate) fn is_completed(&self) -> bool {
        self.cell.upgrade().is_some_and(|cell| cell.is_ready())
    }

    /// As [`is_completed`](Self::is_completed); while pending, registers `waker` in the
    /// object (under `key`), so completing it (`cancel`) wakes the producer.
    pub(crate) fn completed_or_watch(&self, waker: &core::task::Waker, key: &mut Option<WaiterKey>) -> bool {
        match self.cell.upgrade() {
            Some(cell) => cell.ready_or_register(waker, key),
            None => false,
        }
    }

    /// Withdraws a registration made by [`completed_or_watch`](Self::completed_or_watch).
    pub(crate) fn unwatch(&self, key: WaiterKey) {
        if let Some(cell) = self.cell.upgrade() {
            cell.deregister(key);
        }
    }

    fn complete(&mut self, result: Result<T, Error>) {
        let Some(cell) = core::mem::take(&mut self.cell).upgrade() else { return };
        let wakeup = cell.complete(result);
        // Our strong ref goes before anyone is woken: a waiter that reads the value and
        // drops the last ref finds the object already freed (not freed later, here).
        drop(cell);
        wakeup.wake();
    }
}

impl<T> Drop for Promise<T> {
    fn drop(&mut self) {
        // Not completed yet, and somebody still holds a ref (else nobody could see it).
        if self.cell.strong_count() > 0 {
            // ObjectLost, or why the producer failed (it panicked, or its actor was killed).
            self.complete(Err(crate::executor::failure::drop_error()));
        }
    }
}

impl<T> fmt::Debug for Promise<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = self.cell.upgrade().and_then(|c| c.assigned_id());
        f.debug_struct("Promise").field("id", &id).field("abandoned", &self.is_abandoned()).finish()
    }
}
