//! The object store: `ObjectRef` get / get_shared, promises, refcount frees, ids and
//! generations, `wait`, and the postcard boundary format.
//!
//! Timeouts here are hang guards only; nothing asserts on timing.

use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use rustyray::{Error, ObjectId, ObjectRef, Promise, Runtime, Store};

const GUARD: Duration = Duration::from_secs(20);

fn runtime() -> Result<Runtime, Error> {
    Runtime::builder().worker_threads(2).build()
}

/// Runs `future` on `rt`, failing (instead of hanging) if it takes far too long.
fn guarded<T>(rt: &Runtime, future: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
    rt.block_on(rustyray::time::timeout(GUARD, future))?
}

/// A waker that counts its wake-ups.
#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A value that counts how often it is dropped.
#[derive(Debug)]
struct DropCounter(Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn refs_promises_and_stores_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<ObjectRef<String>>();
    check::<Promise<String>>();
    check::<Store>();
    check::<rustyray::object::Get<'static, String>>();
    check::<rustyray::object::GetShared<'static, String>>();
    check::<rustyray::object::Wait<'static, String>>();
}

#[test]
fn put_then_get() -> Result<(), Error> {
    let rt = &runtime()?;
    guarded(rt, {
        let obj = rt.store().put(String::from("value"));
        async move {
            assert!(obj.is_ready());
            assert_eq!(obj.get().await?, "value");
            assert_eq!(obj.get().await?, "value");
            assert_eq!(*obj.get_shared().await?, "value");
            Ok(())
        }
    })
}

#[test]
fn free_put_uses_the_current_runtime_store() -> Result<(), Error> {
    let rt = runtime()?;
    let before = rt.store().stats();
    let (in_block_on, in_task) = rt.block_on(async {
        let a = rustyray::put(1_u8)?;
        let b = rustyray::spawn(async { rustyray::put(2_u8) }).await??;
        Ok::<_, Error>((a, b))
    })?;
    assert_eq!(rt.store().stats().created, before.created + 2);
    assert_eq!(rt.store().get_ref::<u8>(in_block_on.id())?, in_block_on);
    assert_eq!(rt.store().get_ref::<u8>(in_task.id())?, in_task);
    Ok(())
}

#[test]
fn get_shared_returns_the_stored_arc() -> Result<(), Error> {
    let rt = &runtime()?;
    guarded(rt, {
        let obj = rt.store().put(vec![1_u64, 2, 3]);
        async move {
            let before = obj.get().await?; // read while the value is stored inline
            let a = obj.get_shared().await?; // moves it into an Arc, once
            let b = obj.clone().get_shared().await?;
            assert!(Arc::ptr_eq(&a, &b));
            assert_eq!(*a, [1, 2, 3]);
            assert_eq!(obj.get().await?, before, "get still clones, now from the Arc");
            Ok(())
        }
    })
}

#[test]
fn fulfill_wakes_every_registered_getter_once() {
    let store = Store::new();
    let (obj, promise) = store.pending::<u32>();
    let wakers: Vec<Arc<CountingWaker>> = (0..3).map(|_| Arc::new(CountingWaker::default())).collect();
    let mut gets: Vec<_> = (0..3).map(|_| obj.get()).collect();
    for (get, count) in gets.iter_mut().zip(&wakers) {
        let waker = Waker::from(count.clone());
        assert!(std::pin::Pin::new(get).poll(&mut Context::from_waker(&waker)).is_pending());
    }
    assert!(wakers.iter().all(|w| w.0.load(SeqCst) == 0));
    promise.fulfill(Ok(9));
    assert!(wakers.iter().all(|w| w.0.load(SeqCst) == 1));
    for (get, count) in gets.iter_mut().zip(&wakers) {
        let waker = Waker::from(count.clone());
        assert_eq!(std::pin::Pin::new(get).poll(&mut Context::from_waker(&waker)), Poll::Ready(Ok(9)));
    }
}

