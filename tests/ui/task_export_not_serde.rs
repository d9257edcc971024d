// An exported task's result type must be a serde type.
pub struct Opaque(u8);

#[rustyray::remote(export)]
fn make(x: u8) -> Opaque {
    Opaque(x)
}

fn main() {}
