//! [`Extras`]: what only some actors need — a name, the bookkeeping of
//! `max_task_retries`, and the log of restarts — boxed once, so an actor without them pays
//! one word for all of it.
//!
//! Every idle actor holds every byte of its block; before, the name, the call kept for a
//! retry, the call waiting to run again, its run count and the retry limit took five
//! words across the shared state, the context and the loop.

use alloc::boxed::Box;

use super::traits::Actor;
use crate::sync::Lock;

/// How an actor's restarts are paced (nothing to pace without `std`: no panic is caught).
#[cfg(feature = "std")]
pub(crate) type Restarts = super::restart::RestartPolicy;
/// How an actor's restarts are paced (nothing to pace without `std`: no panic is caught).
#[cfg(not(feature = "std"))]
pub(crate) type Restarts = ();

/// The rarely used parts of an actor. See the [module docs](self).
pub(crate) struct Extras<A: Actor> {
    /// The actor's name (named actors are registered per runtime).
    pub(crate) name: Option<Box<str>>,
    /// Runs allowed to a call after the first, if its method panics (0: calls are not kept).
    max_task_retries: u32,
    /// Touched by the actor's own loop only (a lock because the context is shared by
    /// reference with the methods; it is never contended).
    retry: Lock<Retry<A>>,
    /// The actor's recent restarts (actors with `max_restarts > 0`); touched by its loop
    /// only.
    #[cfg(feature = "std")]
    restarts: Option<Lock<super::restart::RestartLog>>,
    /// How many calls of each group may run at once (`#[concurrent]` actors with
    /// `max_concurrency` above 1 or named groups).
    concurrency: Option<super::concurrent::Concurrency>,
}

/// The retry bookkeeping of the call in progress.
struct Retry<A: Actor> {
    /// The call in progress, kept (its arguments cloned, its reply slot moved here) so
    /// that, if its method panics, it can run again after the restart.
    kept: Option<A::Msg>,
    /// A call whose method panicked, to run again first (after the restart), with the
    /// number of times it has run so far.
    again: Option<(A::Msg, u32)>,
    /// How many times the call in progress ran before (0 unless it is a retry).
    runs: u32,
}

impl<A: Actor> Extras<A> {
    /// The extras of an actor with this name, retry limit and restart pacing (`restarts`:
    /// `None` if it has no restarts); `None` if it needs none.
    pub(crate) fn new(
        name: Option<Box<str>>,
        max_task_retries: u32,
        restarts: Option<Restarts>,
        concurrency: Option<super::concurrent::Concurrency>,
    ) -> Option<Box<Self>> {
        (name.is_some() || max_task_retries > 0 || restarts.is_some() || concurrency.is_some()).then(|| {
            #[cfg(not(feature = "std"))]
            let _ = restarts;
            Box::new(Extras {
                name,
                max_task_retries,
                retry: Lock::new(Retry { kept: None, again: None, runs: 0 }),
                #[cfg(feature = "std")]
                restarts: restarts.map(|policy| Lock::new(super::restart::RestartLog::new(policy))),
                concurrency,
            })
        })
    }

    /// The restart log, for an actor with restarts.
    #[cfg(feature = "std")]
    pub(crate) fn restarts(&self) -> Option<&Lock<super::restart::RestartLog>> {
        self.restarts.as_ref()
    }

    /// How many calls of each group may run at once, for an actor that runs calls side by
    /// side.
    pub(crate) fn concurrency(&self) -> Option<&super::concurrent::Concurrency> {
        self.concurrency.as_ref()
    }

    /// True if calls are kept for a retry.
    #[inline]
    pub(crate) fn keeps_calls(&self) -> bool {
        self.max_task_retries > 0
    }

    /// Keeps `msg`, a copy of the call in progress, for a retry.
    pub(crate) fn keep(&self, msg: A::Msg) {
        let previous = self.retry.with(|r| r.kept.replace(msg));
        debug_assert!(previous.is_none(), "one call in progress at a time");
    }

    /// Takes back the kept call.
    pub(crate) fn take_kept(&self) -> Option<A::Msg> {
        self.retry.with(|r| r.kept.take())
    }

    /// Before the next call: the call to run again, if one is waiting (it becomes the
    /// call in progress); else the next call will be a first run.
    pub(crate) fn take_again(&self) -> Option<A::Msg> {
        self.retry.with(|r| match r.again.take() {
            Some((msg, runs)) => {
                r.runs = runs;
                Some(msg)
            }
            None => {
                r.runs = 0;
                None
            }
        })
    }

    #[cfg(feature = "std")]
    /// The actor's loop is gone (finished, or dropped by shutdown mid-call): takes the
    /// calls kept here, for the caller to answer now (not when the last handle goes).
    pub(crate) fn clear(&self) -> impl Iterator<Item = A::Msg> {
        let (kept, again) = self.retry.with(|r| (r.kept.take(), r.again.take()));
        kept.into_iter().chain(again.map(|(msg, _)| msg))
    }

    /// The call in progress (`kept`) failed and the actor was rebuilt: queues it to run
    /// again if it has runs left, else hands it back.
    pub(crate) fn run_again(&self, kept: A::Msg) -> Result<(), A::Msg> {
        self.retry.with(|r| {
            if r.runs < self.max_task_retries {
                r.again = Some((kept, r.runs + 1));
                Ok(())
            } else {
                Err(kept)
            }
        })
    }
}
