// A valid `#[rustyray::main]`: returns `Result<(), rustyray::Error>` and uses `?` on the
// join handles of tasks spawned on the default runtime the macro starts.
use std::time::Duration;

async fn double(x: u64) -> Result<u64, rustyray::Error> {
    let doubled = rustyray::spawn(async move { x * 2 }).await?;
    Ok(doubled)
}

#[rustyray::main]
async fn main() -> Result<(), rustyray::Error> {
    let answer = rustyray::spawn(async { 6 * 7 }).await?;
    assert_eq!(answer, 42);
    assert_eq!(double(21).await?, 42);
    rustyray::time::sleep(Duration::from_millis(1)).await;
    // The runtime is running while the body runs.
    assert_eq!(rustyray::init(), Err(rustyray::Error::AlreadyInitialized));
    Ok(())
}
