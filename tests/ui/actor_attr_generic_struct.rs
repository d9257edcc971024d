// The message enum of a generic actor would need its type parameters.
#[rustyray::actor]
pub struct Cell<T: Send + 'static> {
    value: T,
}

fn main() {}
