//! Collecting diagnostics: every problem is reported (not just the first), each pointing
//! at its tokens, and the original item is emitted too so IDEs keep working.

use proc_macro2::{Span, TokenStream};
use quote::quote;

#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl From<syn::Error> for Errors {
    fn from(e: syn::Error) -> Self {
        Errors(Some(e))
    }
}

impl Errors {
    pub(crate) fn push(&mut self, span: Span, msg: impl std::fmt::Display) {
        let e = syn::Error::new(span, msg);
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    /// An error spanning all of `tokens` (first to last), not just their first token.
    pub(crate) fn push_spanned(&mut self, tokens: impl quote::ToTokens, msg: impl std::fmt::Display) {
        let e = syn::Error::new_spanned(tokens, msg);
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    /// The collected errors as one, if any.
    pub(crate) fn into_error(self) -> Option<syn::Error> {
        self.0
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The errors followed by `item` unchanged.
    pub(crate) fn emit_with(self, item: TokenStream) -> TokenStream {
        let errs = self.0.map(|e| e.to_compile_error());
        quote! { #item #errs }
    }
}
