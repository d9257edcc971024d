//! What the macros generate for an *exported* actor or task, and the pieces that code is
//! made of: [`RemoteActor`] (an actor whose messages can be encoded), [`Completer`] (a
//! call's result slot on the caller's side), [`HeldObject`] (an object a node holds for a
//! peer), [`PeerArg`] (a task argument on the caller's side of a link).

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;
use core::future::Future;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::actor::Actor;
use crate::object::{ObjectRef, Promise, Store};
use crate::task::ValueOrRef;
use crate::wire::TaskArg;
use crate::Error;

pub use crate::object::link::{BoxFuture, HeldObject};

/// The caller's side of a call's result: decodes the reply's bytes into the result type and
/// fulfills the call's object.
pub type Completer = Box<dyn FnOnce(Result<&[u8], Error>) + Send>;

/// A type that can cross a link: serde both ways, `Send`, owned. Every argument and result
/// type of an exported actor or task must be one; the macros check it at compile time.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot cross a link: it is not a serde type",
    label = "an exported actor's or task's arguments and results must implement `serde::Serialize` and `serde::Deserialize`",
    note = "derive them (`#[derive(serde::Serialize, serde::Deserialize)]`), or do not export this actor or task"
)]
pub trait Wire: Serialize + DeserializeOwned + Send + 'static {}
impl<T: Serialize + DeserializeOwned + Send + 'static> Wire for T {}

/// An actor whose calls can cross a link: generated for `#[rustyray::actor_methods(export)]`
/// and `dsl::actor! { #[export] impl … }`.
pub trait RemoteActor: Actor {
    /// The actor type's wire name (the struct's name as declared): a peer asking for the
    /// actor under another type gets [`Error::Remote`] (saying which type it is).
    const TYPE_NAME: &'static str;

    /// Writes the message's arguments (postcard) to `out`; returns the method's index and
    /// the call's result slot as a [`Completer`]. On failure the call's object is failed
    /// too.
    #[doc(hidden)]
    fn encode_call(msg: Self::Msg, out: &mut Vec<u8>) -> Result<(u32, Option<Completer>), Error>;

    /// Decodes a call of method `method` with argument bytes `args`: the message (its
    /// result goes to a new object in `store`) and that object.
    #[doc(hidden)]
    fn decode_call(method: u32, args: &[u8], store: &Store) -> Result<(Self::Msg, Arc<dyn HeldObject>), Error>;
}

/// The completer of a call whose result type is `R`.
#[doc(hidden)]
pub fn completer<R: DeserializeOwned + Send + Sync + 'static>(promise: Promise<R>) -> Completer {
    Box::new(move |reply| promise.fulfill(reply.and_then(decode::<R>)))
}

/// A message: `fixed` followed by `detail`. On std the detail is formatted; a firmware
/// keeps only the fixed part (formatting values costs it flash: `Display` code for each
/// type, 64-bit division, the messages themselves).
pub(crate) fn text(fixed: &str, detail: impl core::fmt::Display) -> alloc::string::String {
    #[cfg(feature = "std")]
    return alloc::format!("{fixed}{detail}");
    #[cfg(not(feature = "std"))]
    {
        let _ = detail;
        alloc::string::String::from(fixed)
    }
}

/// Decodes postcard bytes that must hold exactly one `T`.
pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    match postcard::take_from_bytes::<T>(bytes) {
        Ok((value, [])) => Ok(value),
        Ok(_) => Err(not_a_value(None)),
        Err(e) => Err(not_a_value(Some(e))),
    }
}

/// Why bytes did not decode to a value: left over (`None`), or postcard's error. (One
/// copy of the messages for every type decoded.)
fn not_a_value(error: Option<postcard::Error>) -> Error {
    let message = match error {
        None => "bytes left over after the value".into(),
        Some(e) => text("the bytes are not a value of this type: ", e),
    };
    Error::Decode { message }
}

