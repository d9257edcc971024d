// `handle.stop()` is the handle's own lifecycle method; an actor method of that name
// would never be reachable through the handle.
rustyray::dsl::actor! {
    pub struct Worker { running: bool }
    impl Worker {
        pub fn new() -> Self { Worker { running: true } }
        pub fn stop(&mut self) { self.running = false; }
    }
}

fn main() {}
