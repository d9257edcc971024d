//! The async-executor baseline's threads, shared by the bench binaries that compare against
//! it: [`EX`] run by `workers` threads until the pool is dropped.

/// The executor the `async_executor` functions use (one pool at a time: each benchmark
/// function starts its own threads and stops them when it is done).
pub static EX: async_executor::Executor<'static> = async_executor::Executor::new();

/// `workers` threads running [`EX`] until dropped.
pub struct AsyncExecutor {
    stop: async_channel::Sender<()>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl AsyncExecutor {
    pub fn start(workers: usize) -> Self {
        let (stop, stopped) = async_channel::bounded::<()>(1);
        let threads = (0..workers)
            .map(|i| {
                let stopped = stopped.clone();
                std::thread::Builder::new()
                    .name(format!("async-executor-{i}"))
                    .spawn(move || {
                        let _ = futures_lite::future::block_on(EX.run(stopped.recv()));
                    })
                    .expect("async-executor thread")
            })
            .collect();
        AsyncExecutor { stop, threads }
    }

    /// Runs `fut` on the calling thread, which helps run [`EX`]'s tasks while it waits.
    pub fn block_on<F: std::future::Future>(&self, fut: F) -> F::Output {
        futures_lite::future::block_on(EX.run(fut))
    }
}

impl Drop for AsyncExecutor {
    fn drop(&mut self) {
        self.stop.close();
        for t in self.threads.drain(..) {
            t.join().expect("async-executor thread panicked");
        }
    }
}
