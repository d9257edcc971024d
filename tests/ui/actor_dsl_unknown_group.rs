// A method's concurrency group must be one the impl block declares.
rustyray::dsl::actor! {
    pub struct Model { n: u32 }
    #[concurrent(health = 1)]
    impl Model {
        pub fn new() -> Self { Model { n: 0 } }
        #[concurrency_group(helth)]
        pub async fn ping(&self) -> u32 { self.n }
    }
}

fn main() {}
