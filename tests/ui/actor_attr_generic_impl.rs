// The message enum of a generic actor would need its type parameters.
pub struct Cell<T> {
    value: T,
}

#[rustyray::actor_methods]
impl<T: Send + 'static> Cell<T> {
    pub fn new(value: T) -> Self {
        Cell { value }
    }
}

fn main() {}
