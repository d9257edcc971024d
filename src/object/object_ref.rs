//! [`ObjectRef`]: a typed reference to an object that may not be ready yet, and the futures
//! that read it ([`Get`], [`GetShared`]).

use alloc::sync::Arc;
use core::fmt;
use core::future::Future;
use core::hash::{Hash, Hasher};
use core::pin::Pin;
use core::task::{Context, Poll};

use super::cell::{ObjectCell, Stored, WaiterKey};
use super::ObjectId;
use crate::executor::poll_proceed;
use crate::raw::shared_box::Shared;
use crate::Error;

/// A typed, cheaply clonable reference to an object in a [`Store`](super::Store), whose value
/// may not be ready yet.
///
/// Holding a ref keeps the object alive; the object is freed (its value dropped, once) when
/// the last ref is dropped, wherever the refs live: in variables, captured by pending tasks,
/// or nested inside other objects. Cloning a ref clones a pointer, never the value.
///
/// ```
/// # let rt = rustyray::Runtime::builder().worker_threads(1).build()?;
/// let obj = rt.store().put(String::from("hi"));
/// let copy = obj.clone();
/// assert_eq!(copy.id(), obj.id());
/// let s: String = rt.block_on(obj.get())?; // a clone of the stored value
/// let shared = rt.block_on(obj.get_shared())?; // the stored value itself
/// assert_eq!(s, *shared);
/// # Ok::<(), rustyray::Error>(())
/// ```
///
/// On the wire (serde) a ref is its [`ObjectId`]: a value that contains refs serializes to
/// their ids; resolve them on the other side with [`Store::get_ref`](super::Store::get_ref).
pub struct ObjectRef<T> {
    cell: Shared<ObjectCell<T>>,
}

impl<T> ObjectRef<T> {
    pub(crate) fn from_cell(cell: Shared<ObjectCell<T>>) -> Self {
        ObjectRef { cell }
    }

    pub(crate) fn cell(&self) -> &ObjectCell<T> {
        &self.cell
    }

    /// True if this is the object's only ref (if the object has no id either, through which
    /// the registry could hand out another, nobody else can ever read the value).
    pub(crate) fn is_only_ref(&self) -> bool {
        Shared::strong_count(&self.cell) == 1
    }

    /// True once the object holds a value or an error (a `get` would not wait).
    pub fn is_ready(&self) -> bool {
        self.cell.is_ready()
    }

    /// Waits for the object and returns the stored value itself, shared: no copy, every call
    /// returns the same `Arc`. Resolves to the stored error if the producer failed.
    pub fn get_shared(&self) -> GetShared<'_, T> {
        GetShared { waiting: Waiting::new(&self.cell) }
    }

    /// Runs `then` once the object is ready (a value or an error): at once on this thread
    /// if it is, else on the thread that completes it, right after the completion (so
    /// keep it short: hand work off, do not do it there). It does not keep the object
    /// alive: if every ref is dropped before it is ready, `then` is dropped unrun.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    /// # let rt = rustyray::Runtime::builder().worker_threads(1).build()?;
    /// let (obj, promise) = rt.store().pending::<u8>();
    /// let ran = Arc::new(AtomicBool::new(false));
    /// obj.on_ready({
    ///     let ran = ran.clone();
    ///     move || ran.store(true, Ordering::SeqCst)
    /// });
    /// assert!(!ran.load(Ordering::SeqCst));
    /// promise.fulfill(Ok(1)); // runs `then` here, on this thread
    /// assert!(ran.load(Ordering::SeqCst));
    /// # Ok::<(), rustyray::Error>(())
    /// ```
    pub fn on_ready(&self, then: impl FnOnce() + Send + 'static) {
        let once = Arc::new(super::on_ready::OnReady::new(then));
        let waker = core::task::Waker::from(Arc::clone(&once));
        let mut key = None;
        if self.cell.ready_or_register(&waker, &mut key) {
            once.run();
        }
    }

    /// What [`get_shared`](Self::get_shared) resolves to if the object is ready, without
    /// waiting (and outside any task: it never yields to the scheduler); `None` while it
    /// is pending.
    ///
    /// ```
    /// # let rt = rustyray::Runtime::builder().worker_threads(1).build()?;
    /// let (obj, promise) = rt.store().pending::<u8>();
    /// assert!(obj.try_get_shared().is_none());
    /// promise.fulfill(Ok(7));
    /// assert_eq!(obj.try_get_shared().map(|r| r.map(|v| *v)), Some(Ok(7)));
    /// # Ok::<(), rustyray::Error>(())
    /// ```
    pub fn try_get_shared(&self) -> Option<Result<Arc<T>, Error>> {
        self.cell.read_if_ready(Stored::shared)
    }
}

