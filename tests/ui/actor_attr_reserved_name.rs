// `handle.kill()` is the handle's own lifecycle method; an actor method of that name
// would never be reachable through the handle.
#[rustyray::actor]
pub struct Worker {
    running: bool,
}

#[rustyray::actor_methods]
impl Worker {
    pub fn new() -> Self {
        Worker { running: true }
    }

    pub fn kill(&mut self) {
        self.running = false;
    }
}

fn main() {}
