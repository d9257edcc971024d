// An exported actor's argument and result types must be serde types.
pub struct Opaque(u8);

#[rustyray::actor]
pub struct Store {
    last: u8,
}

#[rustyray::actor_methods(export)]
impl Store {
    pub fn new() -> Self {
        Store { last: 0 }
    }
    pub fn put(&mut self, v: Opaque) -> u8 {
        self.last = v.0;
        self.last
    }
}

fn main() {}
