// Arguments become fields of a message variant: each needs a plain name.
rustyray::dsl::actor! {
    pub struct Plane { x: i32, y: i32 }
    impl Plane {
        pub fn new() -> Self { Plane { x: 0, y: 0 } }
        pub fn move_to(&mut self, (x, y): (i32, i32)) { self.x = x; self.y = y; }
    }
}

fn main() {}
