// Each method becomes a message variant, which needs concrete types.
rustyray::dsl::actor! {
    pub struct Store { items: Vec<String> }
    impl Store {
        pub fn new() -> Self { Store { items: Vec::new() } }
        pub fn push<T: ToString>(&mut self, item: T) { self.items.push(item.to_string()) }
    }
}

fn main() {}
