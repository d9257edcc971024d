// The DSL takes the actor struct with named fields.
rustyray::dsl::actor! {
    pub struct Counter(i32);
    impl Counter {
        pub fn new() -> Self { Counter(0) }
        pub fn get(&self) -> i32 { self.0 }
    }
}

fn main() {}
