//! A span that ends where its result becomes visible: the poll that may finish a task or an
//! actor call *arms* its span on the thread, and the code that fulfils the result ends it
//! ([`finish`]) just before — so whoever sees a result and then stops the timeline finds
//! its span recorded. A poll that finished without fulfilling anything (a cancelled task,
//! a `tell`) ends it after.

use core::cell::Cell;

use super::{now, record, Span, SpanKind};

/// A span waiting for its end.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pending {
    pub(crate) kind: SpanKind,
    pub(crate) name: &'static str,
    pub(crate) actor: Option<&'static str>,
    pub(crate) submit_ns: Option<u64>,
    pub(crate) start_ns: u64,
}

impl Pending {
    /// Records it, ending now.
    pub(crate) fn record(self, ok: bool) {
        let Pending { kind, name, actor, submit_ns, start_ns } = self;
        record(Span { kind, name, actor, submit_ns, start_ns, end_ns: now(), thread: 0, ok });
    }
}

std::thread_local! {
    static ARMED: Cell<Option<Pending>> = const { Cell::new(None) };
    /// `ARMED` holds a span: the one test the code answering a call pays (a thread-local
    /// read, no shared cache line).
    static ANY: Cell<bool> = const { Cell::new(false) };
}

/// The armed span of one poll; [`disarm`](Armed::disarm) it after the poll.
#[must_use = "disarm it after the poll"]
pub(crate) struct Armed {
    previous: Option<Pending>,
}

/// Arms `pending` on this thread for the poll that follows.
pub(crate) fn arm(pending: Pending) -> Armed {
    ANY.with(|any| any.set(true));
    Armed { previous: ARMED.with(|a| a.replace(Some(pending))) }
}

impl Armed {
    /// Ends the poll: the span, if nothing ended it during the poll.
    pub(crate) fn disarm(self) -> Option<Pending> {
        let previous = self.previous;
        core::mem::forget(self);
        ANY.with(|any| any.set(previous.is_some()));
        ARMED.with(|a| a.replace(previous))
    }
}

impl Drop for Armed {
    /// Unwinding through a poll: restore what was armed before.
    fn drop(&mut self) {
        let _ = ANY.try_with(|any| any.set(self.previous.is_some()));
        let _ = ARMED.try_with(|a| a.set(self.previous));
    }
}

/// True if a span is armed on this thread (a thread-local read).
#[inline]
pub(crate) fn armed() -> bool {
    ANY.try_with(Cell::get).unwrap_or(false)
}

/// The result of the armed task or call is about to be fulfilled: its span ends now.
pub(crate) fn finish(ok: bool) {
    if let Some(pending) = ARMED.with(Cell::take) {
        ANY.with(|any| any.set(false));
        pending.record(ok);
    }
}
