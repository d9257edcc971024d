// `#[rustyray::main]` goes on a function, not on other items.
#[rustyray::main]
struct Main;

fn main() {}
