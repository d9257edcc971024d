//! Streams (docs/semantics.md §4): items in order while the producer runs, backpressure
//! (peak unread items observed), the unbounded mode, errors and panics mid-stream after
//! the items, cancel and drop stopping the producer, `wait` on streams, retries replaying
//! without duplicates, and an actor method streaming through a `StreamSender` argument.
//!
//! Timeouts are hang guards only; producers that must wait are held by gates, not sleeps.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use common::actors::{eventually, runtime};
use common::{guard, quiet_intentional_panics};
use rustyray::stream::{self, ObjectRefStream, StreamOptions, StreamSender};
use rustyray::Error;

/// Reads the whole stream: the items, then the error if it ended with one.
async fn drain<T>(s: &mut ObjectRefStream<T>) -> (Vec<T>, Option<Error>) {
    let mut items = Vec::new();
    let mut error = None;
    while let Some(next) = guard("the next item", s.next()).await {
        match next {
            Ok(v) => items.push(v),
            Err(e) => {
                assert!(error.is_none(), "one error, at the end");
                error = Some(e);
            }
        }
    }
    (items, error)
}

#[test]
fn items_arrive_in_order_while_the_producer_still_runs() {
    let rt = runtime();
    rt.block_on(async {
        let (gate_tx, gate) = async_channel::unbounded::<()>();
        let mut s = stream::spawn(move |out: StreamSender<u32>| {
            let gate = gate.clone();
            async move {
                out.send(1).await?;
                // Held until the reader has the first item.
                let _ = gate.recv().await;
                for i in 2..=100 {
                    out.send(i).await?;
                }
                Ok(())
            }
        })?;
        assert_eq!(guard("first", s.next()).await, Some(Ok(1)));
        drop(gate_tx);
        let (items, error) = drain(&mut s).await;
        assert_eq!(items, (2..=100).collect::<Vec<_>>());
        assert_eq!(error, None);
        assert_eq!(guard("after the end", s.next()).await, None, "the end repeats");
        Ok::<(), Error>(())
    })
    .unwrap();
}

#[test]
fn a_slow_reader_holds_the_producer_at_the_bound() {
    let rt = runtime();
    rt.block_on(async {
        const CAP: usize = 4;
        let sent = Arc::new(AtomicUsize::new(0));
        let sent2 = sent.clone();
        let mut s = StreamOptions::new().capacity(CAP).spawn_on(&rt, move |out: StreamSender<usize>| {
            let sent = sent2.clone();
            async move {
                for i in 0..200 {
                    out.send(i).await?;
                    sent.fetch_add(1, SeqCst);
                }
                Ok(())
            }
        })?;
        let mut read = 0;
        let mut peak_buffered = 0;
        let mut peak_ahead = 0;
        loop {
            // Let the producer run ahead as far as it can before each read.
            rustyray::time::sleep(Duration::from_micros(200)).await;
            peak_buffered = peak_buffered.max(s.buffered());
            peak_ahead = peak_ahead.max(sent.load(SeqCst) - read);
            match guard("next", s.next()).await {
                Some(Ok(v)) => {
                    assert_eq!(v, read);
                    read += 1;
                }
                Some(Err(e)) => panic!("{e}"),
                None => break,
            }
        }
        assert_eq!(read, 200);
        assert!(peak_buffered <= CAP, "never more than the capacity unread: {peak_buffered}");
        assert_eq!(peak_buffered, CAP, "the producer filled the stream while the reader lagged");
        assert!(peak_ahead <= CAP + 1, "the producer ran at most one send past the bound: {peak_ahead}");
        Ok::<(), Error>(())
    })
    .unwrap();
}

#[test]
fn an_unbounded_stream_lets_the_producer_run_ahead() {
    let rt = runtime();
    rt.block_on(async {
        let done = Arc::new(AtomicBool::new(false));
        let done2 = done.clone();
        let mut s = StreamOptions::new().unbounded().spawn_on(&rt, move |out: StreamSender<u32>| {
            let done = done2.clone();
            async move {
                for i in 0..1000 {
                    out.send(i).await?;
                }
                done.store(true, SeqCst);
                Ok(())
            }
        })?;
        eventually("the producer finishes without a reader", || async { done.load(SeqCst) }).await;
        assert_eq!(s.buffered(), 1000);
        let (items, error) = drain(&mut s).await;
        assert_eq!(items.len(), 1000);
        assert_eq!(error, None);
        Ok::<(), Error>(())
    })
    .unwrap();
}

