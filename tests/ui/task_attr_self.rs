#[rustyray::remote]
fn area(&self) -> f64 {
    1.0
}

fn main() {}
