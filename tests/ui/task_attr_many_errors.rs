// Every problem is reported at once, each at its tokens.
#[rustyray::remote(num_gpus = 1)]
unsafe fn everything_wrong<T>(mut a: T, (b, c): (i32, i32), d: impl Clone, e: &[u8]) -> impl Sized {
    0
}

fn main() {}
