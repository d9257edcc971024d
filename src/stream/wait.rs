//! `wait` on streams: a stream is ready when its next item, its error or its end is there.

use alloc::vec::Vec;
use core::future::Future;
use core::task::Poll;

use super::channel::ObjectRefStream;
use crate::object::Waitable;

impl<T: Send> crate::object::wait::sealed::Sealed for &ObjectRefStream<T> {}

impl<T: Send> Waitable for &ObjectRefStream<T> {
    fn is_ready(&self) -> bool {
        ObjectRefStream::is_ready(self)
    }

    fn ready(items: &[Self], num_returns: usize) -> impl Future<Output = (Vec<Self>, Vec<Self>)> + Send + '_ {
        core::future::poll_fn(move |cx| {
            // Each stream wakes its watchers once, when it becomes ready; every wake
            // counts again (streams are few).
            let ready = items.iter().filter(|s| s.chan().ready_or_watch(Some(cx.waker()))).count();
            if ready >= num_returns {
                Poll::Ready(crate::object::wait::partition(items, num_returns))
            } else {
                Poll::Pending
            }
        })
    }
}
