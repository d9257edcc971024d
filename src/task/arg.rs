//! [`Arg`]: what a remote function's argument position accepts — the value itself, or an
//! [`ObjectRef`] to it, resolved before the task runs.

use alloc::sync::Arc;
use core::fmt;
use core::future::{ready, Future, Ready};
use core::pin::Pin;
use core::task::{Context, Poll};

use crate::executor::poll_proceed;
use crate::object::cell::Stored;
use crate::object::ObjectRef;
use crate::Error;

/// An argument of a remote function whose parameter has type `T`: either a `T`, or an
/// [`ObjectRef<T>`] (the task waits for the object and runs with its value; if the object
/// holds an error, the task does not run and its result is that error).
///
/// For a parameter of type `Arc<T>`, an `ObjectRef<T>` is accepted too: the task gets the
/// stored value itself, shared, without a copy.
///
/// | parameter | accepted arguments | how a ref is resolved |
/// |---|---|---|
/// | `T` | `T`, `ObjectRef<T>` (needs `T: Clone`) | the value is moved out if the task held the last ref, else cloned |
/// | `Arc<T>` | `Arc<T>`, `ObjectRef<T>`, `ObjectRef<Arc<T>>` | the stored `Arc` is shared |
/// | `ObjectRef<T>` | `ObjectRef<T>` | passed as is (not resolved), as Ray does for nested refs |
///
/// The impls for `T` and for `ObjectRef<T>` never overlap (an `ObjectRef<T>` is never a
/// `T`), so every call site picks one without annotations. Sealed: rustyray provides the
/// impls.
///
/// ```
/// use rustyray::task::Arg;
/// fn takes_i32(_: impl Arg<i32>) {}
/// let store = rustyray::Store::new();
/// takes_i32(5);
/// takes_i32(store.put(5));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be passed where a remote function expects a `{T}`",
    label = "expected a `{T}` or an `ObjectRef<{T}>`",
    note = "pass the value itself or an `ObjectRef` to it; a ref argument needs `{T}: Clone` (take an `Arc<..>` parameter to share the stored value without a copy), and arguments must be `Send + 'static`"
)]
pub trait Arg<T>: Send + 'static + sealed::Sealed<T> {
    /// The future resolving the argument.
    #[doc(hidden)]
    type Resolve: Future<Output = Result<T, Error>> + Send + 'static;

    /// Starts resolving the argument.
    #[doc(hidden)]
    fn resolve(self) -> Self::Resolve;
}

mod sealed {
    pub trait Sealed<T> {}
}

impl<T: Send + 'static> sealed::Sealed<T> for T {}
impl<T: Send + 'static> Arg<T> for T {
    type Resolve = Ready<Result<T, Error>>;

    fn resolve(self) -> Self::Resolve {
        ready(Ok(self))
    }
}

impl<T: Clone + Send + Sync + 'static> sealed::Sealed<T> for ObjectRef<T> {}
impl<T: Clone + Send + Sync + 'static> Arg<T> for ObjectRef<T> {
    type Resolve = ResolveRef<T, T>;

    fn resolve(self) -> Self::Resolve {
        ResolveRef::new(self, take_or_clone::<T>)
    }
}

impl<T: Send + Sync + 'static> sealed::Sealed<Arc<T>> for ObjectRef<T> {}
impl<T: Send + Sync + 'static> Arg<Arc<T>> for ObjectRef<T> {
    type Resolve = ResolveRef<T, Arc<T>>;

    fn resolve(self) -> Self::Resolve {
        ResolveRef::new(self, |stored, _| stored.shared())
    }
}

/// A task argument that is either the value or a ref to it, decided at run time (an
/// argument that arrived over a link: see `rustyray::node`). Resolved as each form is.
#[derive(Debug)]
pub enum ValueOrRef<T> {
    /// The value itself.
    Value(T),
    /// A ref to it (needs `T: Clone`, as an `ObjectRef<T>` argument does).
    Ref(ObjectRef<T>),
}

impl<T: Clone + Send + Sync + 'static> sealed::Sealed<T> for ValueOrRef<T> {}
impl<T: Clone + Send + Sync + 'static> Arg<T> for ValueOrRef<T> {
    type Resolve = ResolveEither<T>;

    fn resolve(self) -> Self::Resolve {
        match self {
            ValueOrRef::Value(v) => ResolveEither::Ready(Some(v)),
            ValueOrRef::Ref(r) => ResolveEither::Ref(ResolveRef::new(r, take_or_clone::<T>)),
        }
    }
}

/// Resolves a [`ValueOrRef`].
#[doc(hidden)]
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub enum ResolveEither<T> {
    /// The value, until taken.
    Ready(Option<T>),
    /// Waiting for the ref's object.
    Ref(ResolveRef<T, T>),
}

impl<T> Unpin for ResolveEither<T> {}

impl<T> Future for ResolveEither<T> {
    type Output = Result<T, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut *self {
            ResolveEither::Ready(v) => Poll::Ready(Ok(v.take().expect("ResolveEither polled after completion"))),
            ResolveEither::Ref(r) => Pin::new(r).poll(cx),
        }
    }
}

/// The stored value, moved out if nobody else can read it (the task's ref was the last
/// one), else cloned.
fn take_or_clone<T: Clone>(stored: &mut Stored<T>, last_ref: bool) -> Result<T, Error> {
    if last_ref {
        stored.take()
    } else {
        stored.value().cloned()
    }
}

/// Resolves an [`ObjectRef`] argument: waits (woken by the object, never polling in a
/// loop), then drops the ref *before* extracting the value, so that a task holding the
/// last ref moves the value out instead of cloning it, and the object is freed as soon
/// as its last consumer has started.
#[doc(hidden)]
#[must_use = "futures do nothing unless awaited"]
pub struct ResolveRef<T, U> {
    object: Option<ObjectRef<T>>,
    key: Option<usize>,
    extract: Extract<T, U>,
}

/// Reads a resolved argument out of the stored value; the flag says whether the resolving
/// ref is the last one (so the value may be moved out).
type Extract<T, U> = fn(&mut Stored<T>, bool) -> Result<U, Error>;

impl<T, U> ResolveRef<T, U> {
    fn new(object: ObjectRef<T>, extract: Extract<T, U>) -> Self {
        ResolveRef { object: Some(object), key: None, extract }
    }
}

impl<T, U> Future for ResolveRef<T, U> {
    type Output = Result<U, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let Some(object) = &this.object else { panic!("ResolveRef polled after completion") };
        if poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        let extract = this.extract;
        // Under the object's lock: with no other ref (and no id, through which the registry
        // could hand out a new one) nobody else can read the value.
        let read = |stored: &mut Stored<T>, named: bool| extract(stored, !named && object.is_only_ref());
        match object.cell().read_or_register(cx.waker(), &mut this.key, read) {
            None => Poll::Pending,
            Some(result) => {
                // The object is freed now if ours was its last ref.
                drop(this.object.take());
                Poll::Ready(result)
            }
        }
    }
}

impl<T, U> Drop for ResolveRef<T, U> {
    fn drop(&mut self) {
        if let (Some(key), Some(object)) = (self.key.take(), &self.object) {
            object.cell().deregister(key);
        }
    }
}

impl<T, U> fmt::Debug for ResolveRef<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResolveRef").field("object", &self.object).finish()
    }
}
