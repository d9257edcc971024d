// A restart re-runs *the* constructor: there can be only one.
#[rustyray::actor]
pub struct Counter {
    value: i32,
}

#[rustyray::actor_methods]
impl Counter {
    pub fn new() -> Self {
        Counter { value: 0 }
    }

    pub fn starting_at(value: i32) -> Counter {
        Counter { value }
    }

    pub fn get(&self) -> i32 {
        self.value
    }
}

fn main() {}
