//! [`timeout`]: bound a future by a duration.

use core::future::{poll_fn, Future};
use core::pin::{pin, Pin};
use core::task::Poll;
use std::time::Duration;

use super::sleep::sleep;
use crate::Error;

/// Runs `future`, giving up with [`Error::Timeout`] after `duration` (counted from this
/// call); the future is then dropped. No allocation: the future is pinned in place.
pub fn timeout<F: Future>(duration: Duration, future: F) -> impl Future<Output = Result<F::Output, Error>> {
    let mut deadline = sleep(duration);
    async move {
        let mut future = pin!(future);
        poll_fn(move |cx| {
            if let Poll::Ready(v) = future.as_mut().poll(cx) {
                return Poll::Ready(Ok(v));
            }
            Pin::new(&mut deadline).poll(cx).map(|()| Err(Error::Timeout))
        })
        .await
    }
}
