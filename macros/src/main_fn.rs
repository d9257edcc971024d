//! `#[rustyray::main]`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::ItemFn;

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(e) => return with_error(item, e),
    };
    let mut errors: Option<syn::Error> = None;
    let mut push = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    let mut crate_errors = crate::errors::Errors::default();
    let krate = match crate::krate::split(attr.clone(), &mut crate_errors) {
        Ok((krate, rest)) if rest.is_empty() => krate,
        Ok((krate, rest)) => {
            push(syn::Error::new(
                crate::krate::span_of(&rest),
                "#[rustyray::main] takes no arguments but `crate = \"…\"`; configure the runtime with rustyray::Runtime::builder() instead",
            ));
            krate
        }
        Err(_) => {
            push(syn::Error::new(
                attr.span(),
                "#[rustyray::main] takes no arguments but `crate = \"…\"`; configure the runtime with rustyray::Runtime::builder() instead",
            ));
            crate::krate::Krate::default()
        }
    };
    if let Some(e) = crate_errors.into_error() {
        push(e);
    }
    if func.sig.asyncness.is_none() {
        push(syn::Error::new(
            func.sig.fn_token.span(),
            "#[rustyray::main] needs an `async fn main`; write `async fn main()`",
        ));
    }
    if func.sig.ident != "main" {
        push(syn::Error::new(
            func.sig.ident.span(),
            "#[rustyray::main] goes on `fn main`; for other functions use Runtime::block_on",
        ));
    }
    if !func.sig.inputs.is_empty() {
        push(syn::Error::new(func.sig.inputs.span(), "`main` takes no arguments"));
    }
    if !func.sig.generics.params.is_empty() {
        push(syn::Error::new(func.sig.generics.span(), "`main` cannot be generic"));
    }
    if let Some(e) = errors {
        // Emit the original function (without `async`) too, so IDEs keep working.
        func.sig.asyncness = None;
        return with_error(quote!(#func), e);
    }
    func.sig.asyncness = None;
    let body = &func.block;
    let krate_path = &krate.path;
    let new_body = quote_spanned! {body.span()=>
        {
            let __rustyray_body = async move #body;
            #krate_path::__private::run_main(__rustyray_body)
        }
    };
    let attrs = &func.attrs;
    let vis = &func.vis;
    let sig = &func.sig;
    quote! { #(#attrs)* #vis #sig #new_body }
}

fn with_error(item: TokenStream, e: syn::Error) -> TokenStream {
    crate::errors::Errors::from(e).emit_with(item)
}
