// A function with no receiver that does not return `Self` is not a method.
rustyray::dsl::actor! {
    pub struct Counter { value: i32 }
    impl Counter {
        pub fn new() -> Self { Counter { value: 0 } }
        fn clamp(v: i32) -> i32 { v.min(100) }
        pub fn get(&self) -> i32 { self.value }
    }
}

fn main() {}
