//! Payloads of process calls that do not fit a frame: the node layer's frames are bounded
//! (`rustyray::node::MAX_FRAME`), so a pickled call or reply larger than [`INLINE_MAX`]
//! travels through a file in the workers' private directory (mode 0700), and the frame
//! carries its name.
//!
//! ```text
//!  [0] ++ bytes          the payload itself
//!  [1] ++ file name      the payload is in <dir>/<file name>; the reader removes it
//! ```
//!
//! A reader takes only a plain file name (no separators, no `..`) and only inside the
//! directory it was given: a peer cannot make it read anything else.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// The largest payload sent inline (well under `MAX_FRAME`, leaving room for the frame).
pub(crate) const INLINE_MAX: usize = 32 * 1024;

const INLINE: u8 = 0;
const IN_FILE: u8 = 1;

/// `bytes` as a frame's payload: inline, or written to a fresh file in `dir`.
pub(crate) fn wrap(dir: &Path, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    if bytes.len() <= INLINE_MAX {
        let mut out = Vec::with_capacity(bytes.len() + 1);
        out.push(INLINE);
        out.extend_from_slice(bytes);
        return Ok(out);
    }
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let name = format!("payload-{}-{}.bin", std::process::id(), SEQ.fetch_add(1, Relaxed));
    std::fs::write(dir.join(&name), bytes)?;
    let mut out = Vec::with_capacity(name.len() + 1);
    out.push(IN_FILE);
    out.extend_from_slice(name.as_bytes());
    Ok(out)
}

/// The payload a frame carries (reading and removing its file if it names one in `dir`).
/// An empty frame is an empty payload.
pub(crate) fn unwrap(dir: &Path, frame: &[u8]) -> std::io::Result<Vec<u8>> {
    let invalid = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    match frame.split_first() {
        None => Ok(Vec::new()),
        Some((&INLINE, bytes)) => Ok(bytes.to_vec()),
        Some((&IN_FILE, name)) => {
            let name = std::str::from_utf8(name).map_err(|_| invalid("a payload file name that is not UTF-8"))?;
            let plain = !name.is_empty() && !name.contains(['/', '\\', '\0']) && name != "." && name != "..";
            if !plain {
                return Err(invalid("a payload file name that is not a plain file name"));
            }
            let path = dir.join(name);
            let bytes = std::fs::read(&path)?;
            let _ = std::fs::remove_file(&path);
            Ok(bytes)
        }
        Some(_) => Err(invalid("a payload of an unknown kind")),
    }
}
