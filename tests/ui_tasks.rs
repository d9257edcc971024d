//! Compile-time tests of remote tasks (trybuild): each mistake in `rustyray::dsl::task!` and
//! `#[rustyray::remote]` is rejected with a message that says what to write instead, and
//! the `Send`/`Sync`/`Clone` requirements on tasks are enforced.
//!
//! Regenerate the expected `.stderr` files with
//! `TRYBUILD=overwrite cargo test --test ui_tasks`, then read them.

#[test]
fn ui_tasks() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/task_*.rs");
}
