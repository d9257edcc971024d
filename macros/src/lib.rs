//! Attribute macros for rustyray. Use them through the `rustyray` crate
//! (`#[rustyray::main]`, `#[rustyray::remote]`, `#[rustyray::actor]`,
//! `#[rustyray::actor_methods]`), which re-exports them; the actor macros are a front end
//! over the declarative `rustyray::dsl::actor!` generator, `#[rustyray::remote]` over
//! `rustyray::dsl::task!`.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub, rust_2018_idioms)]

use proc_macro::TokenStream;

mod actor;
mod errors;
mod krate;
mod main_fn;
mod remote;

/// Runs an `async fn main` on rustyray's process-wide default runtime: initializes it,
/// blocks on the body (the main thread runs tasks while it waits) and shuts it down.
///
/// See `rustyray::main` for an example.
#[proc_macro_attribute]
pub fn main(attr: TokenStream, item: TokenStream) -> TokenStream {
    main_fn::expand(attr.into(), item.into()).into()
}

/// Marks a struct as an actor's state and defines `<Name>Handle`, an alias of
/// `rustyray::ActorHandle<Name>`. Pair it with `#[rustyray::actor_methods]` on the impl.
///
/// See `rustyray::actor` for an example.
#[proc_macro_attribute]
pub fn actor(attr: TokenStream, item: TokenStream) -> TokenStream {
    actor::expand_struct(attr.into(), item.into()).into()
}

/// Turns an actor's `impl` block (one constructor, methods taking `&self`/`&mut self`)
/// into its messages, typed handle methods and `rustyray::Actor` impl, by expanding to
/// `rustyray::dsl::actor!`.
///
/// See `rustyray::actor_methods` for an example.
#[proc_macro_attribute]
pub fn actor_methods(attr: TokenStream, item: TokenStream) -> TokenStream {
    actor::expand_methods(attr.into(), item.into()).into()
}

/// Makes a function a remote task: checks it (generic, `self`, patterns, `impl Trait` or
/// borrowed arguments are rejected at their tokens), then expands to `rustyray::dsl::task!`,
/// which keeps the function and adds a module of the same name with `remote(args…)`,
/// `remote_on(&spawner, args…)` and `options()`. Takes the options
/// `num_cpus = <f64>`, `max_retries = <u32>`, `retry_exceptions = <bool>`.
///
/// See `rustyray::remote` for an example.
#[proc_macro_attribute]
pub fn remote(attr: TokenStream, item: TokenStream) -> TokenStream {
    remote::expand(attr.into(), item.into()).into()
}
