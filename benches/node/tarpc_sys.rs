//! tarpc 0.37 with its bincode transport, on tokio's multi-threaded runtime (2 workers).
//! Sockets are made by hand so TCP gets `TCP_NODELAY`, as rustyray's and the floor's do.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Instant;

use futures::{StreamExt, TryStreamExt};
use tarpc::server::{BaseChannel, Channel};
use tarpc::tokio_serde::formats::Bincode;
use tarpc::{client, context};
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};

use crate::{cpu_time, Check, ClientResult, IN_FLIGHT};

#[tarpc::service]
pub trait Count {
    async fn add(k: u64) -> u64;
}

#[derive(Clone)]
struct Counter(Arc<AtomicU64>);

impl Count for Counter {
    async fn add(self, _: context::Context, k: u64) -> u64 {
        self.0.fetch_add(k, Relaxed) + k
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(|e| e.to_string())
}

async fn serve_one<S>(stream: S)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let transport = tarpc::serde_transport::Transport::from((stream, Bincode::default()));
    let counter = Counter(Arc::new(AtomicU64::new(0)));
    BaseChannel::with_defaults(transport)
        .execute(counter.serve())
        .for_each(|call| async {
            tokio::spawn(call);
        })
        .await;
}

pub fn serve(addr: &str, listening: impl Fn(&str)) -> Result<(), String> {
    runtime()?.block_on(async {
        if let Some(path) = addr.strip_prefix("unix:") {
            let l = UnixListener::bind(path).map_err(|e| e.to_string())?;
            listening(addr);
            let (s, _) = l.accept().await.map_err(|e| e.to_string())?;
            let _ = std::fs::remove_file(path);
            serve_one(s).await;
        } else {
            let l = TcpListener::bind(addr.trim_start_matches("tcp:")).await.map_err(|e| e.to_string())?;
            listening(&format!("tcp:{}", l.local_addr().map_err(|e| e.to_string())?));
            let (s, _) = l.accept().await.map_err(|e| e.to_string())?;
            s.set_nodelay(true).map_err(|e| e.to_string())?;
            serve_one(s).await;
        }
        Ok(())
    })
}

async fn calls(c: CountClient, pipelined: bool, n: u64) -> Result<ClientResult, String> {
    let mut check = Check::new(n);
    let (cpu0, t0) = (cpu_time(), Instant::now());
    if pipelined {
        let mut replies = futures::stream::iter(0..n)
            .map(|_| c.add(context::current(), 1))
            .buffer_unordered(IN_FLIGHT)
            .map_err(|e| e.to_string());
        while let Some(v) = replies.try_next().await? {
            check.any_order(v);
        }
    } else {
        for _ in 0..n {
            check.sequential(c.add(context::current(), 1).await.map_err(|e| e.to_string())?)?;
        }
    }
    let (wall, cpu) = (t0.elapsed(), cpu_time() - cpu0);
    check.finish()?;
    Ok(ClientResult { wall, cpu })
}

pub fn client(addr: &str, pipelined: bool, n: u64) -> Result<ClientResult, String> {
    runtime()?.block_on(async {
        let config = client::Config::default();
        if let Some(path) = addr.strip_prefix("unix:") {
            let s = UnixStream::connect(path).await.map_err(|e| e.to_string())?;
            let transport = tarpc::serde_transport::Transport::from((s, Bincode::default()));
            calls(CountClient::new(config, transport).spawn(), pipelined, n).await
        } else {
            let s = TcpStream::connect(addr.trim_start_matches("tcp:")).await.map_err(|e| e.to_string())?;
            s.set_nodelay(true).map_err(|e| e.to_string())?;
            let transport = tarpc::serde_transport::Transport::from((s, Bincode::default()));
            calls(CountClient::new(config, transport).spawn(), pipelined, n).await
        }
    })
}
