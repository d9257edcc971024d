//! `#[rustyray::actor]` and `#[rustyray::actor_methods]`: a front end over the
//! declarative `rustyray::declare_actor!` generator. They check the item here (so errors point at
//! the offending tokens), then expand to `::rustyray::declare_actor! { … }` — one code path.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, ToTokens};
use syn::spanned::Spanned;
use syn::{FnArg, ImplItem, ItemImpl, ItemStruct, Pat, ReturnType, Type};

use crate::errors::Errors;

/// Methods of `ActorHandle` that a generated method of the same name would be hidden by.
const RESERVED: &[&str] = &["stop", "kill", "state", "downgrade", "actor_ref"];

pub(crate) fn expand_struct(attr: TokenStream, item: TokenStream) -> TokenStream {
    let st: ItemStruct = match syn::parse2(item.clone()) {
        Ok(s) => s,
        Err(e) => {
            return Errors::from(syn::Error::new(e.span(), "#[rustyray::actor] goes on a struct with named fields"))
                .emit_with(item)
        }
    };
    let mut errors = Errors::default();
    if !attr.is_empty() {
        errors.push(attr.span(), "#[rustyray::actor] takes no arguments; set options at creation: `Counter::options().name(\"c\").max_restarts(3)`");
    }
    if !st.generics.params.is_empty() {
        errors.push(st.generics.span(), "actors cannot be generic: their messages become an enum with concrete types");
    }
    if !matches!(st.fields, syn::Fields::Named(_) | syn::Fields::Unit) {
        errors.push(st.fields.span(), "write the actor struct with named fields: `struct Counter { value: i32 }`");
    }
    if !errors.is_empty() {
        return errors.emit_with(item);
    }
    let name = &st.ident;
    let vis = &st.vis;
    let alias = format_ident!("{}Handle", name);
    let doc = format!("A typed handle to a running [`{name}`] actor.");
    quote! {
        #st
        #[doc = #doc]
        #vis type #alias = ::rustyray::ActorHandle<#name>;
    }
}

pub(crate) fn expand_methods(attr: TokenStream, item: TokenStream) -> TokenStream {
    let imp: ItemImpl = match syn::parse2(item.clone()) {
        Ok(i) => i,
        Err(e) => {
            return Errors::from(syn::Error::new(
                e.span(),
                "#[rustyray::actor_methods] goes on the `impl` block of an actor struct",
            ))
            .emit_with(item)
        }
    };
    let mut errors = Errors::default();
    if !attr.is_empty() {
        errors.push(attr.span(), "#[rustyray::actor_methods] takes no arguments");
    }
    if let Some((_, path, _)) = &imp.trait_ {
        errors
            .push(path.span(), "#[rustyray::actor_methods] goes on an inherent `impl Counter { … }`, not a trait impl");
    }
    if !imp.generics.params.is_empty() {
        errors.push(imp.generics.span(), "actors cannot be generic: their messages become an enum with concrete types");
    }
    let self_name = match &*imp.self_ty {
        Type::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 && p.path.segments[0].arguments.is_empty() => {
            Some(p.path.segments[0].ident.clone())
        }
        other => {
            errors.push(other.span(), "the actor type must be a plain struct name, e.g. `impl Counter`");
            None
        }
    };
    let mut ctor_count = 0;
    let mut items = Vec::new();
    for it in &imp.items {
        let ImplItem::Fn(f) = it else {
            errors.push(
                it.span(),
                "only `fn` items may appear in an actor's impl block (constructor, methods, on_start, on_stop)",
            );
            continue;
        };
        let mut f = f.clone();
        let sig = f.sig.clone();
        let mut make_ctor = false;
        if !sig.generics.params.is_empty() {
            errors.push(
                sig.generics.span(),
                "actor methods cannot be generic: each becomes a message variant with concrete types",
            );
        }
        if sig.unsafety.is_some() || sig.constness.is_some() || sig.abi.is_some() || sig.variadic.is_some() {
            errors.push(sig.span(), "actor methods must be plain `fn` or `async fn`");
        }
        let receiver = sig.inputs.first().and_then(|a| match a {
            FnArg::Receiver(r) => Some(r.clone()),
            FnArg::Typed(_) => None,
        });
        let is_hook = sig.ident == "on_start" || sig.ident == "on_stop";
        match &receiver {
            None => {
                let returns_self = match &sig.output {
                    ReturnType::Type(_, t) => is_self_type(t, self_name.as_ref()),
                    ReturnType::Default => false,
                };
                if returns_self {
                    ctor_count += 1;
                    if ctor_count == 2 {
                        errors.push(sig.ident.span(), "a second constructor: an actor has exactly one `fn …(args) -> Self` (it is re-run on restart)");
                    }
                    make_ctor = true;
                } else {
                    errors.push(sig.ident.span(), "neither the constructor (`fn …(args) -> Self`) nor a method (`fn …(&self | &mut self, args)`); move helper functions to a separate `impl` block");
                }
            }
            Some(r) if r.reference.is_none() => {
                errors.push(
                    r.span(),
                    "this method takes `self` by value, which would consume the actor; take `&self` or `&mut self`",
                );
            }
            Some(r) if r.colon_token.is_some() => {
                errors.push(r.span(), "write the receiver as `&self` or `&mut self`");
            }
            Some(_) => {
                if !is_hook && RESERVED.iter().any(|n| sig.ident == n) {
                    errors.push(
                        sig.ident.span(),
                        format!("a method cannot be named `{}`: the handle's own lifecycle method of that name would hide it; rename it", sig.ident),
                    );
                }
            }
        }
        for arg in sig.inputs.iter() {
            if let FnArg::Typed(pt) = arg {
                if !matches!(&*pt.pat, Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none()) {
                    errors.push(
                        pt.pat.span(),
                        "write each argument as `name: Type` (patterns are not supported in actor methods)",
                    );
                }
            }
        }
        if make_ctor {
            // The generator expects `-> Self` literally.
            f.sig.output = syn::parse_quote!(-> Self);
        }
        items.push(f.into_token_stream());
    }
    if ctor_count == 0 && self_name.is_some() {
        errors.push(imp.self_ty.span(), "this actor has no constructor; add `fn new(…) -> Self { … }` (it runs when the actor starts and again on each restart)");
    }
    if !errors.is_empty() {
        return errors.emit_with(item);
    }
    let name = self_name.expect("checked above");
    let attrs = &imp.attrs;
    quote! {
        ::rustyray::declare_actor! {
            #(#attrs)*
            impl #name { #(#items)* }
        }
    }
}

fn is_self_type(t: &Type, name: Option<&syn::Ident>) -> bool {
    match t {
        Type::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
            let id = &p.path.segments[0].ident;
            id == "Self" || name.is_some_and(|n| id == n)
        }
        _ => false,
    }
}
