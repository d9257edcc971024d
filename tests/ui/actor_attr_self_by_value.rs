// A method that takes `self` by value would consume the actor's state.
#[rustyray::actor]
pub struct Counter {
    value: i32,
}

#[rustyray::actor_methods]
impl Counter {
    pub fn new() -> Self {
        Counter { value: 0 }
    }

    pub fn into_value(self) -> i32 {
        self.value
    }
}

fn main() {}
