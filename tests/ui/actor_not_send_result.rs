// A method's result is stored as an object that any thread may read: it must be
// `Send + Sync`. `Rc` is neither.
use std::rc::Rc;

rustyray::dsl::actor! {
    pub struct Names { names: Vec<String> }
    impl Names {
        pub fn new() -> Self { Names { names: Vec::new() } }
        pub fn first(&self) -> Rc<String> { Rc::new(self.names[0].clone()) }
    }
}

fn main() {}
