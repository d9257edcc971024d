// A task's future runs on any worker thread: it must be `Send`.
use std::rc::Rc;

#[rustyray::remote]
async fn holds_rc(x: i32) -> i32 {
    let shared = Rc::new(x);
    rustyray::time::sleep(std::time::Duration::from_millis(1)).await;
    *shared
}

fn main() {}
