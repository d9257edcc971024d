//! Compile-time tests of `#[rustyray::main]` (trybuild): misuse is rejected with a message
//! that says what to write instead, and a valid `async fn main` builds and runs.
//!
//! Regenerate the expected `.stderr` files with `TRYBUILD=overwrite cargo test --test ui`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/main_*.rs");
    t.pass("tests/ui/pass/*.rs");
}
