//! A remote task while a timeline records (or, with the `tracing` feature, while a
//! subscriber listens): its span from first poll to end, with its submit time and whether
//! its result is an error. Tasks submitted while nothing listens are not wrapped at all.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use crate::timeline::{self, SpanKind};

/// What a traced future reports when it ends.
pub(crate) trait Outcome {
    /// False if it failed (a panic, an error result).
    fn ok(&self) -> bool;
}

pin_project_lite::pin_project! {
    /// A task's future with its span.
    pub(crate) struct Traced<F> {
        #[pin]
        inner: F,
        name: &'static str,
        submit: u64,
        start: Option<u64>,
        span: Listener,
    }
}

/// The `tracing` span a task runs in (nothing without the `tracing` feature).
#[cfg(feature = "tracing")]
type Listener = tracing::Span;
#[cfg(not(feature = "tracing"))]
type Listener = ();

impl<F> Traced<F> {
    pub(crate) fn new(inner: F, name: &'static str) -> Self {
        Traced {
            inner,
            name,
            submit: timeline::now(),
            start: None,
            #[cfg(feature = "tracing")]
            span: tracing::info_span!(target: "rustyray", "task", name),
            #[cfg(not(feature = "tracing"))]
            span: (),
        }
    }
}

/// Should a task submitted now be traced? (One relaxed load, plus the `tracing`
/// subscriber's interest with that feature.)
#[inline]
pub(crate) fn wanted() -> bool {
    #[cfg(feature = "tracing")]
    if tracing::enabled!(target: "rustyray", tracing::Level::INFO) {
        return true;
    }
    timeline::on()
}

impl<F: Future<Output = ()> + Outcome> Future for Traced<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        let start = *this.start.get_or_insert_with(timeline::now);
        #[cfg(feature = "tracing")]
        let _entered = this.span.enter();
        #[cfg(not(feature = "tracing"))]
        let () = this.span;
        let mut inner = this.inner;
        // The task ends its span just before it stores its result (`timeline::finish`).
        let armed = timeline::on().then(|| {
            timeline::arm(timeline::Pending {
                kind: SpanKind::Task,
                name: this.name,
                actor: None,
                submit_ns: Some(*this.submit),
                start_ns: start,
            })
        });
        let polled = inner.as_mut().poll(cx);
        let unended = armed.and_then(timeline::Armed::disarm);
        if polled.is_ready() {
            if let Some(pending) = unended {
                // Ended without storing a result (cancelled): the span ends now.
                pending.record(Pin::into_ref(inner).get_ref().ok());
            }
        }
        polled
    }
}
