//! [`TaskOptions`]: how a remote task is run (CPU share, retries).

use crate::Error;

/// How a remote task is run. Each remote function has an `options()` builder that starts
/// from the values given in `#[options(…)]` / `#[rustyray::remote(…)]` (else these defaults)
/// and finishes with `.remote(args…)` or `.remote_on(&spawner, args…)`:
///
/// | option | default | meaning |
/// |---|---|---|
/// | `num_cpus(f64)` | `1.0` | CPUs the task holds while its body runs (fractional; `0.0` = no admission). Enforced on a std [`Runtime`](crate::Runtime) against its [`Builder::num_cpus`](crate::Builder::num_cpus). |
/// | `max_retries(u32)` | `0` | times a task whose body panicked is re-run (with clones of its arguments) |
/// | `retry_exceptions(bool)` | `false` | also re-run a task that returned `Err(_)` (for `Result` return types) |
///
/// ```
/// let opts = rustyray::task::TaskOptions::new().num_cpus(0.5).max_retries(2);
/// assert_eq!(opts.get_num_cpus(), 0.5);
/// assert_eq!(opts.get_max_retries(), 2);
/// assert!(!opts.get_retry_exceptions());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[must_use = "options do nothing until a task is submitted with them"]
pub struct TaskOptions {
    num_cpus: f64,
    max_retries: u32,
    retry_exceptions: bool,
}

impl Default for TaskOptions {
    fn default() -> Self {
        TaskOptions::new()
    }
}

impl TaskOptions {
    /// The defaults: one CPU, no retries.
    pub const fn new() -> Self {
        TaskOptions { num_cpus: 1.0, max_retries: 0, retry_exceptions: false }
    }

    /// CPUs the task holds while its body runs (fractional). A task asking for more than
    /// its runtime has fails at submission with [`Error::InvalidConfig`].
    pub const fn num_cpus(mut self, cpus: f64) -> Self {
        self.num_cpus = cpus;
        self
    }

    /// How many times a task whose body panicked is re-run. A retry needs the arguments
    /// again: it runs with clones of them, so a task with an argument that is not `Clone`
    /// is not retried.
    pub const fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// Also re-run (within `max_retries`) a task whose result is `Err(_)`. Only meaningful
    /// for functions returning `Result`; other results are never "errors".
    pub const fn retry_exceptions(mut self, yes: bool) -> Self {
        self.retry_exceptions = yes;
        self
    }

    /// The CPU share.
    pub const fn get_num_cpus(&self) -> f64 {
        self.num_cpus
    }

    /// The retry budget.
    pub const fn get_max_retries(&self) -> u32 {
        self.max_retries
    }

    /// Whether `Err` results are retried.
    pub const fn get_retry_exceptions(&self) -> bool {
        self.retry_exceptions
    }

    /// Checks the options; returns the CPU share in units of 1/10,000 CPU.
    #[cfg(feature = "std")]
    pub(crate) fn cpu_units(&self) -> Result<u64, Error> {
        self.check()?;
        Ok(to_units(self.num_cpus))
    }

    /// `(max_retries, retry_exceptions)`: what a task's attempts need of its options.
    pub(crate) fn retry_policy(&self) -> (u32, bool) {
        (self.max_retries, self.retry_exceptions)
    }

    /// Checks the options (`num_cpus` in range). Without `std` this is all a submission
    /// does with them: a `LocalExecutor` runs one task at a time and has no admission, and
    /// skipping the conversion to units keeps soft-float multiply/add out of firmware.
    pub(crate) fn check(&self) -> Result<(), Error> {
        let cpus = self.num_cpus;
        if !cpus.is_finite() || !(0.0..=MAX_CPUS).contains(&cpus) {
            return Err(Error::InvalidConfig { reason: "a task's num_cpus must be a finite number between 0 and 1e6" });
        }
        Ok(())
    }
}

/// Units per CPU: CPU shares are counted in multiples of 1/10,000 CPU (Ray's granularity).
#[cfg(feature = "std")]
pub(crate) const UNITS_PER_CPU: f64 = 10_000.0;
/// The most CPUs a task or a runtime may declare (keeps unit counts far below 2⁶³).
pub(crate) const MAX_CPUS: f64 = 1_000_000.0;

/// A CPU count (finite, in `0 ..= MAX_CPUS`) in units, rounded; a positive share is at
/// least one unit.
#[cfg(feature = "std")]
pub(crate) fn to_units(cpus: f64) -> u64 {
    let units = (cpus * UNITS_PER_CPU + 0.5) as u64;
    if units == 0 && cpus > 0.0 {
        1
    } else {
        units
    }
}
