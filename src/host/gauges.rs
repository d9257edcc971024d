//! What a runtime's metrics read that no other part keeps: the process-wide counts of
//! actor restarts and task retries, and the table of the deepest mailboxes seen.
//!
//! A mailbox is seen when its actor takes a backlog of at least [`DEEP`] messages at once
//! (the actor loop knows the size for free); the table keeps the [`KEPT`] deepest, and a
//! snapshot reads each one's depth as it is then.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::AtomicU64;

use super::Named;
use crate::sync::Lock;

/// Actors rebuilt after a panic, process-wide.
pub(crate) static RESTARTS: AtomicU64 = AtomicU64::new(0);
/// Task attempts run again after a failure, process-wide.
pub(crate) static RETRIES: AtomicU64 = AtomicU64::new(0);

/// A backlog this deep (messages taken at once) gets an actor into the table.
pub(crate) const DEEP: usize = 16;
/// Mailboxes the table keeps.
pub(crate) const KEPT: usize = 8;

/// One actor's mailbox in a [`Metrics`](crate::Metrics) snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailboxDepth {
    /// The actor's id.
    pub id: u64,
    /// Its type's name (last path segment).
    pub actor: &'static str,
    /// Its name, if it is named.
    pub name: Option<alloc::string::String>,
    /// Messages queued now (for a bounded mailbox, also those its actor has taken and not
    /// yet handled).
    pub depth: usize,
}

/// One mailbox seen deep.
pub(crate) struct Seen {
    pub(crate) id: u64,
    pub(crate) depth: usize,
    pub(crate) actor: Box<dyn Named>,
}

/// The deepest mailboxes seen on one runtime.
#[derive(Default)]
pub(crate) struct DeepMailboxes {
    table: Lock<Vec<Seen>>,
}

impl core::fmt::Debug for DeepMailboxes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DeepMailboxes").field("kept", &self.table.with(|t| t.len())).finish()
    }
}

impl DeepMailboxes {
    /// Actor `id` took a backlog of `depth`; `actor` (made only if it enters the table)
    /// reads its depth later.
    pub(crate) fn saw(&self, id: u64, depth: usize, actor: impl FnOnce() -> Box<dyn Named>) {
        let replaced = self.table.with(|t| {
            if let Some(seen) = t.iter_mut().find(|s| s.id == id) {
                seen.depth = seen.depth.max(depth);
                return None;
            }
            if t.len() < KEPT {
                t.push(Seen { id, depth, actor: actor() });
                return None;
            }
            let (at, min) = t.iter().enumerate().min_by_key(|(_, s)| s.depth).map(|(i, s)| (i, s.depth))?;
            if depth <= min {
                return None;
            }
            Some(core::mem::replace(&mut t[at], Seen { id, depth, actor: actor() }))
        });
        // A replaced entry drops outside the lock (it may hold an actor's last block ref).
        drop(replaced);
    }

    /// The kept actors that still run, with their depth now.
    pub(crate) fn snapshot(&self) -> Vec<MailboxDepth> {
        let (live, dead): (Vec<Seen>, Vec<Seen>) =
            self.table.with(core::mem::take).into_iter().partition(|s| !s.actor.is_stopped());
        let out = live
            .iter()
            .map(|s| MailboxDepth {
                id: s.id,
                actor: s.actor.type_name(),
                name: s.actor.name().map(alloc::string::String::from),
                depth: s.actor.mailbox_depth(),
            })
            .collect();
        self.table.with(|t| t.extend(live));
        drop(dead);
        out
    }
}
