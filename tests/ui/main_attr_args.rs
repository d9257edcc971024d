// `#[rustyray::main]` takes no arguments: the runtime is configured with `Runtime::builder()`.
#[rustyray::main(worker_threads = 2)]
async fn main() {}