#[test]
fn an_error_or_a_panic_ends_the_stream_after_its_items() {
    quiet_intentional_panics();
    let rt = runtime();
    rt.block_on(async {
        let mut failing = stream::spawn(|out: StreamSender<u32>| async move {
            for i in 0..3 {
                out.send(i).await?;
            }
            Err(Error::Remote { message: "model overloaded".into() })
        })?;
        let (items, error) = drain(&mut failing).await;
        assert_eq!(items, vec![0, 1, 2]);
        assert_eq!(error, Some(Error::Remote { message: "model overloaded".into() }));

        let mut panicking = stream::spawn(|out: StreamSender<u32>| async move {
            out.send(7).await?;
            out.send(8).await?;
            panic!("tokenizer exploded");
        })?;
        let (items, error) = drain(&mut panicking).await;
        assert_eq!(items, vec![7, 8]);
        match error {
            Some(Error::TaskPanicked { message }) => assert!(message.contains("tokenizer exploded"), "{message}"),
            other => panic!("expected TaskPanicked, got {other:?}"),
        }
        Ok::<(), Error>(())
    })
    .unwrap();
}

/// Sets its flag when dropped (the producer's future was dropped at its await).
struct DropFlag(Arc<AtomicBool>);
impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, SeqCst);
    }
}

#[test]
fn cancel_drops_a_streaming_task_at_its_await() {
    let rt = runtime();
    rt.block_on(async {
        let dropped = Arc::new(AtomicBool::new(false));
        let flag = dropped.clone();
        let mut s = stream::spawn(move |out: StreamSender<u32>| {
            let flag = DropFlag(flag.clone());
            async move {
                let _flag = flag;
                out.send(1).await?;
                // Waits on something that never comes.
                core::future::pending::<()>().await;
                Ok(())
            }
        })?;
        assert_eq!(guard("first", s.next()).await, Some(Ok(1)));
        s.cancel();
        eventually("the producer dropped", || async { dropped.load(SeqCst) }).await;
        assert_eq!(s.next().await, None);
        Ok::<(), Error>(())
    })
    .unwrap();
}

#[test]
fn dropping_the_stream_fails_the_producers_next_send() {
    let rt = runtime();
    rt.block_on(async {
        let (tx, rx) = stream::bounded::<u32>(2);
        let producer = rt.spawn(async move {
            let mut sent = 0;
            loop {
                match tx.send(sent).await {
                    Ok(()) => sent += 1,
                    Err(e) => return (sent, e),
                }
            }
        });
        rustyray::time::sleep(Duration::from_millis(2)).await;
        drop(rx);
        let (sent, e) = guard("the producer stops", producer).await?;
        assert_eq!(e, Error::Cancelled);
        assert!(sent <= 3, "it waited at the bound until the drop: {sent}");
        Ok::<(), Error>(())
    })
    .unwrap();
}

#[test]
fn wait_accepts_streams() {
    let rt = runtime();
    rt.block_on(async {
        let (a_tx, a) = stream::bounded::<u32>(4);
        let (b_tx, b) = stream::bounded::<u32>(4);
        let (ready, pending) = rustyray::wait(&[&a, &b], 1, Some(Duration::from_millis(5))).await;
        assert!(ready.is_empty() && pending.len() == 2, "nothing to read yet");
        let sender = rt.spawn(async move {
            rustyray::time::sleep(Duration::from_millis(2)).await;
            a_tx.send(5).await
        });
        let (ready, pending) = rustyray::wait(&[&a, &b], 1, None).await;
        assert!(std::ptr::eq(ready[0], &a) && std::ptr::eq(pending[0], &b));
        guard("send", sender).await??;
        // An ended stream is ready too (its end is there to read).
        drop(b_tx);
        let (ready, _) = rustyray::wait(&[&a, &b], 2, None).await;
        assert_eq!(ready.len(), 2);
        Ok::<(), Error>(())
    })
    .unwrap();
}

