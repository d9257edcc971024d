//! [`ActorOptions`]: how an actor is created (name, restarts, mailbox).
//!
//! ```
//! # #[rustyray::main]
//! # async fn main() -> Result<(), rustyray::Error> {
//! # rustyray::dsl::actor! {
//! #     pub struct Counter { value: i32 }
//! #     impl Counter {
//! #         pub fn new() -> Self { Counter { value: 0 } }
//! #         pub fn get(&self) -> i32 { self.value }
//! #     }
//! # }
//! let c = Counter::options().name("c").max_restarts(3).mailbox_capacity(1024).remote().await?;
//! assert_eq!(c.get().await?.get().await?, 0);
//! # Ok(()) }
//! ```

use alloc::string::String;
use core::future::Ready;
use core::marker::PhantomData;

use super::handle::ActorHandle;
use super::supervisor;
use super::traits::Actor;
use crate::host::Host;
use crate::mailbox::{Capacity, Mailbox};
use crate::Error;

/// Options for creating an actor; finish with `remote(args)` or `remote_on(&host, args)`.
/// (An actor declared with the macros or the DSL has its own options type, from
/// `Name::options()`, whose `remote…` take the constructor's arguments flat.)
#[must_use = "options do nothing until .remote(…) is called"]
pub struct ActorOptions<A: Actor> {
    pub(crate) name: Option<String>,
    pub(crate) get_if_exists: bool,
    pub(crate) max_restarts: u32,
    pub(crate) max_task_retries: u32,
    pub(crate) max_concurrency: u32,
    pub(crate) capacity: Capacity,
    /// Restart pacing: backoff and intensity.
    #[cfg(feature = "std")]
    pub(crate) restart: super::restart::RestartPolicy,
    /// Builds a fixed-capacity mailbox instead (capacity in the type; see `fixed_mailbox`).
    pub(crate) fixed: Option<fn() -> Mailbox<A::Msg>>,
    _actor: PhantomData<fn() -> A>,
}

impl<A: Actor> core::fmt::Debug for ActorOptions<A> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ActorOptions")
            .field("actor", &core::any::type_name::<A>())
            .field("name", &self.name)
            .field("max_restarts", &self.max_restarts)
            .field("max_task_retries", &self.max_task_retries)
            .field("max_concurrency", &self.max_concurrency)
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl<A: Actor> Default for ActorOptions<A> {
    fn default() -> Self {
        ActorOptions {
            name: None,
            get_if_exists: false,
            max_restarts: 0,
            max_task_retries: 0,
            max_concurrency: 1,
            capacity: Capacity::Unbounded,
            #[cfg(feature = "std")]
            restart: super::restart::RestartPolicy::default(),
            fixed: None,
            _actor: PhantomData,
        }
    }
}

impl<A: Actor> ActorOptions<A> {
    /// Default options: unnamed, no restarts, unbounded mailbox.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the actor under `name` (per runtime). A named actor keeps running when
    /// its handles are dropped; find it with [`get_actor`](crate::get_actor).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// With a name: return the existing actor of that name instead of failing with
    /// `NameTaken` (get-or-create).
    pub fn get_if_exists(mut self, yes: bool) -> Self {
        self.get_if_exists = yes;
        self
    }

    /// How many times a panicking actor is rebuilt (its constructor re-run with the same
    /// arguments) before it dies. Default 0.
    ///
    /// Needs `std`: without unwinding a panic cannot be caught, it runs the firmware's panic
    /// handler instead (see `docs/semantics.md` §2.4).
    pub fn max_restarts(mut self, n: u32) -> Self {
        self.max_restarts = n;
        self
    }

    /// Backoff between quick restarts: a restart within `2 × max` of the previous one waits
    /// `min`, then twice as long each time, at most `max`; a restart after a quiet spell
    /// is immediate. Calls wait in the mailbox meanwhile (a `kill()` ends the wait).
    /// Default: 1 ms to 1 s. `restart_backoff(Duration::ZERO, Duration::ZERO)` restarts at
    /// once every time. See `docs/semantics.md` §2.4.
    #[cfg(feature = "std")]
    pub fn restart_backoff(mut self, min: core::time::Duration, max: core::time::Duration) -> Self {
        self.restart.backoff_min = min;
        self.restart.backoff_max = max;
        self
    }