#[test]
fn dropped_getters_withdraw_their_wakers() {
    let store = Store::new();
    let (obj, promise) = store.pending::<u32>();
    let count = Arc::new(CountingWaker::default());
    let waker = Waker::from(count.clone());
    for _ in 0..10 {
        let mut get = obj.get();
        assert!(std::pin::Pin::new(&mut get).poll(&mut Context::from_waker(&waker)).is_pending());
    }
    promise.fulfill(Ok(1));
    assert_eq!(count.0.load(SeqCst), 0, "a dropped get was still registered");
}

#[test]
fn fulfill_wakes_concurrent_getter_tasks() -> Result<(), Error> {
    let rt = &runtime()?;
    guarded(rt, {
        let (obj, promise) = rt.store().pending::<String>();
        let getters: Vec<_> = (0..8)
            .map(|i| {
                let obj = obj.clone();
                rt.spawn(async move {
                    if i % 2 == 0 {
                        obj.get().await
                    } else {
                        obj.get_shared().await.map(|s| (*s).clone())
                    }
                })
            })
            .collect();
        async move {
            rustyray::time::sleep(Duration::from_millis(5)).await;
            promise.fulfill(Ok("ready".into()));
            for g in getters {
                assert_eq!(g.await??, "ready");
            }
            Ok(())
        }
    })
}

#[test]
fn dropped_promise_stores_object_lost() -> Result<(), Error> {
    let rt = &runtime()?;
    guarded(rt, {
        let (obj, promise) = rt.store().pending::<u8>();
        let waiter = {
            let obj = obj.clone();
            rt.spawn(async move { obj.get().await })
        };
        let _detached = rt.spawn(async move {
            rustyray::time::sleep(Duration::from_millis(2)).await;
            drop(promise);
        });
        async move {
            assert_eq!(waiter.await?, Err(Error::ObjectLost));
            assert_eq!(obj.get().await, Err(Error::ObjectLost));
            Ok(())
        }
    })
}

#[test]
fn stored_error_reaches_every_get() -> Result<(), Error> {
    let rt = &runtime()?;
    guarded(rt, {
        let (obj, promise) = rt.store().pending::<Vec<u8>>();
        let error = Error::TaskPanicked { message: "boom".into() };
        let waiters: Vec<_> = (0..4)
            .map(|_| {
                let obj = obj.clone();
                rt.spawn(async move { obj.get().await })
            })
            .collect();
        promise.fulfill(Err(error.clone()));
        async move {
            for w in waiters {
                assert_eq!(w.await?, Err(error.clone()));
            }
            assert_eq!(obj.get().await, Err(error.clone()));
            assert_eq!(obj.get_shared().await, Err(error.clone()));
            assert!(obj.is_ready());
            Ok(())
        }
    })
}

#[test]
fn last_ref_dropped_frees_the_object() -> Result<(), Error> {
    let rt = runtime()?;
    let store = rt.store();
    let base = store.stats();
    let obj = store.put(5_i32);
    let copy = obj.clone();
    assert_eq!(store.stats().live, base.live + 1);
    drop(obj);
    assert_eq!(store.stats().live, base.live + 1, "a clone keeps the object alive");
    drop(copy);
    let after = store.stats();
    assert_eq!(after.live, base.live);
    assert_eq!(after.freed, base.freed + 1);
    assert_eq!(after.created, base.created + 1);
    Ok(())
}

#[test]
fn a_ref_captured_by_a_pending_task_keeps_the_object_alive() -> Result<(), Error> {
    let rt = runtime()?;
    let store = rt.store();
    let base = store.stats().live;
    let (gate, open) = store.pending::<()>();
    let obj = store.put(String::from("held by a task"));
    let task = {
        let obj = obj.clone();
        rt.spawn(async move {
            gate.get().await?;
            obj.get().await
        })
    };
    drop(obj);
    // The object and the gate live on: the pending task holds refs to both.
    assert_eq!(store.stats().live, base + 2);
    open.fulfill(Ok(()));
    assert_eq!(rt.block_on(task)??, "held by a task");
    assert_eq!(store.stats().live, base);
    Ok(())
}

