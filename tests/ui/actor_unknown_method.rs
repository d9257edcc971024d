// A handle has exactly the actor's methods (plus stop, kill, state, downgrade, actor_ref).
#[rustyray::actor]
pub struct Counter {
    value: i32,
}

#[rustyray::actor_methods]
impl Counter {
    pub fn new() -> Self {
        Counter { value: 0 }
    }

    pub fn get(&self) -> i32 {
        self.value
    }
}

#[rustyray::main]
async fn main() -> Result<(), rustyray::Error> {
    let counter = Counter::remote().await?;
    let r = counter.increment().await?;
    assert_eq!(r.get().await?, 1);
    Ok(())
}
