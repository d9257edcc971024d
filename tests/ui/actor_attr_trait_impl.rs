// #[actor_methods] goes on the inherent impl, not on a trait impl.
#[rustyray::actor]
#[derive(Default)]
pub struct Counter {
    value: i32,
}

#[rustyray::actor_methods]
impl Clone for Counter {
    fn clone(&self) -> Self {
        Counter { value: self.value }
    }
}

fn main() {}
