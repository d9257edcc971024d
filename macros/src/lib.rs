//! Attribute macros for rustyray. Use them through the `rustyray` crate
//! (`#[rustyray::main]`), which re-exports them.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub, rust_2018_idioms)]

use proc_macro::TokenStream;

mod main_fn;

/// Runs an `async fn main` on rustyray's process-wide default runtime: initializes it,
/// blocks on the body (the main thread runs tasks while it waits) and shuts it down.
///
/// See `rustyray::main` for an example.
#[proc_macro_attribute]
pub fn main(attr: TokenStream, item: TokenStream) -> TokenStream {
    main_fn::expand(attr.into(), item.into()).into()
}
