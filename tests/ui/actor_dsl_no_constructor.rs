// An actor needs exactly one constructor: it is re-run on every restart.
rustyray::dsl::actor! {
    pub struct Counter { value: i32 }
    impl Counter {
        pub fn get(&self) -> i32 { self.value }
    }
}

fn main() {}