#[test]
fn a_retried_stream_replays_without_duplicates() {
    quiet_intentional_panics();
    let rt = runtime();
    rt.block_on(async {
        let runs = Arc::new(AtomicUsize::new(0));
        let runs2 = runs.clone();
        let mut s = StreamOptions::new().max_retries(2).spawn_on(&rt, move |out: StreamSender<u32>| {
            let run = runs2.fetch_add(1, SeqCst);
            async move {
                for i in 0..6 {
                    if run == 0 && i == 3 {
                        panic!("first run fails after three items");
                    }
                    out.send(i).await?;
                }
                Ok(())
            }
        })?;
        let (items, error) = drain(&mut s).await;
        assert_eq!(items, (0..6).collect::<Vec<_>>(), "each position once");
        assert_eq!(error, None);
        assert_eq!(runs.load(SeqCst), 2);

        // Errors returned are final unless retry_exceptions.
        let mut s = StreamOptions::new()
            .max_retries(2)
            .spawn_on(&rt, |_out: StreamSender<u32>| async { Err(Error::Remote { message: "no".into() }) })?;
        assert_eq!(drain(&mut s).await, (vec![], Some(Error::Remote { message: "no".into() })));
        Ok::<(), Error>(())
    })
    .unwrap();
}

#[test]
fn a_stream_is_a_futures_stream() {
    use futures_lite::StreamExt;
    let rt = runtime();
    rt.block_on(async {
        let s = stream::spawn(|out: StreamSender<u32>| async move {
            for i in 0..5 {
                out.send(i).await?;
            }
            Ok(())
        })?;
        let items: Vec<Result<u32, Error>> = s.collect().await;
        assert_eq!(items, (0..5).map(Ok).collect::<Vec<_>>());
        Ok::<(), Error>(())
    })
    .unwrap();
}

rustyray::dsl::actor! {
    pub struct Model { prefix: String }
    #[concurrent]
    impl Model {
        pub fn new(prefix: String) -> Self { Model { prefix } }
        /// Streams `n` tokens; the caller holds the stream.
        pub async fn generate(&self, n: u32, out: StreamSender<String>) -> u32 {
            for i in 0..n {
                if out.send(format!("{}{i}", self.prefix)).await.is_err() {
                    return i;
                }
            }
            n
        }
        pub async fn stall(&self, out: StreamSender<String>) {
            let _ = out.send(String::from("first")).await;
            core::future::pending::<()>().await;
        }
    }
}

#[test]
fn an_actor_method_streams_to_its_callers() {
    let rt = runtime();
    rt.block_on(async {
        let m = Model::options().max_concurrency(4).remote_on(&rt, "tok".into()).await?;
        let mut streams = Vec::new();
        let mut dones = Vec::new();
        for _ in 0..4 {
            let (tx, rx) = stream::bounded(2);
            dones.push(m.generate(50, tx).await?);
            streams.push(rx);
        }
        for mut s in streams {
            let (items, error) = drain(&mut s).await;
            assert_eq!(items, (0..50).map(|i| format!("tok{i}")).collect::<Vec<_>>());
            assert_eq!(error, None);
        }
        for d in dones {
            assert_eq!(d.get().await?, 50);
        }
        // Killed mid-stream: the stream ends with ActorDied after what was sent.
        let (tx, mut rx) = stream::bounded(2);
        let _stalled = m.stall(tx).await?;
        assert_eq!(guard("first", rx.next()).await, Some(Ok(String::from("first"))));
        m.kill();
        let (items, error) = drain(&mut rx).await;
        assert!(items.is_empty());
        assert!(matches!(error, Some(Error::ActorDied { .. })), "{error:?}");
        Ok::<(), Error>(())
    })
    .unwrap();
}

#[test]
fn streams_run_on_the_single_threaded_executor_of_no_std_builds() {
    use rustyray::{LocalExecutor, Store};
    let exec: &'static LocalExecutor = Box::leak(Box::new(LocalExecutor::new(Box::leak(Box::new(|| {})))));
    let store: &'static Store = Box::leak(Box::new(Store::new()));
    let host = (exec, store);
    let mut s = StreamOptions::new()
        .capacity(2)
        .spawn_on(&host, |out: StreamSender<u8>| async move {
            for i in 0..10 {
                out.send(i).await?;
            }
            Ok(())
        })
        .unwrap();
    let read = exec.spawn(async move {
        let mut got = Vec::new();
        let mut peak = 0;
        while let Some(item) = s.next().await {
            peak = peak.max(s.buffered() + 1);
            got.push(item.unwrap());
        }
        (got, peak)
    });
    exec.run_until_stalled();
    let (got, peak) = exec.block_on(read, || {}).unwrap();
    assert_eq!(got, (0..10).collect::<Vec<_>>());
    assert!(peak <= 2, "the fixed capacity holds: {peak}");
}
