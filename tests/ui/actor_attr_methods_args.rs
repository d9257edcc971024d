// #[actor_methods] takes no arguments.
#[rustyray::actor]
pub struct Counter {
    value: i32,
}

#[rustyray::actor_methods(mailbox_capacity = 16)]
impl Counter {
    pub fn new() -> Self {
        Counter { value: 0 }
    }

    pub fn get(&self) -> i32 {
        self.value
    }
}

fn main() {}
