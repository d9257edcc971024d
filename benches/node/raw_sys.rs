//! The floor: blocking sockets, one thread each side, 8 bytes each way per round trip.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::time::Instant;

use crate::{cpu_time, Check, ClientResult};

fn echo_sum(mut s: impl Read + Write) -> Result<(), String> {
    let mut sum = 0_u64;
    let mut buf = [0_u8; 8];
    loop {
        match s.read_exact(&mut buf) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e.to_string()),
        }
        sum += u64::from_le_bytes(buf);
        s.write_all(&sum.to_le_bytes()).map_err(|e| e.to_string())?;
    }
}

pub fn serve(addr: &str, listening: impl Fn(&str)) -> Result<(), String> {
    if let Some(path) = addr.strip_prefix("unix:") {
        let l = UnixListener::bind(path).map_err(|e| e.to_string())?;
        listening(addr);
        let (s, _) = l.accept().map_err(|e| e.to_string())?;
        let _ = std::fs::remove_file(path);
        echo_sum(s)
    } else {
        let l = TcpListener::bind(addr.trim_start_matches("tcp:")).map_err(|e| e.to_string())?;
        listening(&format!("tcp:{}", l.local_addr().map_err(|e| e.to_string())?));
        let (s, _) = l.accept().map_err(|e| e.to_string())?;
        s.set_nodelay(true).map_err(|e| e.to_string())?;
        echo_sum(s)
    }
}

fn round_trips(mut s: impl Read + Write, n: u64) -> Result<ClientResult, String> {
    let mut check = Check::new(n);
    let mut buf = [0_u8; 8];
    let (cpu0, t0) = (cpu_time(), Instant::now());
    for _ in 0..n {
        s.write_all(&1_u64.to_le_bytes()).map_err(|e| e.to_string())?;
        s.read_exact(&mut buf).map_err(|e| e.to_string())?;
        check.sequential(u64::from_le_bytes(buf))?;
    }
    let (wall, cpu) = (t0.elapsed(), cpu_time() - cpu0);
    check.finish()?;
    Ok(ClientResult { wall, cpu })
}

pub fn client(addr: &str, n: u64) -> Result<ClientResult, String> {
    if let Some(path) = addr.strip_prefix("unix:") {
        round_trips(UnixStream::connect(path).map_err(|e| e.to_string())?, n)
    } else {
        let s = TcpStream::connect(addr.trim_start_matches("tcp:")).map_err(|e| e.to_string())?;
        s.set_nodelay(true).map_err(|e| e.to_string())?;
        round_trips(s, n)
    }
}
