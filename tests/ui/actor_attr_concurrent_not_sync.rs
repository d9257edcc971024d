// A concurrent actor's `&self` calls share it across awaits: it must be `Sync`
// (a `Cell` is not; use an atomic or a lock).
use std::cell::Cell;

#[rustyray::actor]
pub struct Hits {
    n: Cell<u32>,
}

#[rustyray::actor_methods(concurrent)]
impl Hits {
    pub fn new() -> Self {
        Hits { n: Cell::new(0) }
    }
    pub async fn hit(&self) -> u32 {
        self.n.set(self.n.get() + 1);
        self.n.get()
    }
}

fn main() {}
