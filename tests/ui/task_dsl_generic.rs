rustyray::dsl::task! {
    fn identity<T: Send + 'static>(x: T) -> T { x }
}

fn main() {}
