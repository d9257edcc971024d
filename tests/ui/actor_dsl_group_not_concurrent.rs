// A concurrency group needs the impl block marked `#[concurrent(…)]`.
rustyray::dsl::actor! {
    pub struct Model { n: u32 }
    impl Model {
        pub fn new() -> Self { Model { n: 0 } }
        #[concurrency_group(io)]
        pub async fn get(&self) -> u32 { self.n }
    }
}

fn main() {}