#[test]
fn a_ref_nested_in_another_object_keeps_it_alive() -> Result<(), Error> {
    let rt = runtime()?;
    let store = rt.store();
    let base = store.stats().live;
    let inner = store.put(7_u64);
    let inner_id = inner.id();
    let outer = store.put(vec![inner]);
    assert_eq!(store.stats().live, base + 2);
    // Only the outer object holds the inner one now.
    assert_eq!(rt.block_on(store.get_ref::<u64>(inner_id)?.get())?, 7);
    assert_eq!(store.stats().live, base + 2);
    drop(outer);
    assert_eq!(store.stats().live, base);
    assert_eq!(store.get_ref::<u64>(inner_id), Err(Error::ObjectNotFound { id: inner_id.as_u64() }));
    Ok(())
}

#[test]
fn values_are_dropped_exactly_once() -> Result<(), Error> {
    let rt = runtime()?;
    let drops = Arc::new(AtomicUsize::new(0));

    // Put, read shared from several places, drop everything.
    let obj = rt.store().put(DropCounter(drops.clone()));
    let shared = rt.block_on(obj.get_shared())?;
    let refs: Vec<_> = (0..5).map(|_| obj.clone()).collect();
    drop(obj);
    drop(refs);
    assert_eq!(drops.load(SeqCst), 0, "a get_shared Arc keeps the value itself alive");
    drop(shared);
    assert_eq!(drops.load(SeqCst), 1);

    // Fulfilled through a promise, freed from a task on another thread.
    let (obj, promise) = rt.store().pending::<DropCounter>();
    promise.fulfill(Ok(DropCounter(drops.clone())));
    rt.block_on(rt.spawn(async move { drop(obj) }))?;
    assert_eq!(drops.load(SeqCst), 2);

    // Fulfilling an abandoned object drops the value at once.
    let (obj, promise) = rt.store().pending::<DropCounter>();
    drop(obj);
    assert!(promise.is_abandoned());
    promise.fulfill(Ok(DropCounter(drops.clone())));
    assert_eq!(drops.load(SeqCst), 3);
    Ok(())
}

#[test]
fn a_freed_id_is_not_found_even_after_its_slot_is_reused() -> Result<(), Error> {
    let rt = runtime()?;
    let store = rt.store();
    let old = store.put(1_i32);
    let old_id = old.id();
    drop(old);
    let new = store.put(2_i32);
    // Same shard and slot (the low 32 bits, see `ObjectId`), another generation.
    assert_eq!(new.id().as_u64() & 0xffff_ffff, old_id.as_u64() & 0xffff_ffff, "the slot was not reused");
    assert_ne!(new.id(), old_id);
    assert_eq!(store.get_ref::<i32>(old_id), Err(Error::ObjectNotFound { id: old_id.as_u64() }));
    assert_eq!(rt.block_on(store.get_ref::<i32>(new.id())?.get())?, 2);
    assert!(matches!(store.get_ref::<i32>(ObjectId::from_u64(u64::MAX)), Err(Error::ObjectNotFound { .. })));
    Ok(())
}

#[test]
fn get_ref_with_the_wrong_type_is_a_type_mismatch() -> Result<(), Error> {
    let rt = runtime()?;
    let obj = rt.store().put(3_u32);
    assert_eq!(
        rt.store().get_ref::<String>(obj.id()),
        Err(Error::TypeMismatch { expected: std::any::type_name::<String>() })
    );
    assert_eq!(rt.store().get_ref::<u32>(obj.id())?, obj);
    Ok(())
}

#[test]
fn wait_returns_once_num_returns_are_ready() -> Result<(), Error> {
    let rt = &runtime()?;
    guarded(rt, {
        let store = rt.store();
        let (refs, mut promises): (Vec<_>, Vec<_>) = (0..4).map(|_| store.pending::<usize>()).unzip();
        // Objects 1 and 3 complete later, from tasks; 0 and 2 never do.
        let late_3 = promises.remove(3);
        let late_1 = promises.remove(1);
        for (i, promise) in [(1, late_1), (3, late_3)] {
            let _detached = rt.spawn(async move {
                rustyray::time::sleep(Duration::from_millis(2 * i as u64)).await;
                promise.fulfill(Ok(i));
            });
        }
        async move {
            let (ready, pending) = rustyray::wait(&refs, 2, None).await;
            assert_eq!(ready, [refs[1].clone(), refs[3].clone()]);
            assert_eq!(pending, [refs[0].clone(), refs[2].clone()]);
            drop(promises);
            Ok(())
        }
    })
}

