// The message enum of a generic actor would need its type parameters.
rustyray::dsl::actor! {
    pub struct Cell<T> { value: T }
    impl Cell {
        pub fn new(value: T) -> Self { Cell { value } }
    }
}

fn main() {}
