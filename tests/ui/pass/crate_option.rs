//! The attribute macros honour `crate = "…"`: here rustyray is reached through a module
//! that re-exports it under another name, as a renamed dependency would be.

mod deps {
    pub use rustyray as rr;
}

#[deps::rr::actor(crate = "deps::rr")]
pub struct Tally {
    n: u32,
}

#[deps::rr::actor_methods(crate = "deps::rr")]
impl Tally {
    pub fn new(start: u32) -> Self {
        Tally { n: start }
    }

    pub fn add(&mut self, k: u32) -> u32 {
        self.n += k;
        self.n
    }
}

#[deps::rr::remote(crate = "deps::rr", max_retries = 1)]
fn double(x: u32) -> u32 {
    2 * x
}

#[deps::rr::main(crate = "deps::rr")]
async fn main() -> Result<(), deps::rr::Error> {
    let t: TallyHandle = Tally::remote(1).await?;
    let r = double::remote(t.add(2).await?).await?;
    assert_eq!(r.get().await?, 6);
    Ok(())
}