#[test]
fn wait_keeps_input_order_and_caps_num_returns() -> Result<(), Error> {
    let rt = &runtime()?;
    guarded(rt, {
        let store = rt.store();
        let a = store.put(1);
        let (b, b_promise) = store.pending::<i32>();
        let c = store.put(3);
        async move {
            let refs = [a.clone(), b.clone(), c.clone()];
            // Ready objects beyond num_returns go to the second list (as in Ray).
            let (ready, pending) = rustyray::wait(&refs, 1, None).await;
            assert_eq!((ready, pending), (vec![a.clone()], vec![b.clone(), c.clone()]));
            let (ready, pending) = rustyray::wait(&refs, 0, None).await;
            assert_eq!((ready.len(), pending.len()), (0, 3));
            // num_returns above the number of refs waits for all of them: bounded here.
            let (ready, pending) = rustyray::wait(&refs, 10, Some(Duration::from_millis(5))).await;
            assert_eq!((ready, pending), (vec![a, c], vec![b]));
            let (ready, pending) = rustyray::wait::<ObjectRef<i32>>(&[], 1, None).await;
            assert!(ready.is_empty() && pending.is_empty());
            drop(b_promise);
            Ok(())
        }
    })
}

#[test]
fn wait_with_timeout_returns_what_is_ready() -> Result<(), Error> {
    let rt = &runtime()?;
    guarded(rt, {
        let store = rt.store();
        let done = store.put(0_u8);
        let (soon, soon_promise) = store.pending::<u8>();
        let (never, never_promise) = store.pending::<u8>();
        let _detached = rt.spawn(async move {
            rustyray::time::sleep(Duration::from_millis(1)).await;
            soon_promise.fulfill(Ok(1));
        });
        async move {
            let refs = [done.clone(), soon.clone(), never.clone()];
            let (ready, pending) = rustyray::wait(&refs, 3, Some(Duration::from_millis(30))).await;
            // `soon` may or may not have made it: only membership is certain.
            assert!(ready.contains(&done));
            assert!(pending.contains(&never));
            let mut all: Vec<ObjectRef<u8>> = ready.iter().chain(&pending).cloned().collect();
            all.sort_by_key(|r| refs.iter().position(|x| x == r));
            assert_eq!(all, refs);
            assert_eq!(ready.iter().chain(&pending).collect::<HashSet<_>>().len(), 3);
            drop(never_promise);
            // Once `never` is lost (completed with an error), a wait for all three returns.
            let (ready, pending) = rustyray::wait(&refs, 3, None).await;
            assert_eq!((ready.len(), pending.len()), (3, 0));
            Ok(())
        }
    })
}

#[test]
fn wait_ready_without_timeout_on_a_local_executor() {
    let store = Store::new();
    let (a, pa) = store.pending::<u8>();
    let (b, _pb) = store.pending::<u8>();
    let refs = [a.clone(), b.clone()];
    let count = Arc::new(CountingWaker::default());
    let waker = Waker::from(count.clone());
    let mut cx = Context::from_waker(&waker);
    let mut wait = rustyray::object::wait_ready(&refs, 1);
    assert!(std::pin::Pin::new(&mut wait).poll(&mut cx).is_pending());
    pa.fulfill(Ok(1));
    assert_eq!(count.0.load(SeqCst), 1);
    match std::pin::Pin::new(&mut wait).poll(&mut cx) {
        Poll::Ready((ready, pending)) => assert_eq!((ready, pending), (vec![a], vec![b])),
        Poll::Pending => panic!("wait did not complete"),
    }
}