    /// Restart intensity (an Erlang/OTP supervisor's `intensity` and `period`): an actor
    /// that would restart more than `restarts` times within any `period` dies instead
    /// (its calls fail with `ActorDied`), even with `max_restarts` left. Default: 10
    /// restarts within 1 s.
    #[cfg(feature = "std")]
    pub fn restart_intensity(mut self, restarts: u32, period: core::time::Duration) -> Self {
        self.restart.intensity = restarts;
        self.restart.period = period;
        self
    }

    /// How many times a call whose method panicked is re-run on the rebuilt actor. The
    /// retry needs the call's arguments again, so it applies to calls whose arguments are
    /// `Clone`; others fail with `TaskPanicked`. Default 0.
    pub fn max_task_retries(mut self, n: u32) -> Self {
        self.max_task_retries = n;
        self
    }

    /// How many calls of the default group may run at once on an actor declared
    /// `#[concurrent]` (Ray's `max_concurrency` for async actors): its `&self` methods'
    /// calls interleave at their `await`s, up to `n` at a time, on the actor's own task.
    /// `&mut self` methods still run alone: each waits for the calls received before it
    /// to finish, and calls received after it wait for it. Named groups
    /// (`#[concurrent(health = 1)]`) have their own limits. Default 1 (one call at a time).
    /// `0`, or above 1 for an actor not declared `#[concurrent]`, is rejected with
    /// `InvalidConfig` at creation.
    pub fn max_concurrency(mut self, n: u32) -> Self {
        self.max_concurrency = n;
        self
    }

    /// A bounded mailbox of `n` messages: a caller's `.await` waits for room when it is
    /// full (backpressure). `0` is rejected with `InvalidConfig` at creation.
    pub fn mailbox_capacity(mut self, n: usize) -> Self {
        self.capacity = Capacity::Bounded(n);
        self
    }

    /// An unbounded mailbox (the default).
    pub fn unbounded_mailbox(mut self) -> Self {
        self.capacity = Capacity::Unbounded;
        self.fixed = None;
        self
    }

    /// A fixed-capacity mailbox of `N` messages (a power of two, at least 2) whose buffer
    /// is allocated once with the actor and never per message: the form for `no_std`
    /// firmware. Senders wait for room as with [`mailbox_capacity`](Self::mailbox_capacity).
    pub fn fixed_mailbox<const N: usize>(mut self) -> Self {
        self.capacity = Capacity::Bounded(N);
        self.fixed = Some(Mailbox::<A::Msg>::fixed::<N>);
        self
    }

    /// Creates the actor on `host` (a [`Runtime`](crate::Runtime), a
    /// [`Handle`](crate::Handle), or a `(&'static LocalExecutor, &'static Store)` pair) with
    /// the constructor's arguments `args` (`A::Args`, a tuple). Actors declared with the
    /// macros or the DSL take their arguments flat instead: `Counter::options()….remote_on(&rt, 41)`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for an option out of range, [`Error::NameTaken`] for a
    /// running actor's name (unless `get_if_exists`), [`Error::RuntimeShutdown`].
    ///
    /// The actor is created by this call (its loop is spawned; its constructor runs on it),
    /// and the returned future is ready at once: like every way of creating work it is
    /// awaited (`.remote_on(&rt, args).await?`), and it costs no state machine of its own.
    pub fn remote_on(self, host: &impl Host, args: A::Args) -> Ready<Result<ActorHandle<A>, Error>> {
        core::future::ready(supervisor::start(host, args, self))
    }

    /// Creates the actor on the current (or default) runtime with `args`; see
    /// [`remote_on`](Self::remote_on).
    ///
    /// # Errors
    /// As [`remote_on`](Self::remote_on); [`Error::NoRuntime`] with no runtime.
    #[cfg(feature = "std")]
    pub async fn remote(self, args: A::Args) -> Result<ActorHandle<A>, Error> {
        // Borrowed, not cloned: the runtime's count is shared by every thread.
        crate::host::with_current_or_default(|parts| supervisor::start(parts, args, self))?
    }
}
