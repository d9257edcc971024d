//! The `crate = "…"` option every attribute takes: the path under which the user's crate
//! depends on rustyray (tokio's `#[tokio::main(crate = "…")]` is the model), for a renamed
//! dependency (`rr = { package = "rustyray", … }` → `crate = "rr"`) or a re-export
//! (`crate = "my_lib::rustyray"`).

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, Lit, Meta, Token};

use crate::errors::Errors;

/// Where the generated code finds rustyray, and how diagnostics name it.
pub(crate) struct Krate {
    /// The path tokens (`::rustyray` by default).
    pub(crate) path: TokenStream,
    /// The path as the user wrote it (`rustyray` by default), for messages.
    pub(crate) shown: String,
}

impl Default for Krate {
    fn default() -> Self {
        Krate { path: quote!(::rustyray), shown: "rustyray".into() }
    }
}

impl Krate {
    /// `#[<crate>::<attr>]`, as the user wrote the attribute.
    pub(crate) fn attr(&self, attr: &str) -> String {
        format!("#[{}::{attr}]", self.shown)
    }
}

/// Splits an attribute's arguments into `crate = "…"` (if given) and the other
/// arguments, reporting a malformed or repeated `crate`. `Err` (with nothing reported)
/// when the arguments are not a comma-separated list of `name = value` / `name` / `name(…)`:
/// the caller says what it expects.
pub(crate) fn split(attr: TokenStream, errors: &mut Errors) -> Result<(Krate, Vec<Meta>), syn::Error> {
    let metas = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(attr)?;
    let mut krate: Option<Krate> = None;
    let mut rest = Vec::new();
    for meta in metas {
        let is_crate = matches!(&meta, Meta::NameValue(nv) if nv.path.is_ident("crate"));
        if !is_crate {
            rest.push(meta);
            continue;
        }
        let Meta::NameValue(nv) = &meta else { unreachable!("checked above") };
        if krate.is_some() {
            errors.push(nv.span(), "`crate` is given twice; keep one");
            continue;
        }
        match &nv.value {
            Expr::Lit(l) => match &l.lit {
                Lit::Str(s) => match syn::parse_str::<syn::Path>(&s.value()) {
                    Ok(p) => {
                        let shown = p.to_token_stream().to_string().replace(' ', "");
                        krate = Some(Krate { path: p.to_token_stream(), shown });
                    }
                    Err(_) => errors.push(
                        s.span(),
                        "`crate` takes the path of the rustyray crate as a string, e.g. `crate = \"rr\"`",
                    ),
                },
                other => errors.push(
                    other.span(),
                    "`crate` takes the path of the rustyray crate as a string, e.g. `crate = \"rr\"`",
                ),
            },
            other => errors
                .push(other.span(), "`crate` takes the path of the rustyray crate as a string, e.g. `crate = \"rr\"`"),
        }
    }
    Ok((krate.unwrap_or_default(), rest))
}

/// The span of a list of metas, for an error about all of them.
pub(crate) fn span_of(metas: &[Meta]) -> Span {
    metas.first().map_or_else(Span::call_site, Spanned::span)
}
