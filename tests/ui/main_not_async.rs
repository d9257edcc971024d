// `#[rustyray::main]` needs an `async fn main`.
#[rustyray::main]
fn main() {}
