// Only the constructor, methods and hooks go in the actor's impl block.
#[rustyray::actor]
pub struct Counter {
    value: i32,
}

#[rustyray::actor_methods]
impl Counter {
    const START: i32 = 0;

    pub fn new() -> Self {
        Counter { value: Self::START }
    }

    pub fn get(&self) -> i32 {
        self.value
    }
}

fn main() {}
