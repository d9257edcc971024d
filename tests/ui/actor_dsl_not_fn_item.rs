// Only the constructor, methods and hooks go in the actor's impl block.
rustyray::dsl::actor! {
    pub struct Counter { value: i32 }
    impl Counter {
        const START: i32 = 0;
        pub fn new() -> Self { Counter { value: 0 } }
        pub fn get(&self) -> i32 { self.value }
    }
}

fn main() {}