impl<T: Send + Sync + 'static> ObjectRef<T> {
    /// The object's id in its store (assigned on first use: objects nobody names never
    /// touch the store's registry).
    pub fn id(&self) -> ObjectId {
        self.cell.id(&self.cell)
    }
}

impl<T: Clone> ObjectRef<T> {
    /// Waits for the object and returns a clone of its value (as Ray's `get` returns the
    /// value), or the error the producer stored (e.g. [`Error::TaskPanicked`],
    /// [`Error::ObjectLost`]).
    pub fn get(&self) -> Get<'_, T> {
        Get { waiting: Waiting::new(&self.cell) }
    }

    /// Like [`get`](Self::get), giving up with [`Error::Timeout`] after `duration` (`std`
    /// only). The object is unaffected; a later `get` may still succeed.
    ///
    /// ```
    /// use std::time::Duration;
    /// # let rt = rustyray::Runtime::builder().worker_threads(1).build()?;
    /// let (obj, _promise) = rt.store().pending::<u8>();
    /// let r = rt.block_on(obj.get_timeout(Duration::from_millis(10)));
    /// assert_eq!(r, Err(rustyray::Error::Timeout));
    /// # Ok::<(), rustyray::Error>(())
    /// ```
    #[cfg(feature = "std")]
    pub async fn get_timeout(&self, duration: core::time::Duration) -> Result<T, Error> {
        crate::time::timeout(duration, self.get()).await?
    }
}

impl<T> Clone for ObjectRef<T> {
    fn clone(&self) -> Self {
        ObjectRef { cell: Shared::clone(&self.cell) }
    }
}

impl<T> fmt::Debug for ObjectRef<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectRef").field("id", &self.cell.assigned_id()).field("ready", &self.is_ready()).finish()
    }
}

/// Two refs are equal when they name the same object.
impl<T> PartialEq for ObjectRef<T> {
    fn eq(&self, other: &Self) -> bool {
        Shared::ptr_eq(&self.cell, &other.cell)
    }
}

impl<T> Eq for ObjectRef<T> {}

/// Hashes the object's identity (consistent with `==`).
impl<T> Hash for ObjectRef<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        Shared::as_ptr(&self.cell).hash(state);
    }
}

/// A ref serializes as its [`ObjectId`] (a `u64`); inside a link's call (feature `node`),
/// as a reference the peer can read (see `rustyray::node`).
impl<T: serde::Serialize + Send + Sync + 'static> serde::Serialize for ObjectRef<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[cfg(feature = "node")]
        if let Some(link) = super::link::current() {
            let local = self.cell.assigned_id();
            return link.encode_ref(Arc::new(self.clone()), local).serialize(serializer);
        }
        self.id().serialize(serializer)
    }
}

/// A registration in an object's waiter list, withdrawn on drop: the shared part of [`Get`]
/// and [`GetShared`].
struct Waiting<'a, T> {
    cell: &'a ObjectCell<T>,
    key: Option<WaiterKey>,
}

impl<'a, T> Waiting<'a, T> {
    fn new(cell: &'a ObjectCell<T>) -> Self {
        Waiting { cell, key: None }
    }

    fn poll_outcome<R>(
        &mut self,
        cx: &mut Context<'_>,
        read: impl FnOnce(&mut Stored<T>) -> Result<R, Error>,
    ) -> Poll<Result<R, Error>> {
        if poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        match self.cell.read_or_register(cx.waker(), &mut self.key, |stored, _named| read(stored)) {
            Some(outcome) => Poll::Ready(outcome),
            None => {
                // The hook for the layers above (see `object::watch`): a remote task
                // blocked in `get` gives its CPU share back.
                #[cfg(feature = "std")]
                super::watch::note_wait();
                Poll::Pending
            }
        }
    }
}

impl<T> Drop for Waiting<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.cell.deregister(key);
        }
    }
}

/// Future of [`ObjectRef::get`]: a clone of the value, or the stored error.
#[must_use = "futures do nothing unless awaited"]
pub struct Get<'a, T> {
    waiting: Waiting<'a, T>,
}

impl<T: Clone> Future for Get<'_, T> {
    type Output = Result<T, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.waiting.poll_outcome(cx, |stored| stored.value().cloned())
    }
}

impl<T> fmt::Debug for Get<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Get").field("id", &self.waiting.cell.assigned_id()).finish()
    }
}

/// Future of [`ObjectRef::get_shared`]: the stored value itself, or the stored error.
#[must_use = "futures do nothing unless awaited"]
pub struct GetShared<'a, T> {
    waiting: Waiting<'a, T>,
}

impl<T> Future for GetShared<'_, T> {
    type Output = Result<Arc<T>, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.waiting.poll_outcome(cx, Stored::shared)
    }
}

impl<T> fmt::Debug for GetShared<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetShared").field("id", &self.waiting.cell.assigned_id()).finish()
    }
}
