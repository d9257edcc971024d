//! The actor DSL: the one generator behind both `rustyray::dsl::actor! { … }`
//! and `#[rustyray::actor]` / `#[rustyray::actor_methods]` (which expand to it).
//!
//! It is a tt-muncher: `__rr_actor!` walks the `impl` block one item at a time,
//! normalizing each method into a bracketed record, and routes every mistake to an arm
//! that ends in `compile_error!` saying what to write instead. The final arm generates:
//!
//! * the struct (if given) and the user's `impl` (methods unchanged, callable locally);
//! * inside `const _: () = { … }`: the message enum `Msg` (one variant per method), the
//!   typed method surface `Methods` (one method per actor method, returning a `Call`),
//!   and `impl Actor` (`handle_now` runs the synchronous methods in place; `handle` is an
//!   `async` block for the `async` ones, or a zero-sized ready future if there are none);
//! * on the struct: `remote(args…)` (std), `remote_on(&host, args…)`, and `options()`, whose
//!   builder (`Options`, in the same block) ends in `.remote(args…)` / `.remote_on(&host, args…)`.

/// Declares an actor without a proc-macro (works in `no_std` builds).
///
/// # Grammar
///
/// ```text
/// rustyray::dsl::actor! {
///     [#[attr]…] [pub] struct Name { [pub] field: Type, … }      // optional: omit it if
///                                                               // the struct is defined elsewhere
///     [#[export]] [#[concurrent] | #[concurrent(group = limit, …)]]  // optional, see below
///     impl Name {
///         [#[attr]…] [pub] fn ctor(arg: Type, …) -> Self { … }       // exactly one constructor
///         [#[attr]…] [pub] [async] fn method(&self | &mut self, arg: Type, …) [-> Ret] { … }
///         [///doc…] #[concurrency_group(group)] [#[attr]…]           // a `&self` method in a
///             [pub] [async] fn method(&self, arg: Type, …) [-> Ret] { … } // named group
///         fn on_start(&mut self, ctx: &ActorContext<Self>) { … }    // optional hook
///         fn on_stop(&mut self) { … }                               // optional hook
///     }
/// }
/// ```
///
/// Constructor arguments must be `Clone` (a restart re-runs the constructor with them);
/// method arguments and results must be `Send + 'static`. A method may return
/// `Result<T, E>` with your own `E`: the caller's `ObjectRef<Result<T, E>>` carries it
/// typed. Methods named `stop`, `kill`, `state`, `downgrade`, `actor_ref` would be hidden
/// by the handle's own methods and are rejected.
///
/// `#[concurrent]` lets the actor's `&self` methods run side by side, up to
/// `Name::options().max_concurrency(n)` at a time (default 1), and each named group
/// declared `#[concurrent(group = limit)]` up to its own limit; `&mut self` methods still
/// run alone (docs/semantics.md §2.8). The actor must then be `Sync`. `#[export]` lets a
/// node serve it across a link (feature `node`).
///
/// # Example
///
/// ```
/// rustyray::dsl::actor! {
///     pub struct Counter { value: i32 }
///     impl Counter {
///         pub fn new(start: i32) -> Self { Counter { value: start } }
///         pub async fn increment(&mut self) -> i32 { self.value += 1; self.value }
///         pub fn get(&self) -> i32 { self.value }
///     }
/// }
///
/// # fn main() -> Result<(), rustyray::Error> {
/// let rt = rustyray::Runtime::builder().worker_threads(2).build()?;
/// rt.block_on(async {
///     let counter = Counter::remote_on(&rt, 41).await?;
///     let r = counter.increment().await?;          // ObjectRef<i32>, once queued
///     assert_eq!(r.get().await?, 42);
///     counter.increment().tell().await?;           // fire-and-forget: no result slot
///     assert_eq!(counter.get().await?.get().await?, 43);
///     Ok(())
/// })
/// # }
/// ```
#[doc(hidden)] // shown as `rustyray::dsl::actor!`
#[macro_export]
macro_rules! __rr_dsl_actor {
    ($($input:tt)*) => {
        $crate::__rr_actor_entry! { "rustyray::dsl::actor!" $($input)* }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __rr_actor_entry {
    (
        $who:literal
        $(#[$sattr:meta])*
        $svis:vis struct $name:ident { $($fields:tt)* }
        $($rest:tt)*
    ) => {
        $(#[$sattr])*
        $svis struct $name { $($fields)* }
        $crate::__rr_actor! { @attrs $who [$name] [] [] $($rest)* }
    };
    (
        $who:literal
        $(#[$sattr:meta])*
        $svis:vis struct $name:ident < $($rest:tt)*
    ) => {
        ::core::compile_error!(::core::concat!($who, ": generic actor structs are not supported; use concrete types (e.g. a type alias or a wrapper struct)"));
    };
    (
        $who:literal
        $(#[$sattr:meta])*
        $svis:vis struct $name:ident ( $($fields:tt)* ) ; $($rest:tt)*
    ) => {
        ::core::compile_error!(::core::concat!($who, ": write the actor struct with named fields: `struct Name { field: Type }`"));
    };
    ($who:literal $($rest:tt)*) => {
        $crate::__rr_actor! { @attrs $who [] [] [] $($rest)* }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __rr_actor {
    // ---- the impl block's own attributes: `#[export]`, `#[concurrent(…)]` ------------
    (@attrs $who:literal [$($sname:ident)?] [$($e:ident)?] [$($c:tt)*] #[export] $($rest:tt)*) => {
        $crate::__rr_actor! { @attrs $who [$($sname)?] [export] [$($c)*] $($rest)* }
    };
    (@attrs $who:literal [$($sname:ident)?] [$($e:ident)?] [$($c:tt)*]
        #[concurrent $(( $($g:ident = $l:expr),* $(,)? ))?] $($rest:tt)*
    ) => {
        $crate::__rr_actor! { @attrs $who [$($sname)?] [$($e)?] [concurrent [$($($g = $l),*)?]] $($rest)* }
    };
    (@attrs $who:literal [$($sname:ident)?] $e:tt $c:tt $(#[$iattr:meta])* impl $name:ident { $($body:tt)* }) => {
        $( $crate::__rr_actor! { @check_name $sname $name } )?
        $crate::__rr_actor! { @munch $who [$e $c] $name [] [] [] [] { $($body)* } }
    };
    (@attrs $who:literal [$($sname:ident)?] $e:tt $c:tt $(#[$iattr:meta])* impl < $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!($who, ": generic actors are not supported; use concrete types"));
    };
    (@attrs $who:literal $($other:tt)*) => {
        ::core::compile_error!(::core::concat!($who, " expects `[pub] struct Name { … }` (optional) followed by `impl Name { constructor and methods }` (optionally marked `#[export]`, `#[concurrent]` or `#[concurrent(group = limit, …)]`); see the grammar in the rustyray::dsl::actor! docs"));
    };

    (@check_name $a:ident $a2:ident) => {
        const _: fn() = || {
            // The impl block must name the struct declared above it.
            let _: ::core::option::Option<$a> = ::core::option::Option::<$a2>::None;
        };
    };

    // ---- hooks ----------------------------------------------------------------------
    (@munch $who:literal $exp:tt $name:ident [$($ctor:tt)*] [$($methods:tt)*] [$($start:tt)*] [$($stop:tt)*] {
        $(#[$a:meta])* $v:vis fn on_start(&mut $s:ident, $ctx:ident : $cty:ty) $b:block $($rest:tt)*
    }) => {
        $crate::__rr_actor! { @munch $who $exp $name [$($ctor)*] [$($methods)*] [($s $ctx $cty $b)] [$($stop)*] { $($rest)* } }
    };
    (@munch $who:literal $exp:tt $name:ident [$($ctor:tt)*] [$($methods:tt)*] [$($start:tt)*] [$($stop:tt)*] {
        $(#[$a:meta])* $v:vis fn on_stop(&mut $s:ident) $b:block $($rest:tt)*
    }) => {
        $crate::__rr_actor! { @munch $who $exp $name [$($ctor)*] [$($methods)*] [$($start)*] [($s $b)] { $($rest)* } }
    };

    // ---- the constructor --------------------------------------------------------------
    (@munch $who:literal $exp:tt $name:ident [] [$($methods:tt)*] [$($start:tt)*] [$($stop:tt)*] {
        $(#[$a:meta])* $v:vis fn $c:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> Self $b:block $($rest:tt)*
    }) => {
        $crate::__rr_actor! { @munch $who $exp $name [([$(#[$a])*] [$v] $c [$($arg : $ty),*] $b)] [$($methods)*] [$($start)*] [$($stop)*] { $($rest)* } }
    };
    (@munch $who:literal $exp:tt $name:ident [$($ctor:tt)+] [$($methods:tt)*] [$($start:tt)*] [$($stop:tt)*] {
        $(#[$a:meta])* $v:vis fn $c:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> Self $b:block $($rest:tt)*
    }) => {
        ::core::compile_error!(::core::concat!($who, ": `", ::core::stringify!($c), "` is a second constructor; an actor has exactly one `fn …(args) -> Self` (it is re-run on restart)"));
    };

    // ---- reserved names -----------------------------------------------------------
    (@munch $who:literal $exp:tt $name:ident [$($ctor:tt)*] [$($methods:tt)*] [$($start:tt)*] [$($stop:tt)*] {
        $(#[$a:meta])* $v:vis $(async)? fn stop $($rest:tt)*
    }) => { $crate::__rr_actor! { @reserved $who stop } };
    (@munch $who:literal $exp:tt $name:ident [$($ctor:tt)*] [$($methods:tt)*] [$($start:tt)*] [$($stop:tt)*] {
        $(#[$a:meta])* $v:vis $(async)? fn kill $($rest:tt)*
    }) => { $crate::__rr_actor! { @reserved $who kill } };
    (@munch $who:literal $exp:tt $name:ident [$($ctor:tt)*] [$($methods:tt)*] [$($start:tt)*] [$($stop:tt)*] {
        $(#[$a:meta])* $v:vis $(async)? fn state $($rest:tt)*
    }) => { $crate::__rr_actor! { @reserved $who state } };
    (@munch $who:literal $exp:tt $name:ident [$($ctor:tt)*] [$($methods:tt)*] [$($start:tt)*] [$($stop:tt)*] {
        $(#[$a:meta])* $v:vis $(async)? fn downgrade $($rest:tt)*
    }) => { $crate::__rr_actor! { @reserved $who downgrade } };
    (@munch $who:literal $exp:tt $name:ident [$($ctor:tt)*] [$($methods:tt)*] [$($start:tt)*] [$($stop:tt)*] {
        $(#[$a:meta])* $v:vis $(async)? fn actor_ref $($rest:tt)*
    }) => { $crate::__rr_actor! { @reserved $who actor_ref } };

    // ---- methods in a named concurrency group (`&self` only) ----------------------------
    (@munch $who:literal $exp:tt $name:ident [$($ctor:tt)*] [$($methods:tt)*] [$($start:tt)*] [$($stop:tt)*] {
        $(#[doc = $d:literal])* #[concurrency_group($g:ident)] $(#[$a:meta])* $v:vis async fn $m:ident (& $s:ident $(, $arg:ident : $ty:ty)* $(,)?) $(-> $ret:ty)? $b:block $($rest:tt)*
    }) => {
        $crate::__rr_actor! { @munch $who $exp $name [$($ctor)*] [$($methods)* ([$(#[doc = $d])* $(#[$a])*] [$v] [async] [] [$g] $s $m [$($arg : $ty),*] [$($ret)?] $b)] [$($start)*] [$($stop)*] { $($rest)* } }
    };
    (@munch $who:literal $exp:tt $name:ident [$($ctor:tt)*] [$($methods:tt)*] [$($start:tt)*] [$($stop:tt)*] {
        $(#[doc = $d:literal])* #[concurrency_group($g:ident)] $(#[$a:meta])* $v:vis fn $m:ident (& $s:ident $(, $arg:ident : $ty:ty)* $(,)?) $(-> $ret:ty)? $b:block $($rest:tt)*
    }) => {
        $crate::__rr_actor! { @munch $who $exp $name [$($ctor)*] [$($methods)* ([$(#[doc = $d])* $(#[$a])*] [$v] [] [] [$g] $s $m [$($arg : $ty),*] [$($ret)?] $b)] [$($start)*] [$($stop)*] { $($rest)* } }
    };
    (@munch $who:literal $exp:tt $name:ident [$($ctor:tt)*] [$($methods:tt)*] [$($start:tt)*] [$($stop:tt)*] {
        $(#[doc = $d:literal])* #[concurrency_group($g:ident)] $(#[$a:meta])* $v:vis $(async)? fn $m:ident (&mut $($args:tt)*) $($rest:tt)*
    }) => {
        ::core::compile_error!(::core::concat!($who, ": `", ::core::stringify!($m), "` takes `&mut self`, so it always runs alone; only `&self` methods belong to a concurrency group"));
    };

    // ---- methods: async/sync × &mut self/&self ----------------------------------------
    (@munch $who:literal $exp:tt $name:ident [$($ctor:tt)*] [$($methods:tt)*] [$($start:tt)*] [$($stop:tt)*] {
        $(#[$a:meta])* $v:vis async fn $m:ident (&mut $s:ident $(, $arg:ident : $ty:ty)* $(,)?) $(-> $ret:ty)? $b:block $($rest:tt)*
    }) => {
        $crate::__rr_actor! { @munch $who $exp $name [$($ctor)*] [$($methods)* ([$(#[$a])*] [$v] [async] [mut] [] $s $m [$($arg : $ty),*] [$($ret)?] $b)] [$($start)*] [$($stop)*] { $($rest)* } }
    };
    (@munch $who:literal $exp:tt $name:ident [$($ctor:tt)*] [$($methods:tt)*] [$($start:tt)*] [$($stop:tt)*] {
        $(#[$a:meta])* $v:vis async fn $m:ident (& $s:ident $(, $arg:ident : $ty:ty)* $(,)?) $(-> $ret:ty)? $b:block $($rest:tt)*
    }) => {
        $crate::__rr_actor! { @munch $who $exp $name [$($ctor)*] [$($methods)* ([$(#[$a])*] [$v] [async] [] [] $s $m [$($arg : $ty),*] [$($ret)?] $b)] [$($start)*] [$($stop)*] { $($rest)* } }
    };
    (@munch $who:literal $exp:tt $name:ident [$($ctor:tt)*] [$($methods:tt)*] [$($start:tt)*] [$($stop:tt)*] {
        $(#[$a:meta])* $v:vis fn $m:ident (&mut $s:ident $(, $arg:ident : $ty:ty)* $(,)?) $(-> $ret:ty)? $b:block $($rest:tt)*
    }) => {
        $crate::__rr_actor! { @munch $who $exp $name [$($ctor)*] [$($methods)* ([$(#[$a])*] [$v] [] [mut] [] $s $m [$($arg : $ty),*] [$($ret)?] $b)] [$($start)*] [$($stop)*] { $($rest)* } }
    };
    (@munch $who:literal $exp:tt $name:ident [$($ctor:tt)*] [$($methods:tt)*] [$($start:tt)*] [$($stop:tt)*] {
        $(#[$a:meta])* $v:vis fn $m:ident (& $s:ident $(, $arg:ident : $ty:ty)* $(,)?) $(-> $ret:ty)? $b:block $($rest:tt)*
    }) => {
        $crate::__rr_actor! { @munch $who $exp $name [$($ctor)*] [$($methods)* ([$(#[$a])*] [$v] [] [] [] $s $m [$($arg : $ty),*] [$($ret)?] $b)] [$($start)*] [$($stop)*] { $($rest)* } }
    };

    // ---- common mistakes -----------------------------------------------------------
    (@munch $who:literal $exp:tt $name:ident [$($ctor:tt)*] [$($methods:tt)*] [$($start:tt)*] [$($stop:tt)*] {
        $(#[$a:meta])* $v:vis $(async)? fn $m:ident < $($rest:tt)*
    }) => {
        ::core::compile_error!(::core::concat!($who, ": method `", ::core::stringify!($m), "` is generic; actor methods become message variants and need concrete types (use an enum or a trait object argument instead)"));
    };
    (@munch $who:literal $exp:tt $name:ident [$($ctor:tt)*] [$($methods:tt)*] [$($start:tt)*] [$($stop:tt)*] {
        $(#[$a:meta])* $v:vis $(async)? fn $m:ident ($(mut)? self $($args:tt)*) $($rest:tt)*
    }) => {
        ::core::compile_error!(::core::concat!($who, ": method `", ::core::stringify!($m), "` takes `self` by value, which would consume the actor; take `&self` or `&mut self`"));
    };
    (@munch $who:literal $exp:tt $name:ident [$($ctor:tt)*] [$($methods:tt)*] [$($start:tt)*] [$($stop:tt)*] {
        $(#[$a:meta])* $v:vis $(async)? fn $m:ident (&$($lt:lifetime)? $(mut)? self, $($args:tt)*) $($rest:tt)*
    }) => {
        ::core::compile_error!(::core::concat!($who, ": method `", ::core::stringify!($m), "` has an argument that is not `name: Type` (patterns and `mut name` are not supported); write each argument as `name: Type` and destructure or rebind it in the body (`let mut name = name;`)"));
    };
    (@munch $who:literal $exp:tt $name:ident [$($ctor:tt)*] [$($methods:tt)*] [$($start:tt)*] [$($stop:tt)*] {
        $(#[$a:meta])* $v:vis async fn $c:ident ( $($args:tt)* ) -> Self $($rest:tt)*
    }) => {
        ::core::compile_error!(::core::concat!($who, ": the constructor `", ::core::stringify!($c), "` cannot be `async` (it runs synchronously when the actor starts and on each restart); remove `async` and do asynchronous setup in a method called after `remote()`"));
    };
    (@munch $who:literal $exp:tt $name:ident [$($ctor:tt)*] [$($methods:tt)*] [$($start:tt)*] [$($stop:tt)*] {
        $(#[$a:meta])* $v:vis fn $c:ident ( $($args:tt)* ) -> Self $($rest:tt)*
    }) => {
        ::core::compile_error!(::core::concat!($who, ": the constructor `", ::core::stringify!($c), "` has an argument that is not `name: Type` (patterns and `mut name` are not supported); write each argument as `name: Type` and destructure or rebind it in the body (`let mut name = name;`)"));
    };
    (@munch $who:literal $exp:tt $name:ident [$($ctor:tt)*] [$($methods:tt)*] [$($start:tt)*] [$($stop:tt)*] {
        $(#[$a:meta])* $v:vis $(async)? fn $m:ident ( $($args:tt)* ) $($rest:tt)*
    }) => {
        ::core::compile_error!(::core::concat!($who, ": `", ::core::stringify!($m), "` is neither the constructor (`fn …(args) -> Self`) nor a method (`fn …(&self | &mut self, args) [-> T]`); move helper functions to a separate `impl` block"));
    };
    (@munch $who:literal $exp:tt $name:ident [$($ctor:tt)*] [$($methods:tt)*] [$($start:tt)*] [$($stop:tt)*] {
        $($other:tt)+
    }) => {
        ::core::compile_error!(::core::concat!($who, ": only `fn` items may appear in the impl block (constructor, methods, on_start, on_stop)"));
    };
    (@reserved $who:literal $m:ident) => {
        ::core::compile_error!(::core::concat!($who, ": a method cannot be named `", ::core::stringify!($m), "`: the handle's own lifecycle method of that name would hide it; rename it"));
    };

    // ---- end of input -------------------------------------------------------------
    (@munch $who:literal $exp:tt $name:ident [] [$($methods:tt)*] [$($start:tt)*] [$($stop:tt)*] {}) => {
        ::core::compile_error!(::core::concat!($who, ": `", ::core::stringify!($name), "` has no constructor; add `pub fn new(…) -> Self { … }` (it runs when the actor starts and again on each restart)"));
    };
    (@munch $who:literal $exp:tt $name:ident [$ctor:tt] [$($methods:tt)*] [$($start:tt)*] [$($stop:tt)*] {}) => {
        $crate::__rr_actor! { @emit $exp $name $ctor [$($methods)*] [$($start)*] [$($stop)*] }
        $crate::__rr_actor! { @export $exp $name [$($methods)*] }
    };

    // ---- export: the actor's calls can cross a link ---------------------------------------
    (@export [[] $c:tt] $name:ident [$($methods:tt)*]) => {};
    (@export [[export] $c:tt] $name:ident
        [$(([$($ma:tt)*] [$mv:vis] [$($asy:tt)?] [$($mt:tt)?] [$($grp:ident)?] $s:ident $m:ident [$($arg:ident : $ty:ty),*] [$($ret:ty)?] $mb:block))*]
    ) => { $crate::__rr_if_node! {
        const _: () = {
            use $crate::__private::node as __rn;
            // Every argument and result type must cross a link (a clear error if not).
            fn __rr_assert_wire<T: __rn::Wire>() {}
            #[allow(dead_code)]
            fn __rr_check() {
                $( $( __rr_assert_wire::<$ty>(); )* __rr_assert_wire::<$crate::__rr_ret!($($ret)?)>(); )*
            }
            const __RR_METHODS: &[&str] = &[$(::core::stringify!($m)),*];

            impl __rn::RemoteActor for $name {
                const TYPE_NAME: &'static str = ::core::stringify!($name);

                #[allow(unused_variables)]
                fn encode_call(
                    msg: <Self as __rn::Actor>::Msg,
                    out: &mut __rn::Vec<u8>,
                ) -> ::core::result::Result<(u32, ::core::option::Option<__rn::Completer>), $crate::Error> {
                    type __RrMsg = <$name as __rn::Actor>::Msg;
                    match msg {
                        $(
                            __RrMsg::$m(__rr_p) => {
                                let ($($arg,)* __reply,) = $crate::__private::actor::Pack::unpack(__rr_p);
                                const __RR_INDEX: u32 = __rn::method_index(__RR_METHODS, ::core::stringify!($m));
                                if let ::core::result::Result::Err(e) = __rn::encode_args(&($($arg,)*), out) {
                                    if let ::core::option::Option::Some(reply) = __reply {
                                        reply.fulfill(::core::result::Result::Err(e.clone()));
                                    }
                                    return ::core::result::Result::Err(e);
                                }
                                ::core::result::Result::Ok((__RR_INDEX, __reply.map(__rn::completer)))
                            }
                        )*
                    }
                }

                #[allow(unused_variables, unreachable_code, clippy::unused_unit)]
                fn decode_call(
                    method: u32,
                    args: &[u8],
                    store: &__rn::Store,
                ) -> ::core::result::Result<(<Self as __rn::Actor>::Msg, __rn::Arc<dyn __rn::HeldObject>), $crate::Error> {
                    type __RrMsg = <$name as __rn::Actor>::Msg;
                    let name = __RR_METHODS.get(method as usize).copied().unwrap_or("");
                    $(
                        if name == ::core::stringify!($m) {
                            let ($($arg,)*): ($($ty,)*) = __rn::decode_args(args)?;
                            let (promise, object) = __rn::reply_slot::<$crate::__rr_ret!($($ret)?)>(store);
                            return ::core::result::Result::Ok((
                                __RrMsg::$m($crate::__private::actor::Pack::pack(($($arg,)* ::core::option::Option::Some(promise),))),
                                object,
                            ));
                        }
                    )*
                    ::core::result::Result::Err(__rn::no_such_method(::core::stringify!($name), method))
                }
            }
        };
    } };

    // ---- concurrent actors: `&self` methods side by side ----------------------------------
    (@concurrent [] $name:ident [$($rec:tt)*]) => {};
    (@concurrent [concurrent [$($gname:ident = $glimit:expr),*]] $name:ident
        [$(([$($asy:tt)?] [$($mt:tt)?] [$($grp:ident)?] $m:ident [$($arg:ident)*]))*]
    ) => {
        const CONCURRENT: bool = true;
        const CONCURRENCY_GROUPS: &'static [(&'static str, u32)] = &[$((::core::stringify!($gname), $glimit)),*];

        #[allow(unused_variables, unreachable_code)]
        fn concurrency_group(msg: &Msg) -> ::core::option::Option<usize> {
            match *msg {
                $( Msg::$m { .. } => $crate::__rr_group!($name [$($mt)?] [$($grp)?]), )*
            }
        }

        #[allow(unused_variables, unused_mut, unreachable_code, clippy::unused_unit)]
        fn handle_shared<'a>(&'a self, msg: Msg, ctx: &'a __rr::ActorContext<Self>)
            -> impl ::core::future::Future<Output = ()> + ::core::marker::Send + 'a
        {
            async move {
                match msg {
                    $( Msg::$m(__rr_p) => {
                        let ($($arg,)* mut __reply,) = __rr::Pack::unpack(__rr_p);
                        $crate::__rr_shared!([$($mt)?] [$($asy)?] self $name $m [$($arg)*] __reply)
                    } )*
                }
            }
        }

        fn __serve_concurrently<'a>(&'a self, phase: __rr::Phase<'a, Self>) -> __rr::BoxedPhase<'a, Self> {
            __rr::serve(self, phase)
        }
    };
    (@groups_need_concurrent [concurrent $g:tt] [$($grp:ident)*]) => {};
    (@groups_need_concurrent [] []) => {};
    (@groups_need_concurrent [] [$($grp:ident)+]) => {
        ::core::compile_error!("#[concurrency_group(…)] needs the actor's impl block marked #[concurrent(group = limit, …)]");
    };
    (@max_concurrency []) => {};
    (@max_concurrency [concurrent $g:tt]) => {
        /// See `ActorOptions::max_concurrency`.
        pub fn max_concurrency(self, n: u32) -> Self {
            Options(self.0.max_concurrency(n))
        }
    };

    // ---- generation ------------------------------------------------------------------
    (@emit [$e:tt $conc:tt] $name:ident
        ([$($ca:tt)*] [$cv:vis] $c:ident [$($carg:ident : $cty:ty),*] $cb:block)
        [$(([$($ma:tt)*] [$mv:vis] [$($asy:tt)?] [$($mt:tt)?] [$($grp:ident)?] $s:ident $m:ident [$($arg:ident : $ty:ty),*] [$($ret:ty)?] $mb:block))*]
        [$(($ss:ident $sctx:ident $scty:ty $sb:block))?]
        [$(($ts:ident $tb:block))?]
    ) => {
        impl $name {
            $($ca)* $cv fn $c($($carg : $cty),*) -> Self $cb
            $(
                $($ma)* $mv $($asy)? fn $m(& $($mt)? $s $(, $arg : $ty)*) -> $crate::__rr_ret!($($ret)?) $mb
            )*
        }

        const _: () = {
            use $crate::__private::actor as __rr;

            /// The messages of this actor: one variant per method.
            #[allow(non_camel_case_types, dead_code)]
            pub enum Msg {
                $( $m($crate::__rr_packed!([$($ty),*] [$crate::__rr_ret!($($ret)?)])), )*
            }

            /// The typed methods of a handle to this actor.
            #[derive(Clone)]
            pub struct Methods(__rr::ActorRef<$name>);

            impl ::core::fmt::Debug for Methods {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    ::core::fmt::Debug::fmt(&self.0, f)
                }
            }

            // (Not offered as a candidate in another actor's diagnostics.)
            #[diagnostic::do_not_recommend]
            impl __rr::ActorMethods<$name> for Methods {
                fn from_ref(actor: __rr::ActorRef<$name>) -> Self { Methods(actor) }
                fn actor_ref(&self) -> &__rr::ActorRef<$name> { &self.0 }
            }

            #[allow(clippy::unused_unit)]
            impl Methods {
                $(
                    $($ma)*
                    $mv fn $m(&self $(, $arg : $ty)*) -> __rr::Call<'_, $name, $crate::__rr_ret!($($ret)?),
                        impl ::core::ops::FnOnce(::core::option::Option<__rr::Promise<$crate::__rr_ret!($($ret)?)>>) -> Msg + ::core::marker::Send>
                    {
                        __rr::Call::new(&self.0, move |__reply| Msg::$m(__rr::Pack::pack(($($arg,)* __reply,))))
                    }
                )*
            }

            impl __rr::Actor for $name {
                type Args = ($($cty,)*);
                type Msg = Msg;
                type Methods = Methods;

                #[allow(unused_variables, clippy::unused_unit)]
                fn create(args: Self::Args) -> Self {
                    let ($($carg,)*) = args;
                    <$name>::$c($($carg),*)
                }

                #[allow(unused_variables, unreachable_code)]
                fn handle<'a>(&'a mut self, msg: Msg, ctx: &'a __rr::ActorContext<Self>)
                    -> impl ::core::future::Future<Output = ()> + ::core::marker::Send + 'a
                {
                    // With no `async` method, nothing ever needs a future: the type is
                    // zero-sized, so the actor's task keeps no room for one.
                    $crate::__rr_if_async!([$([$($asy)?])*] {
                        async move {
                            match msg {
                                $(
                                    Msg::$m(__rr_p) => {
                                        let ($($arg,)* mut __reply,) = __rr::Pack::unpack(__rr_p);
                                        $crate::__rr_call!(self ctx $name $m [$($asy)?] [$($arg)*] __reply)
                                    }
                                )*
                            }
                        }
                    } {
                        let _handled_now = <Self as __rr::Actor>::handle_now(self, msg, ctx);
                        ::core::future::ready(())
                    })
                }

                #[allow(unused_variables, unused_mut, unreachable_code)]
                fn handle_now(&mut self, msg: Msg, ctx: &__rr::ActorContext<Self>) -> ::core::option::Option<Msg> {
                    match msg {
                        $(
                            Msg::$m(__rr_p) => $crate::__rr_now!([$($asy)?]
                                {
                                    let ($($arg,)* mut __reply,) = __rr::Pack::unpack(__rr_p);
                                    $crate::__rr_call!(self ctx $name $m [] [$($arg)*] __reply)
                                }
                                Msg::$m(__rr_p)),
                        )*
                    }
                }

                #[inline]
                fn __is_async(msg: &Msg) -> bool {
                    match *msg {
                        $( Msg::$m { .. } => $crate::__rr_is_async!([$($asy)?]), )*
                    }
                }

                #[inline]
                fn __prefetch(msg: &Msg) {
                    match *msg {
                        $( Msg::$m(ref __rr_p) => {
                            let (.., __reply) = &**__rr_p;
                            if let ::core::option::Option::Some(reply) = __reply {
                                reply.__prefetch();
                            }
                        } )*
                    }
                }

                #[inline]
                fn method_name(msg: &Msg) -> &'static str {
                    match *msg {
                        $( Msg::$m { .. } => ::core::stringify!($m), )*
                    }
                }

                #[allow(unused_variables, unreachable_code)]
                fn reject(msg: Msg, error: $crate::Error) {
                    match msg {
                        $(
                            Msg::$m(__rr_p) => {
                                let (.., __reply) = __rr::Pack::unpack(__rr_p);
                                if let ::core::option::Option::Some(reply) = __reply {
                                    reply.fulfill(::core::result::Result::Err(error));
                                }
                            }
                        )*
                    }
                }

                $crate::__rr_actor! { @concurrent $conc $name [$(([$($asy)?] [$($mt)?] [$($grp)?] $m [$($arg)*]))*] }

                $(
                    fn on_start(&mut $ss, $sctx: &__rr::ActorContext<Self>) $sb
                )?
                $(
                    fn on_stop(&mut $ts) $tb
                )?
            }

            $crate::__rr_actor! { @groups_need_concurrent $conc [$($($grp)?)*] }

            /// Options for creating this actor (name, restarts, mailbox); finish with
            /// `.remote(args…)` or `.remote_on(&host, args…)`.
            #[must_use = "options do nothing until .remote(…) is called"]
            #[derive(Debug)]
            pub struct Options(__rr::ActorOptions<$name>);

            #[allow(dead_code, clippy::too_many_arguments)]
            impl Options {
                /// See `ActorOptions::name`.
                pub fn name(self, name: impl ::core::convert::Into<__rr::String>) -> Self {
                    Options(self.0.name(name))
                }
                /// See `ActorOptions::get_if_exists`.
                pub fn get_if_exists(self, yes: bool) -> Self {
                    Options(self.0.get_if_exists(yes))
                }
                /// See `ActorOptions::max_restarts`.
                pub fn max_restarts(self, n: u32) -> Self {
                    Options(self.0.max_restarts(n))
                }
                /// See `ActorOptions::max_task_retries`.
                pub fn max_task_retries(self, n: u32) -> Self {
                    Options(self.0.max_task_retries(n))
                }
                $crate::__rr_actor! { @max_concurrency $conc }
                /// See `ActorOptions::mailbox_capacity`.
                pub fn mailbox_capacity(self, n: usize) -> Self {
                    Options(self.0.mailbox_capacity(n))
                }
                /// See `ActorOptions::unbounded_mailbox`.
                pub fn unbounded_mailbox(self) -> Self {
                    Options(self.0.unbounded_mailbox())
                }
                /// See `ActorOptions::fixed_mailbox`.
                pub fn fixed_mailbox<const N: usize>(self) -> Self {
                    Options(self.0.fixed_mailbox::<N>())
                }
                $crate::__rr_if_std! {
                    /// See `ActorOptions::restart_backoff`.
                    pub fn restart_backoff(self, min: ::core::time::Duration, max: ::core::time::Duration) -> Self {
                        Options(self.0.restart_backoff(min, max))
                    }
                    /// See `ActorOptions::restart_intensity`.
                    pub fn restart_intensity(self, restarts: u32, period: ::core::time::Duration) -> Self {
                        Options(self.0.restart_intensity(restarts, period))
                    }
                    /// Creates the actor on the current runtime (or the default one).
                    pub async fn remote(self $(, $carg : $cty)*)
                        -> ::core::result::Result<__rr::ActorHandle<$name>, $crate::Error>
                    {
                        self.0.remote(($($carg,)*)).await
                    }
                }
                /// Creates the actor on `host` (a `Runtime`, a `Handle`, or a
                /// `(&'static LocalExecutor, &'static Store)` pair).
                pub fn remote_on(self, host: &impl __rr::Host $(, $carg : $cty)*)
                    -> ::core::future::Ready<::core::result::Result<__rr::ActorHandle<$name>, $crate::Error>>
                {
                    self.0.remote_on(host, ($($carg,)*))
                }
            }

            impl $name {
                /// Options (name, restarts, mailbox) for creating this actor.
                #[allow(dead_code)]
                $cv fn options() -> Options {
                    Options(__rr::ActorOptions::new())
                }

                /// Creates this actor on `host` (a `Runtime`, a `Handle`, or a
                /// `(&'static LocalExecutor, &'static Store)` pair).
                #[allow(dead_code, clippy::too_many_arguments)]
                $cv fn remote_on(host: &impl __rr::Host $(, $carg : $cty)*)
                    -> ::core::future::Ready<::core::result::Result<__rr::ActorHandle<$name>, $crate::Error>>
                {
                    Self::options().remote_on(host $(, $carg)*)
                }
            }

            $crate::__rr_if_std! {
                impl $name {
                    /// Creates this actor on the current runtime (or the default one).
                    #[allow(dead_code, clippy::too_many_arguments)]
                    $cv async fn remote($($carg : $cty),*)
                        -> ::core::result::Result<__rr::ActorHandle<$name>, $crate::Error>
                    {
                        Self::options().remote($($carg),*).await
                    }
                }
            }
        };
    };
}

/// Runs one call: keeps a copy for `max_task_retries`, invokes the method (awaiting it if
/// it is `async`), and answers through the reply slot.
#[doc(hidden)]
#[macro_export]
macro_rules! __rr_call {
    ($me:ident $ctx:ident $name:ident $m:ident [$($asy:tt)?] [$($arg:ident)*] $reply:ident) => {{
        let __args = ($($arg,)*);
        // max_task_retries: keep a copy (cloned arguments, the reply slot) to run again if
        // the method panics.
        if $ctx.__keeps_calls() {
            #[allow(unused_imports)]
            use $crate::__private::actor::{CloneProbe as _, NoCloneProbe as _};
            if let ::core::option::Option::Some(($($arg,)*)) = (&$crate::__private::actor::Probe(&__args)).__rr_try_clone() {
                $ctx.__keep(Msg::$m($crate::__private::actor::Pack::pack(($($arg,)* $reply.take(),))));
            }
        }
        let ($($arg,)*) = __args;
        let out = $crate::__rr_invoke!([$($asy)?] $reply $m $name $me.$m($($arg),*));
        #[allow(unreachable_patterns)]
        let $reply = match $ctx.__take_kept() {
            ::core::option::Option::Some(Msg::$m(__rr_p)) => {
                let (.., __reply) = $crate::__private::actor::Pack::unpack(__rr_p);
                __reply
            }
            _ => $reply,
        };
        $crate::__private::actor::call_done();
        if let ::core::option::Option::Some(reply) = $reply {
            reply.fulfill(::core::result::Result::Ok(out));
        }
    }};
}

/// In `handle_now`: runs a synchronous method's call (`None`), hands an `async` one back.
#[doc(hidden)]
#[macro_export]
macro_rules! __rr_now {
    ([async] $run:block $msg:expr) => {
        ::core::option::Option::Some($msg)
    };
    ([] $run:block $msg:expr) => {{
        $run;
        ::core::option::Option::None
    }};
}

/// The first block if any method is `async`, else the second.
#[doc(hidden)]
#[macro_export]
macro_rules! __rr_if_async {
    ([] $yes:block $no:block) => {
        $no
    };
    ([[async] $($rest:tt)*] $yes:block $no:block) => {
        $yes
    };
    ([[] $($rest:tt)*] $yes:block $no:block) => {
        $crate::__rr_if_async!([$($rest)*] $yes $no)
    };
}

/// `true` for an `async` method.
#[doc(hidden)]
#[macro_export]
macro_rules! __rr_is_async {
    ([async]) => {
        true
    };
    ([]) => {
        false
    };
}

/// The carrier of one method's call in its message: its arguments and reply slot, inline
/// when they fit in two words, boxed when wider (see `rustyray::actor::packed`).
#[doc(hidden)]
#[macro_export]
macro_rules! __rr_packed {
    ([$($ty:ty),*] [$ret:ty]) => {
        <$crate::__private::actor::Width<{
            $crate::__private::actor::fits_inline::<($($ty,)* ::core::option::Option<$crate::__private::actor::Promise<$ret>>,)>()
        }> as $crate::__private::actor::Select<($($ty,)* ::core::option::Option<$crate::__private::actor::Promise<$ret>>,)>>::Out
    };
}

/// `()` when a method declares no return type.
#[doc(hidden)]
#[macro_export]
macro_rules! __rr_ret {
    () => {
        ()
    };
    ($t:ty) => {
        $t
    };
}

/// Calls a method, awaiting it if it is `async`.
#[doc(hidden)]
#[macro_export]
macro_rules! __rr_invoke {
    // If the method panics its reply is answered with the panic's own message (whatever
    // panic hook is installed), then the unwinding goes on to the supervisor.
    ([async] $reply:ident $m:ident $name:ident $e:expr) => {
        $crate::__private::actor::run_async_method(&mut $reply, $e).await
    };
    ([] $reply:ident $m:ident $name:ident $e:expr) => {
        $crate::__private::actor::run_method(&mut $reply, || $e)
    };
}

/// A concurrent actor's method's group: `None` for `&mut self` (it runs alone), the
/// default group (0) or its named group's index for `&self`.
#[doc(hidden)]
#[macro_export]
macro_rules! __rr_group {
    ($name:ident [mut] [$($g:ident)?]) => {
        ::core::option::Option::None
    };
    ($name:ident [] []) => {
        ::core::option::Option::Some(0)
    };
    ($name:ident [] [$g:ident]) => {{
        const __RR_GROUP: usize = $crate::__private::actor::group_index(
            <$name as $crate::__private::actor::Actor>::CONCURRENCY_GROUPS,
            ::core::stringify!($g),
        );
        ::core::option::Option::Some(__RR_GROUP)
    }};
}

/// Runs one call of a `&self` method next to others (no retry copy: concurrent calls are
/// not retried). A `&mut self` message never gets here; if it did, its caller is told.
#[doc(hidden)]
#[macro_export]
macro_rules! __rr_shared {
    ([mut] [$($asy:tt)?] $me:ident $name:ident $m:ident [$($arg:ident)*] $reply:ident) => {{
        let _ = ($($arg,)*);
        if let ::core::option::Option::Some(reply) = $reply {
            reply.fulfill(::core::result::Result::Err($crate::Error::InvalidConfig {
                reason: "a `&mut self` call cannot run next to others",
            }));
        }
    }};
    ([] [] $me:ident $name:ident $m:ident [$($arg:ident)*] $reply:ident) => {{
        let out = $crate::__private::actor::run_traced(::core::stringify!($m), ::core::stringify!($name), || {
            $crate::__rr_invoke!([] $reply $m $name $me.$m($($arg),*))
        });
        $crate::__private::actor::call_done();
        if let ::core::option::Option::Some(reply) = $reply {
            reply.fulfill(::core::result::Result::Ok(out));
        }
    }};
    ([] [async] $me:ident $name:ident $m:ident [$($arg:ident)*] $reply:ident) => {{
        let out = $crate::__rr_invoke!([async] $reply $m $name $me.$m($($arg),*));
        $crate::__private::actor::call_done();
        if let ::core::option::Option::Some(reply) = $reply {
            reply.fulfill(::core::result::Result::Ok(out));
        }
    }};
}

/// Expands its input only when rustyray is built with `std`.
#[cfg(feature = "std")]
#[doc(hidden)]
#[macro_export]
macro_rules! __rr_if_std {
    ($($t:tt)*) => { $($t)* };
}

/// Expands its input only when rustyray is built with `std`.
#[cfg(not(feature = "std"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __rr_if_std {
    ($($t:tt)*) => {};
}

/// Expands its input only when rustyray is built with the `node` feature (an `#[export]`
/// without it is a compile error that says so).
#[cfg(feature = "node")]
#[doc(hidden)]
#[macro_export]
macro_rules! __rr_if_node {
    ($($t:tt)*) => { $($t)* };
}

/// Expands its input only when rustyray is built with the `node` feature (an `#[export]`
/// without it is a compile error that says so).
#[cfg(not(feature = "node"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __rr_if_node {
    ($($t:tt)*) => {
        ::core::compile_error!("#[export] needs rustyray's `node` feature (on by default through `net`)");
    };
}
