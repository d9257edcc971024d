// `main` cannot be generic.
#[rustyray::main]
async fn main<T>() {}