/// Encodes a call's argument tuple onto `out`.
#[doc(hidden)]
pub fn encode_args<T: Serialize>(args: &T, out: &mut Vec<u8>) -> Result<(), Error> {
    let bytes = postcard::to_allocvec(args)
        .map_err(|e| Error::Encode { message: text("the arguments could not be encoded: ", e) })?;
    out.extend_from_slice(&bytes);
    Ok(())
}

/// Decodes a call's argument tuple.
#[doc(hidden)]
pub fn decode_args<T: DeserializeOwned>(args: &[u8]) -> Result<T, Error> {
    decode(args)
}

/// A new pending object for a decoded call's result, held for the peer.
#[doc(hidden)]
pub fn reply_slot<R: Serialize + Send + Sync + 'static>(store: &Store) -> (Promise<R>, Arc<dyn HeldObject>) {
    let (object, promise) = crate::object::pending::<R>(store);
    (promise, Arc::new(object))
}

/// The index of method `name` in `names` (a `const` helper of the generated code).
#[doc(hidden)]
pub const fn method_index(names: &[&str], name: &str) -> u32 {
    let mut i = 0;
    while i < names.len() {
        if crate::actor::concurrent::str_eq(names[i], name) {
            return i as u32;
        }
        i += 1;
    }
    panic!("a method missing from its own actor's method table")
}

/// `Counter #7`: an actor type and a method index it does not have.
struct MissingMethod(&'static str, u32);

impl core::fmt::Display for MissingMethod {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} #{}", self.0, self.1)
    }
}

/// The error for a method index an actor does not have.
#[doc(hidden)]
pub fn no_such_method(actor: &'static str, method: u32) -> Error {
    Error::Decode { message: text("no such method: ", MissingMethod(actor, method)) }
}

// ---- tasks --------------------------------------------------------------------------

/// What an exported task's server side needs from the link: the objects held for the peer.
#[doc(hidden)]
pub type HeldLookup<'a> = &'a dyn Fn(crate::ObjectId) -> Result<Arc<dyn HeldObject>, Error>;

/// Reads argument `arg` of an exported task from the frame's arguments.
#[doc(hidden)]
pub fn wire_arg<T: DeserializeOwned + Clone + Send + Sync + 'static>(
    arg: Option<&TaskArg<'_>>,
    held: HeldLookup<'_>,
) -> Result<ValueOrRef<T>, Error> {
    match arg {
        None => Err(Error::Decode { message: "too few task arguments".into() }),
        Some(TaskArg::Value(bytes)) => decode(bytes).map(ValueOrRef::Value),
        Some(TaskArg::Object(key)) => {
            let object = held(*key)?;
            if let Some(object) = object.as_any().downcast_ref::<ObjectRef<T>>() {
                return Ok(ValueOrRef::Ref(object.clone()));
            }
            match object.as_any().downcast_ref::<HeldError>() {
                Some(HeldError(error)) => Err(error.clone()),
                None => Err(Error::TypeMismatch { expected: core::any::type_name::<T>() }),
            }
        }
    }
}

