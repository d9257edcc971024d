//! Object store operations (put, pending + fulfil / drop the promise, clone a ref, drop a
//! ref, get, get_ref by id, wait) decoded from the input and applied to a `Store` and to a
//! `HashMap` model of each object's ref count and state. After every step the store's live
//! object count equals the model's: an object is freed exactly when its last ref goes.
#![no_main]

use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use libfuzzer_sys::fuzz_target;
use rustyray::object::wait_ready;
use rustyray::{Error, ObjectId, ObjectRef, Promise, Store};

/// What an object holds, in the model.
#[derive(Clone, Copy, Debug, PartialEq)]
enum State {
    Pending,
    Ready(u32),
    /// Its promise was dropped unfulfilled.
    Lost,
}

/// Per live object: the number of refs the harness holds, and its state.
type Model = HashMap<ObjectId, (usize, State)>;

/// The input, read a byte at a time (zeros once it runs out).
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        let (&b, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        b
    }

    fn index(&mut self, len: usize) -> usize {
        usize::from(self.byte()) % len
    }
}

fn poll_once<F: Future>(future: F) -> Poll<F::Output> {
    pin!(future).poll(&mut Context::from_waker(Waker::noop()))
}

fn add_ref(model: &mut Model, r: &ObjectRef<u32>) {
    model.get_mut(&r.id()).expect("a ref to an object the model holds").0 += 1;
}

fn drop_ref(model: &mut Model, r: ObjectRef<u32>) {
    let id = r.id();
    drop(r);
    let entry = model.get_mut(&id).expect("a ref to an object the model holds");
    entry.0 -= 1;
    if entry.0 == 0 {
        model.remove(&id);
    }
}

fuzz_target!(|data: &[u8]| {
    let store = Store::new();
    let mut model = Model::new();
    let mut refs: Vec<ObjectRef<u32>> = Vec::new();
    let mut promises: Vec<(ObjectId, Promise<u32>)> = Vec::new();
    // Every id ever issued, live or freed, to look up by id.
    let mut ids: Vec<ObjectId> = Vec::new();
    let mut input = Input(data);
    let mut next_value = 0_u32;

    while !input.0.is_empty() {
        next_value += 1;
        match input.byte() % 9 {
            0 => {
                let r = store.put(next_value);
                assert!(model.insert(r.id(), (1, State::Ready(next_value))).is_none(), "an id was issued twice");
                ids.push(r.id());
                refs.push(r);
            }
            1 => {
                let (r, promise) = store.pending::<u32>();
                assert!(model.insert(r.id(), (1, State::Pending)).is_none(), "an id was issued twice");
                ids.push(r.id());
                promises.push((r.id(), promise));
                refs.push(r);
            }
            2 if !promises.is_empty() => {
                let i = input.index(promises.len());
                let (id, promise) = promises.swap_remove(i);
                let fulfil = input.byte() % 2 == 0;
                if fulfil {
                    promise.fulfill(Ok(next_value));
                } else {
                    drop(promise);
                }
                // A promise is not a ref: a freed object just drops the result.
                if let Some((_, state)) = model.get_mut(&id) {
                    *state = if fulfil { State::Ready(next_value) } else { State::Lost };
                }
            }
            3 if !refs.is_empty() => {
                let r = refs[input.index(refs.len())].clone();
                add_ref(&mut model, &r);
                refs.push(r);
            }
            4 if !refs.is_empty() => {
                let r = refs.swap_remove(input.index(refs.len()));
                drop_ref(&mut model, r);
            }
            5 if !refs.is_empty() => {
                let r = &refs[input.index(refs.len())];
                let state = model[&r.id()].1;
                assert_eq!(r.is_ready(), state != State::Pending, "is_ready");
                let got = poll_once(r.get());
                match state {
                    State::Pending => assert_eq!(got, Poll::Pending, "get of a pending object"),
                    State::Ready(v) => assert_eq!(got, Poll::Ready(Ok(v)), "get"),
                    State::Lost => assert_eq!(got, Poll::Ready(Err(Error::ObjectLost)), "get of a lost object"),
                }
            }
            6 if !ids.is_empty() => {
                let id = ids[input.index(ids.len())];
                match store.get_ref::<u32>(id) {
                    Ok(r) => {
                        assert_eq!(r.id(), id);
                        add_ref(&mut model, &r);
                        refs.push(r);
                    }
                    Err(e) => {
                        assert!(!model.contains_key(&id), "a live object was not found: {e}");
                        assert_eq!(e, Error::ObjectNotFound { id: id.as_u64() });
                    }
                }
                if model.contains_key(&id) {
                    let wrong = store.get_ref::<String>(id);
                    assert!(matches!(wrong, Err(Error::TypeMismatch { .. })), "get_ref with the wrong type");
                }
            }
            7 if !refs.is_empty() => {
                // wait_ready on a window of the refs, polled once.
                let start = input.index(refs.len());
                let end = start + input.index(refs.len() - start + 1);
                let window = &refs[start..end];
                let num_returns = input.index(window.len() + 2);
                let ready: Vec<ObjectId> =
                    window.iter().map(|r| r.id()).filter(|id| model[id].1 != State::Pending).collect();
                let goal = num_returns.min(window.len());
                match poll_once(wait_ready(window, num_returns)) {
                    Poll::Ready((got_ready, got_pending)) => {
                        assert!(ready.len() >= goal, "wait finished before {goal} refs were ready");
                        let got_ready: Vec<ObjectId> = got_ready.iter().map(ObjectRef::id).collect();
                        assert_eq!(got_ready, ready[..goal], "wait: the first ready refs, in input order");
                        assert_eq!(got_ready.len() + got_pending.len(), window.len(), "wait returns every ref");
                        assert_eq!(store.stats().live, model.len() as u64, "the refs wait returned are not objects");
                    }
                    Poll::Pending => assert!(ready.len() < goal, "wait pending with {} of {goal} ready", ready.len()),
                }
            }
            _ => {}
        }
        let stats = store.stats();
        assert_eq!(stats.live, model.len() as u64, "live objects");
        assert_eq!(stats.created, ids.len() as u64, "created objects");
        assert_eq!(stats.freed, stats.created - stats.live, "freed objects");
    }

    // Dropping everything frees every object.
    for r in std::mem::take(&mut refs) {
        drop_ref(&mut model, r);
        assert_eq!(store.stats().live, model.len() as u64, "live objects while dropping");
    }
    drop(promises);
    assert!(model.is_empty());
    assert_eq!(store.stats().live, 0, "objects leaked");
});
