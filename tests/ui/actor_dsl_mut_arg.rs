// `mut name` is a pattern too: rebind the argument in the body instead.
rustyray::dsl::actor! {
    pub struct Sorter { last: Vec<i32> }
    impl Sorter {
        pub fn new() -> Self { Sorter { last: Vec::new() } }
        pub fn sort(&mut self, mut v: Vec<i32>) -> Vec<i32> { v.sort(); self.last = v.clone(); v }
    }
}

fn main() {}
