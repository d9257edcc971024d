rustyray::dsl::task! {
    fn greet(name: impl Into<String>) -> String { name.into() }
}

fn main() {}
