// Options are set when the actor is created, not on the struct.
#[rustyray::actor(name = "counter", max_restarts = 3)]
pub struct Counter {
    value: i32,
}

fn main() {}
