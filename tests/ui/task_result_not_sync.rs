// A task's result is stored as an object shared between threads: `Send + Sync + 'static`.
use std::cell::Cell;

#[rustyray::remote]
fn counter() -> Cell<i32> {
    Cell::new(0)
}

fn main() {}
