//! Mailbox operations (try_send, one poll of send, try_recv, one poll of recv, close)
//! decoded from the input and applied to a bounded, a fixed-capacity and an unbounded
//! `Mailbox` and to a `VecDeque` model of each; any divergence panics.
#![no_main]

use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use libfuzzer_sys::fuzz_target;
use rustyray::mailbox::{Mailbox, TrySendError};

/// What a mailbox should do: a FIFO with an optional bound and a closed flag.
struct Model {
    queue: VecDeque<u32>,
    capacity: Option<usize>,
    closed: bool,
}

impl Model {
    fn new(capacity: Option<usize>) -> Self {
        Model { queue: VecDeque::new(), capacity, closed: false }
    }

    fn full(&self) -> bool {
        self.capacity.is_some_and(|c| self.queue.len() >= c)
    }
}

/// The outcome of a send, comparable between mailbox and model.
#[derive(Debug, PartialEq)]
enum Sent {
    Ok,
    Full(u32),
    Closed(u32),
    Pending,
}

fn try_send(mailbox: &Mailbox<u32>, model: &mut Model, value: u32) {
    let got = match mailbox.try_send(value) {
        Ok(()) => Sent::Ok,
        Err(TrySendError::Full(v)) => Sent::Full(v),
        Err(TrySendError::Closed(v)) => Sent::Closed(v),
    };
    let want = if model.closed {
        Sent::Closed(value)
    } else if model.full() {
        Sent::Full(value)
    } else {
        model.queue.push_back(value);
        Sent::Ok
    };
    assert_eq!(got, want, "try_send({value})");
}

/// Polls `send(value)` once and drops it: a send that has to wait sends nothing.
fn send_once(mailbox: &Mailbox<u32>, model: &mut Model, value: u32) {
    let mut cx = Context::from_waker(Waker::noop());
    let got = match pin!(mailbox.send(value)).poll(&mut cx) {
        Poll::Ready(Ok(())) => Sent::Ok,
        Poll::Ready(Err(e)) => Sent::Closed(e.0),
        Poll::Pending => Sent::Pending,
    };
    let want = if model.closed {
        Sent::Closed(value)
    } else if model.full() {
        Sent::Pending
    } else {
        model.queue.push_back(value);
        Sent::Ok
    };
    assert_eq!(got, want, "send({value}) polled once");
}

fn try_recv(mailbox: &Mailbox<u32>, model: &mut Model) {
    assert_eq!(mailbox.try_recv(), model.queue.pop_front(), "try_recv");
}

/// Polls `recv()` once.
fn recv_once(mailbox: &Mailbox<u32>, model: &mut Model) {
    let mut cx = Context::from_waker(Waker::noop());
    let got = pin!(mailbox.recv()).poll(&mut cx);
    let want = match model.queue.pop_front() {
        Some(v) => Poll::Ready(Some(v)),
        None if model.closed => Poll::Ready(None),
        None => Poll::Pending,
    };
    assert_eq!(got, want, "recv polled once");
}

fn close(mailbox: &Mailbox<u32>, model: &mut Model) {
    let first = !model.closed;
    model.closed = true;
    assert_eq!(mailbox.close(), first, "close");
}

fn check(mailbox: &Mailbox<u32>, model: &Model) {
    assert_eq!(mailbox.len(), model.queue.len(), "len");
    assert_eq!(mailbox.is_empty(), model.queue.is_empty(), "is_empty");
    assert_eq!(mailbox.is_closed(), model.closed, "is_closed");
    assert_eq!(mailbox.capacity(), model.capacity, "capacity");
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, ops)) = data.split_first() else { return };
    let bound = 1 + usize::from(first % 8);
    let mut mailboxes = [
        (Mailbox::<u32>::bounded(bound), Model::new(Some(bound))),
        (Mailbox::<u32>::fixed::<4>(), Model::new(Some(4))),
        (Mailbox::<u32>::unbounded(), Model::new(None)),
    ];
    let mut next_value = 0_u32;
    for &op in ops {
        // Low 2 bits: which mailbox (3 = all of them); the rest: the operation.
        let targets = match op & 3 {
            3 => 0..3,
            i => usize::from(i)..usize::from(i) + 1,
        };
        for (mailbox, model) in &mut mailboxes[targets] {
            next_value += 1;
            match (op >> 2) % 8 {
                0 | 1 => try_send(mailbox, model, next_value),
                2 => send_once(mailbox, model, next_value),
                3 | 4 => try_recv(mailbox, model),
                5 => recv_once(mailbox, model),
                6 => close(mailbox, model),
                _ => {}
            }
            check(mailbox, model);
        }
    }
    // After a close, the receiver drains exactly what the model holds, then sees the end.
    for (mailbox, model) in &mut mailboxes {
        close(mailbox, model);
        while !model.queue.is_empty() {
            recv_once(mailbox, model);
        }
        recv_once(mailbox, model);
        check(mailbox, model);
    }
});
