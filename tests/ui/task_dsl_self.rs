rustyray::dsl::task! {
    fn area(&self) -> f64 { 1.0 }
}

fn main() {}
