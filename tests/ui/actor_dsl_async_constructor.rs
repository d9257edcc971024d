// The constructor re-runs synchronously on every restart: it cannot be `async`.
rustyray::dsl::actor! {
    pub struct Counter { value: i32 }
    impl Counter {
        pub async fn new() -> Self { Counter { value: 0 } }
        pub fn get(&self) -> i32 { self.value }
    }
}

fn main() {}
