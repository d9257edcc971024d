// #[actor_methods] goes on the impl block; #[actor] goes on the struct.
#[rustyray::actor_methods]
pub struct Counter {
    value: i32,
}

fn main() {}
