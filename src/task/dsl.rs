//! The task DSL: the one generator behind both `rustyray::dsl::task! { … }` and
//! `#[rustyray::remote]` (which validates the function, then expands to it).
//!
//! `__rr_task!` is a tt-muncher: it walks the input one function at a time (collecting
//! `#[options(…)]` and other attributes), checks the argument list one argument at a time,
//! and routes every mistake to an arm ending in `compile_error!` that says what to write.
//! For each function `name` the final arm generates:
//!
//! * the function itself, unchanged (still callable locally);
//! * a module `name` (functions and modules live in different namespaces) that starts with
//!   `use super::*;` so the signature's types resolve, holding `remote(args…)` (std),
//!   `remote_on(&host, args…)`, `options()` and its builder type `options::Options`;
//! * inside `const _: () = { … };`, the builder's methods.

/// Declares remote functions without a proc-macro (works in `no_std` builds).
///
/// Each function stays callable locally; a module of the same name offers
/// `name::remote(args…)` (on the current or default runtime, `std`),
/// `name::remote_on(&host, args…)` (a [`Runtime`](crate::Runtime),
/// a [`Handle`](crate::Handle), or a `(&'static LocalExecutor, &'static Store)` pair) and
/// `name::options()` (`.num_cpus(f64)`, `.max_retries(u32)`, `.retry_exceptions(bool)`, then
/// `.remote(args…)` / `.remote_on(&host, args…)`). Each returns, once the task is
/// submitted, an [`ObjectRef`](crate::ObjectRef) to the function's result.
///
/// # Grammar
///
/// ```text
/// rustyray::dsl::task! {
///     [#[options(num_cpus = 2.0, max_retries = 3, retry_exceptions = true)]]   // any subset, any order
///     [#[attr]…] [pub] [async] fn name(arg: Type, …) [-> Ret] { … }
///     …more functions…
/// }
/// ```
///
/// * Every argument position accepts a value or an `ObjectRef` to one (see
///   [`Arg`](crate::task::Arg)): refs are resolved before the task runs, and an argument
///   holding an error fails the task without running it. A ref argument needs
///   `Type: Clone` (the value is moved out when the task holds the last ref, else cloned);
///   an `Arc<T>` parameter takes an `ObjectRef<T>` without any copy.
/// * Argument types must be owned and `Send + 'static` (`String`, not `&str`); the result
///   type must be `Send + Sync + 'static`. `Result<T, E>` results are stored as values:
///   the caller gets `ObjectRef<Result<T, E>>`, typed.
/// * Retries (`max_retries`) re-run the function with clones of its arguments; a function
///   with an argument that is not `Clone` is not retried.
/// * Declare tasks at module level (not inside a function body): the generated module
///   reaches the function and your types through `super::`.
///
/// # Example
///
/// ```
/// rustyray::dsl::task! {
///     pub async fn add(x: i32, y: i32) -> i32 { x + y }
///
///     #[options(num_cpus = 0.5, max_retries = 2)]
///     fn double(v: Vec<i32>) -> Vec<i32> { v.into_iter().map(|x| x * 2).collect() }
/// }
///
/// fn main() -> Result<(), rustyray::Error> {
///     assert_eq!(double(vec![1]), [2]); // still a plain function
///     let rt = rustyray::Runtime::builder().worker_threads(2).build()?;
///     rt.block_on(async {
///         let three = add::remote(1, 2).await?;               // ObjectRef<i32>
///         let five = add::remote(three, 2).await?;            // a ref where an i32 is expected
///         assert_eq!(five.get().await?, 5);
///         let v = double::options().num_cpus(1.0).remote(vec![1, 2]).await?;
///         assert_eq!(v.get().await?, [2, 4]);
///         let r = add::remote_on(&rt, 40, 2).await?;           // an explicit runtime
///         assert_eq!(r.get().await?, 42);
///         Ok(())
///     })
/// }
/// ```
#[doc(hidden)] // shown as `rustyray::dsl::task!`
#[macro_export]
macro_rules! __rr_dsl_task {
    ($($items:tt)*) => {
        $crate::__rr_task! { @munch "rustyray::dsl::task!" [] [] { $($items)* } }
    };
}

