//! Streams across a link (docs/semantics.md §6.2.1): a `StreamSender` in an exported method's
//! arguments feeds the caller's stream from the other node, items in order, with the
//! reader's bound holding across the link (peak unread items and producer lead observed),
//! errors and panics ending the stream after the items, and a reader that goes away
//! stopping the producer.

mod common;

use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::time::Duration;

use rustyray::node::{duplex, Node, Peer};
use rustyray::stream::{self, StreamSender};
use rustyray::{Error, Runtime};

/// Items the model has sent (and had accepted) so far, across every call.
static SENT: AtomicU64 = AtomicU64::new(0);

rustyray::dsl::actor! {
    pub struct Model { }
    #[export]
    #[concurrent]
    impl Model {
        pub fn new() -> Self { Model {} }
        /// Streams `n` items; how many were accepted before the reader went away.
        pub async fn count(&self, n: u64, out: StreamSender<u64>) -> u64 {
            for i in 0..n {
                if out.send(i).await.is_err() {
                    return i;
                }
                SENT.fetch_add(1, SeqCst);
            }
            n
        }
        /// Sends `n` items, then fails.
        pub async fn fail_after(&self, n: u64, out: StreamSender<u64>) {
            for i in 0..n {
                let _ = out.send(i).await;
            }
            out.fail(Error::Remote { message: String::from("the model ran out of memory") });
        }
        /// Sends `n` items, then panics (its sender is dropped while unwinding).
        pub async fn panic_after(&self, n: u64, out: StreamSender<u64>) {
            for i in 0..n {
                let _ = out.send(i).await;
            }
            panic!("the model exploded");
        }
    }
}

fn rt() -> Runtime {
    Runtime::builder().worker_threads(2).build().unwrap()
}

struct Pair {
    server_rt: Runtime,
    client_rt: Runtime,
    _server: Node,
    peer: Peer,
}

fn pair() -> Pair {
    let (server_rt, client_rt) = (rt(), rt());
    let server = Node::new(&server_rt);
    let model = server_rt.block_on(Model::options().max_concurrency(4).max_restarts(10).remote_on(&server_rt)).unwrap();
    server.export("model", &model).unwrap();
    let client = Node::new(&client_rt);
    let ((sr, sw), (cr, cw)) = duplex();
    server.accept_link(sr, sw);
    let peer = client_rt.block_on(async { guard(client.connect_link(cr, cw)).await }).unwrap();
    Pair { server_rt, client_rt, _server: server, peer }
}

async fn guard<T>(f: impl std::future::Future<Output = Result<T, Error>>) -> Result<T, Error> {
    rustyray::time::timeout(Duration::from_secs(20), f).await?
}

async fn drain(s: &mut rustyray::stream::ObjectRefStream<u64>) -> (Vec<u64>, Option<Error>) {
    let (mut items, mut error) = (Vec::new(), None);
    while let Some(next) = guard(async { Ok(s.next().await) }).await.unwrap() {
        match next {
            Ok(v) => items.push(v),
            Err(e) => error = Some(e),
        }
    }
    (items, error)
}

#[test]
fn a_stream_sender_crosses_a_link_and_the_bound_holds() {
    common::quiet_intentional_panics();
    let p = pair();
    p.client_rt
        .block_on(async {
            let model = guard(p.peer.actor::<Model>("model")).await?;
            // Items in order, several streams at once.
            let mut streams = Vec::new();
            let mut dones = Vec::new();
            for _ in 0..3 {
                let (tx, rx) = stream::bounded(4);
                dones.push(model.count(200, tx).await?);
                streams.push(rx);
            }
            for mut s in streams {
                assert_eq!(drain(&mut s).await, ((0..200).collect(), None));
            }
            for d in dones {
                assert_eq!(guard(d.get()).await?, 200);
            }

            // A slow reader: the producer never gets more than the bound plus the window ahead.
            let before = SENT.load(SeqCst);
            let (tx, mut rx) = stream::bounded(4);
            let done = model.count(300, tx).await?;
            let (mut read, mut peak_buffered, mut peak_ahead) = (0u64, 0, 0);
            while let Some(item) = guard(async { Ok(rx.next().await) }).await? {
                assert_eq!(item?, read);
                read += 1;
                rustyray::time::sleep(Duration::from_micros(300)).await;
                peak_buffered = peak_buffered.max(rx.buffered());
                peak_ahead = peak_ahead.max(SENT.load(SeqCst) - before - read);
            }
            assert_eq!(read, 300);
            assert!(peak_buffered <= 4, "never more than the reader's bound unread: {peak_buffered}");
            let lead = 4 + rustyray::node::STREAM_WINDOW as u64 + 1;
            assert!(peak_ahead <= lead, "the producer stays within the bound and the window: {peak_ahead} > {lead}");
            assert_eq!(guard(done.get()).await?, 300);

            // Errors and panics end the stream after the items.
            let (tx, mut rx) = stream::bounded(4);
            let _ = model.fail_after(3, tx).await?;
            let (items, error) = drain(&mut rx).await;
            assert_eq!(items, vec![0, 1, 2]);
            assert!(
                matches!(&error, Some(Error::Remote { message }) if message.contains("out of memory")),
                "{error:?}"
            );
            let (tx, mut rx) = stream::bounded(4);
            let _ = model.panic_after(2, tx).await?;
            let (items, error) = drain(&mut rx).await;
            assert_eq!(items, vec![0, 1]);
            assert!(matches!(&error, Some(Error::Remote { message }) if message.contains("exploded")), "{error:?}");

            // The reader goes away: the producer's sends fail soon after.
            let (tx, mut rx) = stream::bounded(2);
            let done = model.count(1_000_000, tx).await?;
            for i in 0..10 {
                assert_eq!(guard(async { Ok(rx.next().await) }).await?, Some(Ok(i)));
            }
            drop(rx);
            let stopped_at = guard(done.get()).await?;
            assert!(stopped_at < 1_000, "the producer stopped soon after the reader left: {stopped_at}");
            Ok::<(), Error>(())
        })
        .unwrap();
    drop(p.server_rt);
}

#[test]
fn the_link_closing_ends_a_stream_with_node_lost() {
    let p = pair();
    let (tx, mut rx) = stream::bounded::<u64>(2);
    p.client_rt
        .block_on(async {
            let model = guard(p.peer.actor::<Model>("model")).await?;
            let _done = model.count(1_000_000, tx).await?;
            assert_eq!(guard(async { Ok(rx.next().await) }).await?, Some(Ok(0)));
            Ok::<(), Error>(())
        })
        .unwrap();
    p.peer.close();
    let (_, error) = p.client_rt.block_on(drain(&mut rx));
    assert!(matches!(error, Some(Error::NodeLost { .. })), "{error:?}");
}
