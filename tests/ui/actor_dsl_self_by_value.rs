// A method that takes `self` by value would consume the actor's state.
rustyray::dsl::actor! {
    pub struct Counter { value: i32 }
    impl Counter {
        pub fn new() -> Self { Counter { value: 0 } }
        pub fn into_value(self) -> i32 { self.value }
    }
}

fn main() {}
