//! `#[rustyray::actor]` and `#[rustyray::actor_methods]`: a front end over the actor DSL
//! (`rustyray::dsl::actor!`). They check the item here (so errors point at the offending
//! tokens), then expand to the DSL's generator — one code path.

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
            let msg = "#[rustyray::actor] goes on a struct with named fields: `pub struct Name { field: Type, … }` \
                       (to keep an enum as the actor's state, make it a field of such a struct)";
            return Errors::from(item_head_error(&item, e, msg)).emit_with(item);
        }
    };
    let mut errors = Errors::default();
    let krate = match crate::krate::split(attr.clone(), &mut errors) {
        Ok((krate, rest)) if rest.is_empty() => krate,
        _ => {
            errors.push_spanned(
                &attr,
                format!(
                    "#[rustyray::actor] takes no arguments but `crate = \"…\"`; set options when creating the actor: \
                     `{}::options().name(\"c\").max_restarts(3).remote().await?`",
                    st.ident
                ),
            );
            crate::krate::Krate::default()
        }
    };
    if !st.generics.params.is_empty() || st.generics.where_clause.is_some() {
        errors.push_spanned(with_where(&st.generics), GENERIC_ACTOR);
    }
    if !matches!(st.fields, syn::Fields::Named(_) | syn::Fields::Unit) {
        errors.push_spanned(&st.fields, "write the actor struct with named fields: `struct Counter { value: i32 }`");
    }
    if !errors.is_empty() {
        return errors.emit_with(item);
    }
    let name = &st.ident;
    let vis = &st.vis;
    let alias = format_ident!("{}Handle", name);
    let doc = format!("A typed handle to a running [`{name}`] actor.");
    let krate = &krate.path;
    quote! {
        #st
        #[doc = #doc]
        #vis type #alias = #krate::ActorHandle<#name>;
    }
}

