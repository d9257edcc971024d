// A method's arguments travel in a message to the actor's thread: they must be `Send`.
use std::rc::Rc;

#[rustyray::actor]
pub struct Names {
    names: Vec<String>,
}

#[rustyray::actor_methods]
impl Names {
    pub fn new() -> Self {
        Names { names: Vec::new() }
    }

    pub fn add(&mut self, name: Rc<String>) {
        self.names.push((*name).clone());
    }
}

fn main() {}
