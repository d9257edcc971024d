//! Named actors (per runtime): `name → actor`, with the actor's type recorded so a lookup
//! with the wrong type is a clear [`Error::TypeMismatch`], never a panic or a wrong value.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use core::any::{Any, TypeId};
use std::collections::HashMap;

use super::handle::{ActorHandle, ActorRef, ActorShared, ActorState};
use super::traits::Actor;
use crate::raw::cell::CellRef;
use crate::sync::Lock;
use crate::Error;

struct Entry {
    type_id: TypeId,
    id: u64,
    /// A `CellRef<ActorShared<A>>` for the recorded `A` (not a counted handle: a named actor
    /// runs until stopped, whatever its handles do).
    actor: Box<dyn Named>,
}

/// What the registry needs of an entry without knowing its actor type.
trait Named: Send + Sync {
    fn is_stopped(&self) -> bool;
    fn as_any(&self) -> &dyn Any;
}

impl<A: Actor> Named for CellRef<ActorShared<A>> {
    fn is_stopped(&self) -> bool {
        self.state() == ActorState::Stopped
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The named actors of one runtime.
#[derive(Default)]
pub(crate) struct Registry {
    entries: Lock<HashMap<String, Entry>>,
}

impl core::fmt::Debug for Registry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Registry").field("names", &self.entries.with(|e| e.len())).finish()
    }
}

fn typed<A: Actor>(entry: &Entry) -> Result<CellRef<ActorShared<A>>, Error> {
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

impl Registry {
    /// Registers `shared` under its name; with `get_if_exists`, returns the running actor
    /// of that name instead (as `Ok(Some(existing))`).
    pub(crate) fn register<A: Actor>(
        &self,
        shared: &CellRef<ActorShared<A>>,
        get_if_exists: bool,
    ) -> Result<Option<ActorHandle<A>>, Error> {
        let name = String::from(shared.name().expect("only named actors are registered"));
        self.entries.with(|entries| {
            // A stopped actor's stale entry is replaced, whatever its type. A running one
            // holds the name for every type; get-or-create hands it out only to its own type.
            if let Some(existing) = entries.get(&name).filter(|e| !e.actor.is_stopped()) {
                if !get_if_exists {
                    return Err(Error::NameTaken { name: name.clone() });
                }
                let s = typed::<A>(existing)?;
                return Ok(Some(ActorHandle::from_ref(ActorRef::counted(s))));
            }
            entries.insert(name, Entry { type_id: TypeId::of::<A>(), id: shared.id, actor: Box::new(shared.clone()) });
            Ok(None)
        })
    }

    /// A typed handle to the actor named `name`.
    pub(crate) fn get<A: Actor>(&self, name: &str) -> Result<ActorHandle<A>, Error> {
        self.entries.with(|entries| {
            let entry = entries.get(name).ok_or_else(|| Error::ActorNotFound { name: name.to_string() })?;
            let shared = typed::<A>(entry)?;
            if shared.state() == ActorState::Stopped {
                return Err(Error::ActorNotFound { name: name.to_string() });
            }
            Ok(ActorHandle::from_ref(ActorRef::counted(shared)))
        })
    }

    /// Removes `name` if it still refers to the actor with `id`.
    pub(crate) fn remove(&self, name: &str, id: u64) {
        let removed = self.entries.with(|entries| {
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
}