pub(crate) fn expand_methods(attr: TokenStream, item: TokenStream) -> TokenStream {
    let imp: ItemImpl = match syn::parse2(item.clone()) {
        Ok(i) => i,
        Err(e) => {
            let msg = "#[rustyray::actor_methods] goes on the `impl` block of an actor: put #[rustyray::actor] on the \
                       struct and #[rustyray::actor_methods] on `impl Name { constructor and methods }`";
            return Errors::from(item_head_error(&item, e, msg)).emit_with(item);
        }
    };
    let mut errors = Errors::default();
    let generic = !imp.generics.params.is_empty() || imp.generics.where_clause.is_some();
    let self_name = match &*imp.self_ty {
        Type::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
            let seg = &p.path.segments[0];
            if !seg.arguments.is_empty() && !generic {
                errors.push_spanned(&seg.arguments, GENERIC_ACTOR);
            }
            Some(seg.ident.clone())
        }
        other => {
            errors.push_spanned(other, "the actor type must be a plain struct name, e.g. `impl Counter`");
            None
        }
    };
    let mut export = false;
    // `concurrent` or `concurrent(group = limit, …)`: passed to the DSL as the impl's attribute.
    let mut concurrent: Option<TokenStream> = None;
    let krate = match crate::krate::split(attr.clone(), &mut errors) {
        Ok((krate, rest))
            if rest.iter().all(|m| match m {
                syn::Meta::Path(p) => p.is_ident("export") || p.is_ident("concurrent"),
                syn::Meta::List(l) => l.path.is_ident("concurrent"),
                syn::Meta::NameValue(_) => false,
            }) =>
        {
            for m in &rest {
                match m {
                    syn::Meta::Path(p) if p.is_ident("export") => export = true,
                    other => concurrent = Some(other.to_token_stream()),
                }
            }
            krate
        }
        _ => {
            let name = self_name.as_ref().map_or_else(|| "Counter".to_string(), ToString::to_string);
            errors.push_spanned(
                &attr,
                format!(
                    "#[rustyray::actor_methods] takes only `export` (its calls may cross a link), `concurrent` / \
                     `concurrent(group = limit, …)` (its `&self` methods may run side by side) and `crate = \"…\"`; \
                     set other options when creating the actor: \
                     `{name}::options().mailbox_capacity(16).max_restarts(3).remote().await?`"
                ),
            );
            crate::krate::Krate::default()
        }
    };
    if let Some((_, path, _)) = &imp.trait_ {
        errors.push_spanned(
            path,
            "#[rustyray::actor_methods] goes on the actor's inherent `impl Counter { … }`, not on a trait impl; \
             implement traits in a separate impl block without the attribute",
        );
    }
    if generic {
        errors.push_spanned(with_where(&imp.generics), GENERIC_ACTOR);
    }
    let mut ctor_count = 0;
    let mut items = Vec::new();
    for it in &imp.items {
        let ImplItem::Fn(f) = it else {
            errors.push_spanned(
                it,
                "only `fn` items may appear in an actor's impl block (constructor, methods, on_start, on_stop); \
                 move constants, types and helper functions to a separate `impl` block without the attribute",
            );
            continue;
        };
        let mut f = f.clone();
        // The DSL reads `#[concurrency_group(…)]` before the method's other attributes.
        if let Some(i) = f.attrs.iter().position(|a| a.path().is_ident("concurrency_group")) {
            let group = f.attrs.remove(i);
            f.attrs.insert(0, group);
        }
        let sig = f.sig.clone();
        let mut make_ctor = false;
        if let (true, Some(w)) = (sig.generics.params.is_empty(), &sig.generics.where_clause) {
            errors.push_spanned(
                w,
                "actor methods cannot have a `where` clause: each becomes a message variant with concrete types; \
                 remove it",
            );
        } else if !sig.generics.params.is_empty() {
            errors.push_spanned(
                with_where(&sig.generics),
                "actor methods cannot be generic: each becomes a message variant with concrete types; \
                 take a concrete type instead (an enum, or e.g. `String` for `impl ToString`)",
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
                    if let Some(a) = &sig.asyncness {
                        errors.push_spanned(a, "the constructor cannot be `async` (it runs synchronously when the actor starts and on each restart); remove `async` and do asynchronous setup in a method called after `remote()`");
                    }
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
            let FnArg::Typed(pt) = arg else { continue };
            match &*pt.pat {
                Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                    if p.mutability.is_some() {
                        let a = &p.ident;
                        errors.push_spanned(
                            p,
                            format!(
                                "write the argument as `{a}: Type` and rebind it in the body (`let mut {a} = {a};`)"
                            ),
                        );
                    }
                }
                other => errors.push_spanned(
                    other,
                    "write each argument as `name: Type` (patterns are not supported in actor methods) \
                     and destructure it in the body",
                ),
            }
        }
        if make_ctor {
            // The generator expects `-> Self` literally.
            f.sig.output = syn::parse_quote!(-> Self);
        }
        items.push(f.into_token_stream());
    }
    if ctor_count == 0 && self_name.is_some() && imp.trait_.is_none() {
        errors.push(imp.self_ty.span(), "this actor has no constructor; add `fn new(…) -> Self { … }` (it runs when the actor starts and again on each restart)");
    }
    if !errors.is_empty() {
        return errors.emit_with(item);
    }
    let name = self_name.expect("checked above");
    let attrs = &imp.attrs;
    let who = krate.attr("actor_methods");
    let krate = &krate.path;
    let concurrent = concurrent.map(|c| quote!(#[#c]));
    if export {
        // Exported: the DSL's `#[export] impl` form (attributes of the impl block itself are
        // not carried; put docs on the struct).
        return quote! {
            #krate::__private::actor_dsl! {
                #who
                #[export]
                #concurrent
                impl #name { #(#items)* }
            }
        };
    }
    quote! {
        #krate::__private::actor_dsl! {
            #who
            #concurrent
            #(#attrs)*
            impl #name { #(#items)* }
        }
    }
}

/// Rejecting a generic actor (struct or impl): say what to write instead.
const GENERIC_ACTOR: &str = "actors cannot be generic: their messages become an enum with concrete types; \
     write one actor per type, e.g. `struct IntCell { cell: Cell<i32> }`";

/// Generics with their `where` clause (`Generics` alone prints only `<…>`), so an error
/// about either points at it.
fn with_where(g: &syn::Generics) -> TokenStream {
    let w = &g.where_clause;
    quote! { #g #w }
}

/// `msg` at the head of an item that failed to parse as what an attribute expects
/// (`pub struct Counter`, `fn main`, …), or where the parser stopped.
fn item_head_error(item: &TokenStream, parse_error: syn::Error, msg: &str) -> syn::Error {
    let head = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Struct(syn::ItemStruct { vis, struct_token, ident, .. })) => quote! { #vis #struct_token #ident },
        Ok(syn::Item::Enum(syn::ItemEnum { vis, enum_token, ident, .. })) => quote! { #vis #enum_token #ident },
        Ok(syn::Item::Fn(syn::ItemFn { vis, sig, .. })) => {
            let (fn_token, ident) = (sig.fn_token, sig.ident);
            quote! { #vis #fn_token #ident }
        }
        _ => return syn::Error::new(parse_error.span(), msg),
    };
    syn::Error::new_spanned(head, msg)
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
