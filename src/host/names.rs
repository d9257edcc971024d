//! [`NameTable`]: a runtime's named actors, `name → actor` with the actor's type recorded.
//! The table is the host's; the typed operations (register, look up with a type check,
//! remove) are the actor layer's (`actor::registry`).

use alloc::boxed::Box;
use alloc::string::String;
use core::any::{Any, TypeId};
use std::collections::HashMap;

use crate::sync::Lock;

/// What the table needs of an actor without knowing its type.
pub(crate) trait Named: Send + Sync {
    /// True once the actor has stopped (its name is free again).
    fn is_stopped(&self) -> bool;
    /// The actor's shared state, to be downcast to its concrete type.
    fn as_any(&self) -> &dyn Any;
    /// Messages queued in its mailbox now.
    fn mailbox_depth(&self) -> usize;
    /// Its type's name (last path segment).
    fn type_name(&self) -> &'static str;
    /// Its name, if it has one.
    fn name(&self) -> Option<&str>;
}

/// One named actor.
pub(crate) struct NameEntry {
    /// The actor's type (a lookup with another type is `TypeMismatch`).
    pub(crate) type_id: TypeId,
    /// The actor's id (a stopped actor removes its name only if it still holds it).
    pub(crate) id: u64,
    /// The actor (not a counted handle: a named actor runs until stopped).
    pub(crate) actor: Box<dyn Named>,
}

/// The named actors of one runtime.
#[derive(Default)]
pub(crate) struct NameTable {
    entries: Lock<HashMap<String, NameEntry>>,
}

impl core::fmt::Debug for NameTable {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("NameTable").field("names", &self.entries.with(|e| e.len())).finish()
    }
}

impl NameTable {
    /// Runs `f` with the table locked. `f` must not drop an actor (that may run user code
    /// that names the table again): hand removed entries out and drop them after.
    /// Every named actor still running, with its mailbox depth now.
    pub(crate) fn depths(&self) -> alloc::vec::Vec<super::gauges::MailboxDepth> {
        self.entries.with(|e| {
            e.iter()
                .filter(|(_, entry)| !entry.actor.is_stopped())
                .map(|(name, entry)| super::gauges::MailboxDepth {
                    id: entry.id,
                    actor: entry.actor.type_name(),
                    name: Some(name.clone()),
                    depth: entry.actor.mailbox_depth(),
                })
                .collect()
        })
    }

    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut HashMap<String, NameEntry>) -> R) -> R {
        self.entries.with(f)
    }
}