/// The error for a task frame with more arguments than the function takes.
#[doc(hidden)]
pub fn extra_args(args: &[TaskArg<'_>], used: usize) -> Result<(), Error> {
    if args.len() > used {
        return Err(Error::Decode { message: text("more task arguments than the function takes: ", args.len()) });
    }
    Ok(())
}

/// An exported task's server side: submits it on the node's host with the frame's
/// arguments; returns its result, to be held for the peer.
#[doc(hidden)]
pub type ServeTask = fn(&super::NodeHost, &[TaskArg<'_>], HeldLookup<'_>) -> Result<Arc<dyn HeldObject>, Error>;

/// A remote function a node offers its peers, by name: `add::export()` for a function
/// declared with `#[rustyray::remote(export)]` (or `#[export]` in `dsl::task!`). Pass it
/// to [`Node::export_task`](super::Node::export_task).
#[derive(Clone, Copy)]
pub struct TaskExport {
    pub(crate) name: &'static str,
    pub(crate) serve: ServeTask,
}

impl TaskExport {
    /// Used by generated code.
    #[doc(hidden)]
    pub const fn new(name: &'static str, serve: ServeTask) -> Self {
        TaskExport { name, serve }
    }

    /// The function's name: what peers call it by.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl core::fmt::Debug for TaskExport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TaskExport").field("name", &self.name).finish()
    }
}

/// A task argument on the caller's side of a link, owned: the encoded value, or the key of
/// an object the peer holds for this node (with the proxy ref, kept until the submission is
/// sent, so its release cannot overtake it).
pub struct OwnedTaskArg {
    arg: WireForm,
    _keep: Option<Box<dyn Any + Send>>,
}

enum WireForm {
    Value(Vec<u8>),
    Object(crate::ObjectId),
}

impl OwnedTaskArg {
    fn value(bytes: Vec<u8>) -> Self {
        OwnedTaskArg { arg: WireForm::Value(bytes), _keep: None }
    }

    pub(crate) fn as_wire(&self) -> TaskArg<'_> {
        match &self.arg {
            WireForm::Value(bytes) => TaskArg::Value(bytes),
            WireForm::Object(key) => TaskArg::Object(*key),
        }
    }
}

impl core::fmt::Debug for OwnedTaskArg {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&self.as_wire(), f)
    }
}

/// What an argument position of `remote_at(&peer, …)` accepts: a value (sent encoded), or
/// an [`ObjectRef`] — by reference if the peer holds the object (a result of an earlier
/// task on that peer), else by value once it is ready. Sealed.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be passed where an exported function expects a `{T}`",
    label = "expected a `{T}` or an `ObjectRef<{T}>`"
)]
pub trait PeerArg<T>: Send + 'static + sealed::Sealed<T> {
    /// Turns the argument into its wire form for `peer`.
    #[doc(hidden)]
    fn into_wire(self, peer: &super::Peer) -> impl Future<Output = Result<OwnedTaskArg, Error>> + Send;
}

mod sealed {
    pub trait Sealed<T> {}
}

impl<T: Serialize + Send + 'static> sealed::Sealed<T> for T {}
impl<T: Serialize + Send + 'static> PeerArg<T> for T {
    #[allow(clippy::manual_async_fn)]
    fn into_wire(self, peer: &super::Peer) -> impl Future<Output = Result<OwnedTaskArg, Error>> + Send {
        let encoded = super::lend::with_link(&peer.session, || encode_value(&self));
        async move { encoded.map(OwnedTaskArg::value) }
    }
}

impl<T: Serialize + Clone + Send + Sync + 'static> sealed::Sealed<T> for ObjectRef<T> {}
impl<T: Serialize + Clone + Send + Sync + 'static> PeerArg<T> for ObjectRef<T> {
    #[allow(clippy::manual_async_fn)]
    fn into_wire(self, peer: &super::Peer) -> impl Future<Output = Result<OwnedTaskArg, Error>> + Send {
        let held = peer.session.held_key(self.cell().assigned_id());
        let session = Arc::clone(&peer.session);
        async move {
            match held {
                Some(key) => Ok(OwnedTaskArg { arg: WireForm::Object(key), _keep: Some(Box::new(self)) }),
                None => {
                    let value = self.get_shared().await?;
                    super::lend::with_link(&session, || encode_value(&*value)).map(OwnedTaskArg::value)
                }
            }
        }
    }
}

fn encode_value<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    postcard::to_allocvec(value).map_err(|e| Error::Encode { message: text("the value could not be encoded: ", e) })
}

/// A task that failed before it ran (unknown function, bad arguments): what the peer
/// fetches is the error.
pub(crate) struct HeldError(pub(crate) Error);

impl HeldObject for HeldError {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn when_encoded(&self, then: Box<dyn FnOnce(Result<Vec<u8>, Error>) + Send>) {
        then(Err(self.0.clone()));
    }

    fn when_finished(&self, then: Box<dyn FnOnce() + Send>) {
        then();
    }
}
