// A `where` clause makes a method generic too.
#[rustyray::actor]
pub struct Store {
    items: Vec<String>,
}

#[rustyray::actor_methods]
impl Store {
    pub fn new() -> Self {
        Store { items: Vec::new() }
    }

    pub fn len(&self) -> usize
    where
        Self: Sized,
    {
        self.items.len()
    }
}

fn main() {}
