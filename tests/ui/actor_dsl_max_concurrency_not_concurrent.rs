// `max_concurrency` is offered only by actors declared `#[concurrent]`.
rustyray::dsl::actor! {
    pub struct Solo { n: u32 }
    impl Solo {
        pub fn new() -> Self { Solo { n: 0 } }
        pub async fn get(&self) -> u32 { self.n }
    }
}

#[rustyray::main]
async fn main() -> Result<(), rustyray::Error> {
    let _s = Solo::options().max_concurrency(4).remote().await?;
    Ok(())
}
