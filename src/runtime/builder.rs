//! [`Builder`]: configures and starts a [`Runtime`].

use alloc::string::String;

use super::Runtime;
use crate::Error;

/// The most worker threads a runtime accepts (the idle bookkeeping packs counts in 16 bits).
pub const MAX_WORKER_THREADS: usize = 4096;

/// Configures a [`Runtime`].
///
/// ```
/// let rt = rustyray::Runtime::builder()
///     .worker_threads(2)
///     .thread_name("my-app-worker")
///     .build()?;
/// assert_eq!(rt.worker_threads(), 2);
/// # Ok::<(), rustyray::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "a Builder does nothing until .build() is called"]
pub struct Builder {
    pub(crate) worker_threads: Option<usize>,
    pub(crate) thread_name: String,
    pub(crate) thread_stack_size: Option<usize>,
    pub(crate) num_cpus: Option<f64>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder { worker_threads: None, thread_name: "rustyray-worker".into(), thread_stack_size: None, num_cpus: None }
    }
}

impl Builder {
    /// A builder with the defaults: one worker per available CPU.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of worker threads (1 ..= 4096). Default: the number of available CPUs.
    pub fn worker_threads(mut self, n: usize) -> Self {
        self.worker_threads = Some(n);
        self
    }

    /// Name prefix of the worker threads (`"<name>-<index>"`).
    pub fn thread_name(mut self, name: impl Into<String>) -> Self {
        self.thread_name = name.into();
        self
    }

    /// Stack size of each worker thread, in bytes.
    pub fn thread_stack_size(mut self, bytes: usize) -> Self {
        self.thread_stack_size = Some(bytes);
        self
    }

    /// CPUs the runtime shares out to remote tasks (fractional, > 0). A task holds its
    /// `num_cpus` (default 1.0) while its body runs; tasks wait, first come first served,
    /// until their share is free. Default: the number of worker threads.
    ///
    /// ```
    /// #[rustyray::remote(num_cpus = 0.5)]
    /// fn light() -> u8 { 1 }
    ///
    /// fn main() -> Result<(), rustyray::Error> {
    ///     // Two workers, but at most one CPU's worth of tasks at a time: two `light` tasks.
    ///     let rt = rustyray::Runtime::builder().worker_threads(2).num_cpus(1.0).build()?;
    ///     let r = rt.block_on(async { light::remote().await?.get().await })?;
    ///     assert_eq!(r, 1);
    ///     Ok(())
    /// }
    /// ```
    pub fn num_cpus(mut self, cpus: f64) -> Self {
        self.num_cpus = Some(cpus);
        self
    }

    /// Starts the runtime's threads.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for an out-of-range option; [`Error::ThreadSpawn`] if the
    /// operating system refuses a thread (the threads already started are stopped).
    pub fn build(self) -> Result<Runtime, Error> {
        let workers = match self.worker_threads {
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        if workers == 0 || workers > MAX_WORKER_THREADS {
            return Err(Error::InvalidConfig { reason: "worker_threads must be between 1 and 4096" });
        }
        if self.num_cpus.is_some_and(|c| !(c.is_finite() && c > 0.0 && c <= 1_000_000.0)) {
            return Err(Error::InvalidConfig { reason: "num_cpus must be a finite number > 0 (at most 1e6)" });
        }
        if self.thread_stack_size.is_some_and(|s| s < 16 * 1024) {
            return Err(Error::InvalidConfig { reason: "thread_stack_size must be at least 16 KiB" });
        }
        Runtime::start(&self, workers)
    }
}
