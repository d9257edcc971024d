//! Named actors (per runtime): the typed operations on a runtime's name table
//! (`host::NameTable`). The actor's type is recorded with its name, so a lookup with the
//! wrong type is a clear [`Error::TypeMismatch`], never a panic or a wrong value.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use core::any::{Any, TypeId};

use super::handle::{ActorHandle, ActorRef, ActorShared, ActorState};
use super::traits::Actor;
use crate::host::{NameEntry, NameTable, Named};
use crate::raw::cell::CellRef;
use crate::Error;

impl<A: Actor> Named for CellRef<ActorShared<A>> {
    fn is_stopped(&self) -> bool {
        self.state() == ActorState::Stopped
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn mailbox_depth(&self) -> usize {
        self.mailbox.len()
    }
    fn type_name(&self) -> &'static str {
        crate::timeline::short_type_name::<A>()
    }
    fn name(&self) -> Option<&str> {
        ActorShared::name(self)
    }
}

fn typed<A: Actor>(entry: &NameEntry) -> Result<CellRef<ActorShared<A>>, Error> {
    if entry.type_id != TypeId::of::<A>() {
        return Err(Error::TypeMismatch { expected: core::any::type_name::<A>() });
    }
    entry
        .actor
        .as_any()
        .downcast_ref::<CellRef<ActorShared<A>>>()
        .cloned()
        .ok_or(Error::TypeMismatch { expected: core::any::type_name::<A>() })
}

/// Registers `shared` under its name in `names`; with `get_if_exists`, returns the running
/// actor of that name instead (as `Ok(Some(existing))`).
pub(crate) fn register<A: Actor>(
    names: &NameTable,
    shared: &CellRef<ActorShared<A>>,
    get_if_exists: bool,
) -> Result<Option<ActorHandle<A>>, Error> {
    let name = String::from(shared.name().expect("only named actors are registered"));
    let (out, replaced) = names.with(|entries| {
        // A stopped actor's stale entry is replaced, whatever its type. A running one
        // holds the name for every type; get-or-create hands it out only to its own type.
        if let Some(existing) = entries.get(&name).filter(|e| !e.actor.is_stopped()) {
            if !get_if_exists {
                return (Err(Error::NameTaken { name: name.clone() }), None);
            }
            return (typed::<A>(existing).map(|s| Some(ActorHandle::from_ref(ActorRef::counted(s)))), None);
        }
        let entry = NameEntry { type_id: TypeId::of::<A>(), id: shared.id, actor: Box::new(shared.clone()) };
        (Ok(None), entries.insert(name, entry))
    });
    // A stale entry drops outside the lock: it may drop the actor's shared state.
    drop(replaced);
    out
}

/// A typed handle to the actor named `name` in `names`.
pub(crate) fn get<A: Actor>(names: &NameTable, name: &str) -> Result<ActorHandle<A>, Error> {
    names.with(|entries| {
        let entry = entries.get(name).ok_or_else(|| Error::ActorNotFound { name: name.to_string() })?;
        let shared = typed::<A>(entry)?;
        if shared.state() == ActorState::Stopped {
            return Err(Error::ActorNotFound { name: name.to_string() });
        }
        Ok(ActorHandle::from_ref(ActorRef::counted(shared)))
    })
}

/// Removes `name` from `names` if it still refers to the actor with `id`.
pub(crate) fn remove(names: &NameTable, name: &str, id: u64) {
    let removed = names.with(|entries| {
        let is_it = entries.get(name).is_some_and(|e| e.id == id);
        if is_it {
            entries.remove(name)
        } else {
            None
        }
    });
    // Drop outside the lock: it may drop the actor's shared state.
    drop(removed);
}
