// The actor struct has named fields.
#[rustyray::actor]
pub struct Counter(i32, u64);

fn main() {}
