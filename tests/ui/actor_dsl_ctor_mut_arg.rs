// The constructor's arguments follow the same rule as the methods': `name: Type`.
rustyray::dsl::actor! {
    pub struct Sorter { items: Vec<i32> }
    impl Sorter {
        pub fn new(mut items: Vec<i32>) -> Self { items.sort(); Sorter { items } }
        pub fn smallest(&self) -> Option<i32> { self.items.first().copied() }
    }
}

fn main() {}
