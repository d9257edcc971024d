// A restart re-runs *the* constructor: there can be only one.
rustyray::dsl::actor! {
    pub struct Counter { value: i32 }
    impl Counter {
        pub fn new() -> Self { Counter { value: 0 } }
        pub fn starting_at(value: i32) -> Self { Counter { value } }
        pub fn get(&self) -> i32 { self.value }
    }
}

fn main() {}
