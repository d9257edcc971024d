// `&mut self` methods always run alone: they cannot join a concurrency group.
rustyray::dsl::actor! {
    pub struct Model { n: u32 }
    #[concurrent(io = 2)]
    impl Model {
        pub fn new() -> Self { Model { n: 0 } }
        #[concurrency_group(io)]
        pub async fn bump(&mut self) -> u32 { self.n += 1; self.n }
    }
}

fn main() {}
