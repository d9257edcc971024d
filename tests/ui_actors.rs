//! Compile-time tests of actors (trybuild): each mistake in `rustyray::dsl::actor!` and
//! `#[rustyray::actor]` / `#[rustyray::actor_methods]` is rejected with a message that
//! says what to write instead, and the `Send` requirements on method arguments and
//! results are enforced.
//!
//! Regenerate the expected `.stderr` files with
//! `TRYBUILD=overwrite cargo test --test ui_actors`, then read them.

#[test]
fn ui_actors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/actor_*.rs");
}
