// #[actor] goes on a struct with named fields.
#[rustyray::actor]
pub enum Light {
    On,
    Off,
}

fn main() {}
