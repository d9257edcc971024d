// `#[rustyray::main]` goes on `fn main` only.
#[rustyray::main]
async fn start() {}

fn main() {}
