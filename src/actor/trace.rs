//! Tracing an actor's calls (while a timeline records, or with the `tracing` feature while
//! a subscriber listens): everything off the untraced path. The loop holds one word per
//! call (`Traced`, `None` when nothing listens) and calls out, cold, only when it is set —
//! so an untraced call's code has the shape it had before tracing existed.

use alloc::boxed::Box;

use super::traits::Actor;

/// A call being traced: its method, when it started, its timeline span armed on the thread
/// while it is polled, its `tracing` span.
pub(crate) struct TraceState {
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    method: &'static str,
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    actor: &'static str,
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    start: u64,
    /// Armed for the poll in progress (`before` … `after`).
    #[cfg(feature = "std")]
    armed: Option<crate::timeline::Armed>,
    /// The timeline span the call's code did not end during its last poll.
    #[cfg(feature = "std")]
    unended: Option<crate::timeline::Pending>,
    #[cfg(feature = "tracing")]
    span: tracing::Span,
}

/// See [`TraceState`]: boxed, one word in the loop.
pub(crate) type Traced = Option<Box<TraceState>>;

/// True if calls are traced now (a thread-local read while nothing is).
#[inline]
pub(crate) fn wanted() -> bool {
    #[cfg(feature = "tracing")]
    if tracing::enabled!(target: "rustyray", tracing::Level::INFO) {
        return true;
    }
    #[cfg(feature = "std")]
    return crate::timeline::on();
    #[cfg(not(feature = "std"))]
    false
}

/// Starts tracing the handling of `msg` if anything listens. (The method is read in
/// place: the message's address never escapes the hot path.)
#[inline]
pub(crate) fn start<A: Actor>(msg: &A::Msg) -> Traced {
    if wanted() {
        return Some(state::<A>(A::method_name(msg)));
    }
    None
}

#[cold]
#[inline(never)]
#[cfg_attr(not(feature = "std"), allow(clippy::extra_unused_type_parameters))]
fn state<A: Actor>(method: &'static str) -> Box<TraceState> {
    #[cfg(feature = "std")]
    let actor = crate::timeline::short_type_name::<A>();
    #[cfg(not(feature = "std"))]
    let actor = "";
    named(method, actor)
}

/// The trace state of a call of `actor`'s `method` starting now (off the untraced path).
#[cold]
#[inline(never)]
pub(crate) fn named(method: &'static str, actor: &'static str) -> Box<TraceState> {
    #[cfg(feature = "std")]
    let start = crate::timeline::now();
    #[cfg(not(feature = "std"))]
    let start = 0; // (never: nothing traces without `std`)
    Box::new(TraceState {
        method,
        actor,
        start,
        #[cfg(feature = "std")]
        armed: None,
        #[cfg(feature = "std")]
        unended: None,
        #[cfg(feature = "tracing")]
        span: tracing::info_span!(target: "rustyray", "actor_call", actor, method),
    })
}

/// Before a poll of the traced call: its timeline span armed on this thread (the call's
/// code ends it just before it answers: `method::call_done`), its `tracing` span entered.
#[cold]
#[inline(never)]
pub(crate) fn before(t: &mut TraceState) {
    #[cfg(feature = "std")]
    if crate::timeline::on() {
        t.armed = Some(crate::timeline::arm(crate::timeline::Pending {
            kind: crate::timeline::SpanKind::ActorCall,
            name: t.method,
            actor: Some(t.actor),
            submit_ns: None,
            start_ns: t.start,
        }));
    }
    #[cfg(feature = "tracing")]
    t.span.with_subscriber(|(id, dispatch)| dispatch.enter(id));
    let _ = t;
}

/// After that poll: the `tracing` span exited, the timeline span disarmed (kept if the
/// call's code did not end it).
#[cold]
#[inline(never)]
pub(crate) fn after(t: &mut TraceState) {
    #[cfg(feature = "tracing")]
    t.span.with_subscriber(|(id, dispatch)| dispatch.exit(id));
    #[cfg(feature = "std")]
    if let Some(armed) = t.armed.take() {
        t.unended = armed.disarm();
    }
    let _ = t;
}

/// The traced call finished: its timeline span, if its code did not end it (a call that
/// answers nobody, a panic), ends now.
#[cold]
#[inline(never)]
pub(crate) fn end(t: Box<TraceState>, ok: bool) {
    #[cfg(feature = "std")]
    if let Some(pending) = t.unended {
        pending.record(ok);
    }
    let _ = (t, ok);
}

pin_project_lite::pin_project! {
    /// A traced `async` call's handling: its spans around each poll, ended with it.
    pub(crate) struct Handled<F> {
        #[pin]
        pub(crate) inner: F,
        pub(crate) traced: Traced,
    }
}

impl<F: core::future::Future<Output = Result<(), E>>, E> core::future::Future for Handled<F> {
    type Output = F::Output;

    fn poll(self: core::pin::Pin<&mut Self>, cx: &mut core::task::Context<'_>) -> core::task::Poll<F::Output> {
        let this = self.project();
        if let Some(t) = this.traced.as_deref_mut() {
            before(t);
        }
        let polled = this.inner.poll(cx);
        if let Some(t) = this.traced.as_deref_mut() {
            after(t);
        }
        if let core::task::Poll::Ready(outcome) = &polled {
            if let Some(t) = this.traced.take() {
                end(t, outcome.is_ok());
            }
        }
        polled
    }
}