/// The task DSL's entry for front ends that name themselves (`#[rustyray::remote]`).
#[doc(hidden)]
#[macro_export]
macro_rules! __rr_task_entry {
    ($who:literal $($items:tt)*) => {
        $crate::__rr_task! { @munch $who [] [] { $($items)* } }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __rr_task {
    // ---- end of input -------------------------------------------------------------
    (@munch $who:literal [] [] {}) => {};
    (@munch $who:literal [$($o:tt)*] [$($a:tt)*] {}) => {
        ::core::compile_error!(::core::concat!($who, ": attributes at the end with no function after them; put them right before a `fn`"));
    };

    // ---- #[options(…)] ------------------------------------------------------------
    (@munch $who:literal [] [$($a:tt)*] { #[options( $($opt:tt)* )] $($rest:tt)* }) => {
        $crate::__rr_task! { @opts $who [!] [$($opt)*] [$($a)*] { $($rest)* } }
    };
    (@munch $who:literal [! $($o:tt)*] [$($a:tt)*] { #[options $($opt:tt)*] $($rest:tt)* }) => {
        ::core::compile_error!(::core::concat!($who, ": a function has two #[options(…)] attributes; merge them into one: #[options(num_cpus = 2.0, max_retries = 3)]"));
    };
    (@munch $who:literal [] [$($a:tt)*] { #[options $($opt:tt)*] $($rest:tt)* }) => {
        ::core::compile_error!(::core::concat!($who, ": write task options as #[options(num_cpus = 2.0, max_retries = 3, retry_exceptions = true)]"));
    };
    (@opts $who:literal [$($acc:tt)*] [] $a:tt { $($rest:tt)* }) => {
        $crate::__rr_task! { @munch $who [$($acc)*] $a { $($rest)* } }
    };
    (@opts $who:literal [$($acc:tt)*] [num_cpus = $v:expr $(, $($more:tt)*)?] $a:tt $rest:tt) => {
        $crate::__rr_task! { @opts $who [$($acc)* num_cpus((($v) as f64))] [$($($more)*)?] $a $rest }
    };
    (@opts $who:literal [$($acc:tt)*] [max_retries = $v:expr $(, $($more:tt)*)?] $a:tt $rest:tt) => {
        $crate::__rr_task! { @opts $who [$($acc)* max_retries(($v))] [$($($more)*)?] $a $rest }
    };
    (@opts $who:literal [$($acc:tt)*] [retry_exceptions = $v:expr $(, $($more:tt)*)?] $a:tt $rest:tt) => {
        $crate::__rr_task! { @opts $who [$($acc)* retry_exceptions(($v))] [$($($more)*)?] $a $rest }
    };
    (@opts $who:literal [$($acc:tt)*] [$k:ident = $($more:tt)*] $a:tt $rest:tt) => {
        ::core::compile_error!(::core::concat!($who, ": unknown task option `", ::core::stringify!($k), "`; the options are `num_cpus = <f64>`, `max_retries = <u32>` and `retry_exceptions = <bool>`"));
    };
    (@opts $who:literal [$($acc:tt)*] [$($other:tt)+] $a:tt $rest:tt) => {
        ::core::compile_error!(::core::concat!($who, ": write each option as `name = value`, e.g. #[options(num_cpus = 2.0, max_retries = 3)]"));
    };

    // ---- #[export]: peers may run it (marked first in the attribute list) -------------
    (@munch $who:literal $o:tt [$($a:tt)*] { #[export] $($rest:tt)* }) => {
        $crate::__rr_task! { @munch $who $o [@export $($a)*] { $($rest)* } }
    };

    // ---- other attributes (docs, lints, …) stay on the function ---------------------
    (@munch $who:literal $o:tt [$($a:tt)*] { #[$($attr:tt)*] $($rest:tt)* }) => {
        $crate::__rr_task! { @munch $who $o [$($a)* #[$($attr)*]] { $($rest)* } }
    };

    // ---- common mistakes ------------------------------------------------------------
    (@munch $who:literal $o:tt $a:tt { $v:vis $(async)? fn $name:ident < $($rest:tt)* }) => {
        ::core::compile_error!(::core::concat!($who, ": `", ::core::stringify!($name), "` is generic; a remote function needs concrete types (write one function per type, or take an enum)"));
    };
    (@munch $who:literal $o:tt $a:tt { $v:vis $(async)? fn $name:ident ( $($args:tt)* ) -> impl $($rest:tt)* }) => {
        ::core::compile_error!(::core::concat!($who, ": `", ::core::stringify!($name), "` returns `impl Trait`; a task's result is stored as an object and needs a nameable type: return a concrete type"));
    };
    (@munch $who:literal $o:tt $a:tt { $v:vis $(async)? fn $name:ident ( $($args:tt)* ) $(-> $ret:ty)? where $($rest:tt)* }) => {
        ::core::compile_error!(::core::concat!($who, ": `", ::core::stringify!($name), "` has a `where` clause; a remote function needs concrete types: remove it"));
    };
    (@munch $who:literal $o:tt $a:tt { $v:vis const $($rest:tt)* }) => {
        ::core::compile_error!(::core::concat!($who, ": a remote function is a plain `fn` or `async fn` (not `const`)"));
    };
    (@munch $who:literal $o:tt $a:tt { $v:vis $(async)? unsafe $($rest:tt)* }) => {
        ::core::compile_error!(::core::concat!($who, ": a remote function is a plain `fn` or `async fn` (not `unsafe`); call unsafe code inside a safe function"));
    };
    (@munch $who:literal $o:tt $a:tt { $v:vis $(async)? extern $($rest:tt)* }) => {
        ::core::compile_error!(::core::concat!($who, ": a remote function is a plain `fn` or `async fn` (not `extern`)"));
    };

    // ---- a function -----------------------------------------------------------------
    (@munch $who:literal $o:tt $a:tt { $v:vis async fn $name:ident ( $($args:tt)* ) $(-> $ret:ty)? $body:block $($rest:tt)* }) => {
        $crate::__rr_task! { @args $who $name ($o $a [$v] [async] $name [$($args)*] [$($ret)?] $body) [$($args)*] }
        $crate::__rr_task! { @munch $who [] [] { $($rest)* } }
    };
    (@munch $who:literal $o:tt $a:tt { $v:vis fn $name:ident ( $($args:tt)* ) $(-> $ret:ty)? $body:block $($rest:tt)* }) => {
        $crate::__rr_task! { @args $who $name ($o $a [$v] [] $name [$($args)*] [$($ret)?] $body) [$($args)*] }
        $crate::__rr_task! { @munch $who [] [] { $($rest)* } }
    };
    (@munch $who:literal $o:tt $a:tt { $v:vis $(async)? fn $name:ident $($rest:tt)* }) => {
        ::core::compile_error!(::core::concat!($who, ": could not read function `", ::core::stringify!($name), "`; write `[pub] [async] fn name(arg: Type, …) [-> Ret] { … }`"));
    };
    (@munch $who:literal $o:tt $a:tt { $($other:tt)+ }) => {
        ::core::compile_error!(::core::concat!($who, ": only functions may appear here: `[#[options(…)]] [pub] [async] fn name(arg: Type, …) [-> Ret] { … }`; define structs, impls and other items outside the macro"));
    };

    // ---- arguments, one at a time ---------------------------------------------------
    (@args $who:literal $name:ident $rec:tt []) => {
        $crate::__rr_task! { @emit $rec }
    };
    (@args $who:literal $name:ident $rec:tt [ $(&)? $(mut)? self $($rest:tt)* ]) => {
        $crate::__rr_task! { @self_error $who $name }
    };
    (@args $who:literal $name:ident $rec:tt [ & $lt:lifetime $(mut)? self $($rest:tt)* ]) => {
        $crate::__rr_task! { @self_error $who $name }
    };
    (@args $who:literal $name:ident $rec:tt [ mut $arg:ident : $($rest:tt)* ]) => {
        ::core::compile_error!(::core::concat!($who, ": write the argument `mut ", ::core::stringify!($arg), "` of `", ::core::stringify!($name), "` as `", ::core::stringify!($arg), ": Type` and rebind it in the body (`let mut ", ::core::stringify!($arg), " = ", ::core::stringify!($arg), ";`)"));
    };
    (@args $who:literal $name:ident $rec:tt [ $arg:ident : impl $($rest:tt)* ]) => {
        ::core::compile_error!(::core::concat!($who, ": argument `", ::core::stringify!($arg), "` of `", ::core::stringify!($name), "` has an `impl Trait` type; a remote function needs concrete types: name the type (e.g. `String` instead of `impl Into<String>`)"));
    };
    (@args $who:literal $name:ident $rec:tt [ $arg:ident : & 'static $t:ty $(, $($rest:tt)*)? ]) => {
        $crate::__rr_task! { @args $who $name $rec [$($($rest)*)?] }
    };
    (@args $who:literal $name:ident $rec:tt [ $arg:ident : & $($rest:tt)* ]) => {
        $crate::__rr_task! { @ref_error $who $name $arg }
    };
    (@args $who:literal $name:ident $rec:tt [ $arg:ident : && $($rest:tt)* ]) => {
        $crate::__rr_task! { @ref_error $who $name $arg }
    };
    (@args $who:literal $name:ident $rec:tt [ $arg:ident : $t:ty $(, $($rest:tt)*)? ]) => {
        $crate::__rr_task! { @args $who $name $rec [$($($rest)*)?] }
    };
    (@args $who:literal $name:ident $rec:tt [ $($other:tt)* ]) => {
        ::core::compile_error!(::core::concat!($who, ": an argument of `", ::core::stringify!($name), "` is not `name: Type` (patterns such as `(a, b): (i32, i32)` or `_` are not supported); write each argument as `name: Type` and destructure it in the body"));
    };
    (@self_error $who:literal $name:ident) => {
        ::core::compile_error!(::core::concat!($who, ": `", ::core::stringify!($name), "` takes `self`; a remote function is a free function: pass the value as an ordinary argument, or make it an actor method (rustyray::dsl::actor!)"));
    };
    (@ref_error $who:literal $name:ident $arg:ident) => {
        ::core::compile_error!(::core::concat!($who, ": argument `", ::core::stringify!($arg), "` of `", ::core::stringify!($name), "` is a reference; a task outlives its caller, so take an owned value (`String` instead of `&str`, `Vec<T>` instead of `&[T]`, `Arc<T>` to share)"));
    };

    // ---- generation -----------------------------------------------------------------
    (@emit ([$($o:tt)*] [@export $($attr:tt)*] $($rest:tt)*)) => {
        $crate::__rr_task! { @emit_as [export] ([$($o)*] [$($attr)*] $($rest)*) }
    };
    (@emit $rec:tt) => {
        $crate::__rr_task! { @emit_as [] $rec }
    };
    (@emit_as [$($exp:ident)?] (
        [$($o:tt)*] [$($attr:tt)*] [$vis:vis] [$($asy:tt)?] $name:ident
        [$($arg:ident : $ty:ty),* $(,)?] [$($ret:ty)?] $body:block
    )) => {
        $($attr)*
        $vis $($asy)? fn $name($($arg : $ty),*) $(-> $ret)? $body

        #[doc = ::core::concat!(
            "Remote calls of the function `", ::core::stringify!($name), "`: `", ::core::stringify!($name),
            "::remote(args…)` submits it as a task and returns an `ObjectRef` to its result; every argument may be a value or an `ObjectRef` to one."
        )]
        $vis mod $name {
            #![allow(unused_imports, clippy::too_many_arguments, clippy::unused_unit)]
            use super::*;

            /// The builder type of [`options()`](fn@options).
            pub mod options {
                /// Options for one call; finish with `.remote(args…)` or
                /// `.remote_on(&host, args…)`.
                #[derive(Debug, Clone, Copy)]
                #[must_use = "options do nothing until .remote(…) is called"]
                pub struct Options(pub(super) $crate::__private::task::TaskOptions);
            }

            /// Options for a call, starting from this function's defaults.
            pub fn options() -> options::Options {
                options::Options($crate::__rr_task!(@defaults $($o)*))
            }

            const _: () = {
                impl options::Options {
                    /// CPUs the task holds while its body runs (fractional).
                    pub fn num_cpus(self, cpus: f64) -> Self {
                        Self(self.0.num_cpus(cpus))
                    }

                    /// Times a task whose body panicked is re-run (with clones of its arguments).
                    pub fn max_retries(self, n: u32) -> Self {
                        Self(self.0.max_retries(n))
                    }

                    /// Also re-run a task whose result is `Err(_)` (within `max_retries`).
                    pub fn retry_exceptions(self, yes: bool) -> Self {
                        Self(self.0.retry_exceptions(yes))
                    }

                    /// Submits the task to `host` (a `Runtime`, a `Handle`, or a
                    /// `(&'static LocalExecutor, &'static Store)` pair).
                    pub async fn remote_on(
                        self,
                        __rr_host: &impl $crate::__private::task::Host,
                        $($arg : impl $crate::__private::task::Arg<$ty>),*
                    ) -> ::core::result::Result<
                        $crate::__private::task::ObjectRef<$crate::__rr_task!(@ret $($ret)?)>,
                        $crate::Error,
                    > {
                        self.__rr_submit($crate::__private::task::Target::On(__rr_host), $($arg),*)
                    }

                    $crate::__rr_if_std! {
                        /// Submits the task to the current runtime (or the default one).
                        pub async fn remote(
                            self,
                            $($arg : impl $crate::__private::task::Arg<$ty>),*
                        ) -> ::core::result::Result<
                            $crate::__private::task::ObjectRef<$crate::__rr_task!(@ret $($ret)?)>,
                            $crate::Error,
                        > {
                            self.__rr_submit($crate::__private::task::current(), $($arg),*)
                        }
                    }

                    /// The one submission path of this function.
                    fn __rr_submit<S: $crate::__private::task::Host>(
                        self,
                        __rr_target: $crate::__private::task::Target<'_, S>,
                        $($arg : impl $crate::__private::task::Arg<$ty>),*
                    ) -> ::core::result::Result<
                        $crate::__private::task::ObjectRef<$crate::__rr_task!(@ret $($ret)?)>,
                        $crate::Error,
                    > {
                        $crate::__private::task::submit(
                            __rr_target,
                            self.0,
                            ::core::stringify!($name),
                            $crate::__rr_task!(@resolve [$($arg : $ty),*]),
                            $crate::__rr_task!(@make [$($asy)?] $name [$($arg : $ty),*]),
                            $crate::__rr_task!(@is_err $crate::__rr_task!(@ret $($ret)?)),
                        )
                    }
                }
            };

            /// Submits the task to `host` (a `Runtime`, a `Handle`, or a
            /// `(&'static LocalExecutor, &'static Store)` pair); returns the ref of its result.
            pub async fn remote_on(
                __rr_host: &impl $crate::__private::task::Host,
                $($arg : impl $crate::__private::task::Arg<$ty>),*
            ) -> ::core::result::Result<
                $crate::__private::task::ObjectRef<$crate::__rr_task!(@ret $($ret)?)>,
                $crate::Error,
            > {
                options().remote_on(__rr_host, $($arg),*).await
            }

            $crate::__rr_task!(@export [$($exp)?] $name [$($arg : $ty),*] [$($ret)?]);

            $crate::__rr_if_std! {
                /// Submits the task to the current runtime (or the default one); returns the
                /// ref of its result.
                pub async fn remote(
                    $($arg : impl $crate::__private::task::Arg<$ty>),*
                ) -> ::core::result::Result<
                    $crate::__private::task::ObjectRef<$crate::__rr_task!(@ret $($ret)?)>,
                    $crate::Error,
                > {
                    options().remote($($arg),*).await
                }
            }
        }
    };

    (@export [] $name:ident [$($arg:ident : $ty:ty),*] [$($ret:ty)?]) => {};
    (@export [export] $name:ident [$($arg:ident : $ty:ty),*] [$($ret:ty)?]) => { $crate::__rr_if_node! {
        const _: fn() = || {
            // Every argument and the result must cross a link (a clear error if not).
            fn __rr_assert_wire<T: $crate::__private::node::Wire>() {}
            $( __rr_assert_wire::<$ty>(); )*
            __rr_assert_wire::<$crate::__rr_task!(@ret $($ret)?)>();
        };

        /// This function, for [`Node::export_task`](rustyray::node::Node::export_task).
        pub fn export() -> $crate::__private::node::TaskExport {
            $crate::__private::node::TaskExport::new(::core::stringify!($name), serve)
        }

        #[allow(unused_variables, unused_mut)]
        fn serve(
            host: &$crate::__private::node::NodeHost,
            args: &[$crate::__private::node::TaskArg<'_>],
            held: $crate::__private::node::HeldLookup<'_>,
        ) -> ::core::result::Result<$crate::__private::node::Arc<dyn $crate::__private::node::HeldObject>, $crate::Error> {
            let mut __rr_it = args.iter();
            let mut __rr_n = 0_usize;
            $(
                let $arg = $crate::__private::node::wire_arg::<$ty>(__rr_it.next(), held)?;
                __rr_n += 1;
            )*
            $crate::__private::node::extra_args(args, __rr_n)?;
            let object = options().__rr_submit($crate::__private::task::Target::On(host), $($arg),*)?;
            ::core::result::Result::Ok($crate::__private::node::Arc::new(object))
        }

        /// Runs the function on `peer` (which exported it); returns, once submitted, a ref to
        /// its result, which stays on the peer until a `get` fetches it. A ref argument that
        /// the peer holds (a result of an earlier task there) goes by reference.
        pub async fn remote_at(
            peer: &$crate::__private::node::Peer,
            $($arg : impl $crate::__private::node::PeerArg<$ty>),*
        ) -> ::core::result::Result<
            $crate::__private::task::ObjectRef<$crate::__rr_task!(@ret $($ret)?)>,
            $crate::Error,
        > {
            let args = $crate::__private::node::vec![$( $crate::__private::node::PeerArg::<$ty>::into_wire($arg, peer).await?, )*];
            peer.submit(::core::stringify!($name), args).await
        }
    } };

    (@defaults) => {
        $crate::__private::task::TaskOptions::new()
    };
    (@defaults ! $($k:ident ($v:expr))*) => {
        $crate::__private::task::TaskOptions::new() $(.$k($v))*
    };

    (@ret) => { () };
    (@ret $t:ty) => { $t };

    // Resolves every argument, in order; the first error an argument holds is the result.
    (@resolve [$($arg:ident : $ty:ty),*]) => {
        async move {
            ::core::result::Result::Ok::<_, $crate::Error>((
                $( $crate::__private::task::Arg::<$ty>::resolve($arg).await?, )*
            ))
        }
    };

    // One attempt: with `keep`, run on clones (if every argument is `Clone`) and keep the
    // originals for a retry; otherwise move the arguments in.
    (@make [$($asy:tt)?] $name:ident [$($arg:ident : $ty:ty),*]) => {
        move |__rr_args: &mut ::core::option::Option<($($ty,)*)>, __rr_keep: bool| {
            use $crate::__private::task::{CloneProbe as _, NoCloneProbe as _};
            let __rr_fresh: ::core::option::Option<($($ty,)*)> = 'fresh: {
                if !__rr_keep {
                    break 'fresh ::core::option::Option::None;
                }
                let ::core::option::Option::Some(__rr_all) = &*__rr_args else {
                    break 'fresh ::core::option::Option::None;
                };
                let ($($arg,)*) = __rr_all;
                ::core::option::Option::Some(($(
                    match (&$crate::__private::task::Probe($arg)).__rr_try_clone() {
                        ::core::option::Option::Some(__rr_v) => __rr_v,
                        ::core::option::Option::None => break 'fresh ::core::option::Option::None,
                    },
                )*))
            };
            let ($($arg,)*) = match __rr_fresh {
                ::core::option::Option::Some(__rr_v) => __rr_v,
                ::core::option::Option::None => __rr_args.take()?,
            };
            ::core::option::Option::Some(async move {
                $crate::__rr_task!(@call [$($asy)?] super::$name($($arg),*))
            })
        }
    };

    (@call [async] $($call:tt)*) => { $($call)*.await };
    (@call [] $($call:tt)*) => { $($call)* };

    (@is_err $r:ty) => {
        |__rr_out: &$r| -> bool {
            use $crate::__private::task::{ErrProbe as _, NotErrProbe as _};
            (&$crate::__private::task::Probe(__rr_out)).__rr_is_err()
        }
    };
}
