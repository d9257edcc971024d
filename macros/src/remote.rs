//! `#[rustyray::remote]`: a front end over the task DSL (`rustyray::dsl::task!`). It checks
//! the function here (every problem reported, each at its tokens, the original item still
//! emitted), then expands to the DSL's generator with `#[options(…)] <the fn>` — one code
//! path for both front ends.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{quote, ToTokens};
use syn::spanned::Spanned;
use syn::{Expr, FnArg, Item, Lit, Meta, Pat, ReturnType, Signature, Type};

use crate::errors::Errors;

/// The options `#[rustyray::remote(…)]` accepts, in the words of `task!`'s `#[options(…)]`.
const OPTIONS: &[&str] = &["num_cpus", "max_retries", "retry_exceptions"];

const OPTIONS_HELP: &str =
    "the options are `num_cpus = <f64>`, `max_retries = <u32>`, `retry_exceptions = <bool>` and `export` (peers may run it over a link), e.g. #[rustyray::remote(num_cpus = 2.0, max_retries = 3)]";

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let func = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Fn(f)) => f,
        Ok(other) => {
            return Errors::from(syn::Error::new(
                item_keyword_span(&other),
                "#[rustyray::remote] goes on a function: `[pub] [async] fn name(arg: Type, …) [-> Ret] { … }`",
            ))
            .emit_with(item)
        }
        Err(e) => {
            return Errors::from(syn::Error::new(
                e.span(),
                "#[rustyray::remote] goes on a function: `[pub] [async] fn name(arg: Type, …) [-> Ret] { … }`",
            ))
            .emit_with(item)
        }
    };
    let mut errors = Errors::default();
    let (krate, options, export) = parse_options(attr, &mut errors);
    if let Some(a) = func.attrs.iter().find(|a| a.path().is_ident("options")) {
        errors.push(
            a.span(),
            "give the task options in the attribute instead: #[rustyray::remote(num_cpus = 2.0, max_retries = 3)]",
        );
    }
    check_signature(&func.sig, &mut errors);
    if !errors.is_empty() {
        return errors.emit_with(item);
    }
    let attrs = &func.attrs;
    let vis = &func.vis;
    let sig = &func.sig;
    let block = &func.block;
    let options = if options.is_empty() { quote!() } else { quote!(#[options(#(#options),*)]) };
    let export = if export { quote!(#[export]) } else { quote!() };
    let who = krate.attr("remote");
    let krate = &krate.path;
    quote! {
        #krate::__private::task_dsl! {
            #who
            #options
            #export
            #(#attrs)*
            #vis #sig #block
        }
    }
}

/// Parses `name = value, …` (and `crate = "…"`), reporting unknown, repeated and malformed
/// options.
fn parse_options(attr: TokenStream, errors: &mut Errors) -> (crate::krate::Krate, Vec<TokenStream>, bool) {
    let (krate, metas) = match crate::krate::split(attr, errors) {
        Ok(split) => split,
        Err(e) => {
            errors.push(e.span(), format!("could not read the options: {e}; {OPTIONS_HELP}"));
            return (crate::krate::Krate::default(), Vec::new(), false);
        }
    };
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut export = false;
    for meta in metas {
        if matches!(&meta, Meta::Path(p) if p.is_ident("export")) {
            if export {
                errors.push(meta.span(), "`export` is given twice; keep one");
            }
            export = true;
            continue;
        }
        let Meta::NameValue(nv) = &meta else {
            errors.push(meta.span(), format!("write each option as `name = value`; {OPTIONS_HELP}"));
            continue;
        };
        let Some(name) = nv.path.get_ident().map(ToString::to_string).filter(|n| OPTIONS.contains(&n.as_str())) else {
            let shown = nv.path.to_token_stream().to_string().replace(' ', "");
            errors.push(nv.path.span(), format!("unknown task option `{shown}`; {OPTIONS_HELP}"));
            continue;
        };
        if seen.contains(&name) {
            errors.push(nv.path.span(), format!("the option `{name}` is given twice; keep one"));
            continue;
        }
        if let Err(msg) = check_value(&name, &nv.value) {
            errors.push(nv.value.span(), msg);
            continue;
        }
        seen.push(name);
        out.push(nv.to_token_stream());
    }
    (krate, out, export)
}

/// Catches literals of the wrong kind (other expressions are left to the type checker).
fn check_value(name: &str, value: &Expr) -> Result<(), String> {
    let (negative, lit) = match value {
        Expr::Lit(l) => (false, &l.lit),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => match &*u.expr {
            Expr::Lit(l) => (true, &l.lit),
            _ => return Ok(()),
        },
        _ => return Ok(()),
    };
    match (name, lit) {
        ("num_cpus", Lit::Float(_) | Lit::Int(_)) if negative => {
            Err("`num_cpus` is a CPU count and cannot be negative; use e.g. 0.5, 1.0 or 2.0".into())
        }
        ("num_cpus", Lit::Float(_) | Lit::Int(_)) => Ok(()),
        ("num_cpus", _) => Err("`num_cpus` takes a number of CPUs, e.g. `num_cpus = 2.0` or `num_cpus = 0.5`".into()),
        ("max_retries", Lit::Int(_)) if negative => {
            Err("`max_retries` cannot be negative; use 0 for no retries".into())
        }
        ("max_retries", Lit::Int(_)) => Ok(()),
        ("max_retries", _) => Err("`max_retries` takes a whole number, e.g. `max_retries = 3`".into()),
        ("retry_exceptions", Lit::Bool(_)) => Ok(()),
        _ => Err("`retry_exceptions` takes `true` or `false`".into()),
    }
}

fn check_signature(sig: &Signature, errors: &mut Errors) {
    let name = &sig.ident;
    if let Some(c) = &sig.constness {
        errors.push(c.span, "a remote function is a plain `fn` or `async fn`; remove `const`");
    }
    if let Some(u) = &sig.unsafety {
        errors.push(u.span, "a remote function is a plain `fn` or `async fn`; call unsafe code inside a safe function");
    }
    if let Some(abi) = &sig.abi {
        errors.push(abi.span(), "a remote function is a plain `fn` or `async fn`; remove the `extern` ABI");
    }
    if let Some(v) = &sig.variadic {
        errors.push(v.span(), "a remote function cannot be variadic");
    }
    if !sig.generics.params.is_empty() {
        errors.push(
            sig.generics.span(),
            format!("`{name}` is generic; a remote function needs concrete types (write one function per type, or take an enum)"),
        );
    }
    if let Some(w) = &sig.generics.where_clause {
        errors.push(w.span(), "a remote function needs concrete types: remove the `where` clause");
    }
    for input in &sig.inputs {
        let pt = match input {
            FnArg::Receiver(r) => {
                errors.push(
                    r.span(),
                    "a remote function takes no `self`: pass the value as an ordinary argument, or make it an actor method (#[rustyray::actor_methods])",
                );
                continue;
            }
            FnArg::Typed(pt) => pt,
        };
        match &*pt.pat {
            Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                if let Some(m) = &p.mutability {
                    let arg = &p.ident;
                    errors.push(
                        m.span,
                        format!(
                            "write the argument as `{arg}: Type` and rebind it in the body (`let mut {arg} = {arg};`)"
                        ),
                    );
                }
            }
            other => errors.push(
                other.span(),
                "write each argument as `name: Type` (patterns are not supported) and destructure it in the body",
            ),
        }
        let arg = match &*pt.pat {
            Pat::Ident(p) => p.ident.to_string(),
            _ => "this argument".to_string(),
        };
        if let Type::ImplTrait(t) = &*pt.ty {
            errors.push(
                t.span(),
                format!("`{arg}` has an `impl Trait` type; a remote function needs concrete types: name the type (e.g. `String` instead of `impl Into<String>`)"),
            );
        } else if let Some(span) = borrowed(pt.ty.to_token_stream()) {
            errors.push(
                span,
                format!("`{arg}` borrows; a task outlives its caller, so take an owned value (`String` instead of `&str`, `Vec<T>` instead of `&[T]`, `Arc<T>` to share)"),
            );
        }
    }
    if let ReturnType::Type(_, ty) = &sig.output {
        if let Type::ImplTrait(t) = &**ty {
            errors.push(
                t.span(),
                "a task's result is stored as an object and needs a nameable type: return a concrete type instead of `impl Trait`",
            );
        } else if let Some(span) = borrowed(ty.to_token_stream()) {
            errors.push(span, "a task's result outlives the call: return an owned value (`String` instead of `&str`)");
        }
    }
}

/// The span of the first borrow in a type: a `&` not followed by `'static`, or a lifetime
/// other than `'static`.
fn borrowed(tokens: TokenStream) -> Option<Span> {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Group(g) => {
                if let Some(span) = borrowed(g.stream()) {
                    return Some(span);
                }
            }
            TokenTree::Punct(p) if p.as_char() == '&' => {
                let is_static = matches!(
                    (tokens.get(i + 1), tokens.get(i + 2)),
                    (Some(TokenTree::Punct(q)), Some(TokenTree::Ident(id))) if q.as_char() == '\'' && id == "static"
                );
                if !is_static {
                    return Some(p.span());
                }
                i += 2;
            }
            TokenTree::Punct(p) if p.as_char() == '\'' => {
                if let Some(TokenTree::Ident(id)) = tokens.get(i + 1) {
                    if id != "static" {
                        return Some(p.span().join(id.span()).unwrap_or_else(|| id.span()));
                    }
                }
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Where to point for an item that is not a function: its keyword (and name).
fn item_keyword_span(item: &Item) -> Span {
    match item {
        Item::Struct(s) => s.struct_token.span.join(s.ident.span()).unwrap_or(s.ident.span()),
        Item::Enum(e) => e.enum_token.span.join(e.ident.span()).unwrap_or(e.ident.span()),
        Item::Impl(i) => i.impl_token.span,
        Item::Trait(t) => t.trait_token.span.join(t.ident.span()).unwrap_or(t.ident.span()),
        Item::Mod(m) => m.mod_token.span.join(m.ident.span()).unwrap_or(m.ident.span()),
        Item::Const(c) => c.const_token.span.join(c.ident.span()).unwrap_or(c.ident.span()),
        Item::Static(s) => s.static_token.span.join(s.ident.span()).unwrap_or(s.ident.span()),
        Item::Type(t) => t.type_token.span.join(t.ident.span()).unwrap_or(t.ident.span()),
        other => other.span(),
    }
}