#[test]
fn export_import_roundtrip() -> Result<(), Error> {
    let rt = &runtime()?;
    guarded(rt, {
        let store = rt.store();
        let value = (42_u32, String::from("answer"), vec![Some(1_i64), None, Some(-3)]);
        let obj = store.put(value.clone());
        async move {
            let bytes = store.export(&obj).await?;
            let copy = store.import::<(u32, String, Vec<Option<i64>>)>(&bytes)?;
            assert_ne!(copy.id(), obj.id());
            assert_eq!(copy.get().await?, value);
            Ok(())
        }
    })
}

#[test]
fn export_format_is_plain_postcard() -> Result<(), Error> {
    let rt = runtime()?;
    let store = rt.store();
    // Golden bytes: the value's postcard encoding, nothing else.
    let obj = store.put((7_u8, String::from("hi")));
    assert_eq!(rt.block_on(store.export(&obj))?, [0x07, 0x02, b'h', b'i']);
    // A nested ref encodes as its id (a varint): resolve it on import with get_ref.
    let inner = store.put(300_u16);
    let outer = store.put((1_u8, inner.clone()));
    let bytes = rt.block_on(store.export(&outer))?;
    let (tag, id) = rt.block_on(store.import::<(u8, u64)>(&bytes)?.get())?;
    assert_eq!(tag, 1);
    assert_eq!(store.get_ref::<u16>(ObjectId::from_u64(id))?, inner);
    // Exporting a failed object returns its error.
    let (failed, promise) = store.pending::<u8>();
    drop(promise);
    assert_eq!(rt.block_on(store.export(&failed)), Err(Error::ObjectLost));
    Ok(())
}

#[test]
fn importing_bad_bytes_is_a_decode_error() {
    let store = Store::new();
    let is_decode = |r: Result<_, Error>| matches!(r, Err(Error::Decode { .. }));
    assert!(is_decode(store.import::<String>(&[0xff; 12]).map(drop)), "bad varint");
    assert!(is_decode(store.import::<(u8, u32)>(&[1]).map(drop)), "truncated");
    assert!(is_decode(store.import::<u8>(&[1, 2]).map(drop)), "trailing bytes");
    assert!(is_decode(store.import::<String>(&[2, 0xc3, 0x28]).map(drop)), "invalid utf-8");
    assert!(is_decode(store.import::<bool>(&[2]).map(drop)), "invalid bool");
    assert!(is_decode(store.import::<Vec<u64>>(&[0xff, 0xff, 0xff, 0xff, 0x0f]).map(drop)), "huge length");
    assert!(is_decode(store.import::<u8>(&[]).map(drop)), "empty");
    assert_eq!(store.stats().created, 0, "a failed import creates no object");
}

#[test]
fn get_timeout_on_a_never_fulfilled_object_times_out() -> Result<(), Error> {
    let rt = &runtime()?;
    guarded(rt, {
        let (obj, promise) = rt.store().pending::<u8>();
        async move {
            assert_eq!(obj.get_timeout(Duration::from_millis(10)).await, Err(Error::Timeout));
            // The object is unaffected: it can still complete.
            promise.fulfill(Ok(3));
            assert_eq!(obj.get_timeout(GUARD).await, Ok(3));
            Ok(())
        }
    })
}

#[test]
fn many_objects_across_workers_are_all_freed() -> Result<(), Error> {
    let rt = runtime()?;
    let base = rt.store().stats();
    let tasks: Vec<_> = (0..8_u64)
        .map(|t| {
            let handle = rt.handle().clone();
            rt.spawn(async move {
                let mut sum = 0;
                for i in 0..2_000_u64 {
                    let obj = rustyray::put(t * i)?;
                    let (pending, promise) = handle.store().pending::<u64>();
                    let reader = pending.clone();
                    let h = rustyray::spawn(async move { reader.get().await });
                    promise.fulfill(Ok(obj.get().await?));
                    sum += h.await??;
                }
                Ok::<u64, Error>(sum)
            })
        })
        .collect();
    for (t, task) in (0..8_u64).zip(tasks) {
        assert_eq!(rt.block_on(task)??, t * (0..2_000).sum::<u64>());
    }
    let after = rt.store().stats();
    assert_eq!(after.live, base.live);
    assert_eq!(after.created - base.created, 8 * 2_000 * 2);
    Ok(())
}
