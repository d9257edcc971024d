//! Writing a [`Frame`] by hand: postcard's encoding of the frame types (see
//! [`read`](super::read) for the rules), pushed into any postcard output flavor through one
//! non-generic writer.
//!
//! The bytes are the ones `postcard` gives for the serde derive — the golden-byte tests and
//! the `wire_decode` fuzz target check it. One writer serves every flavor (a slice, a
//! `heapless::Vec`, a node's outgoing `Vec`, each with or without COBS), so a firmware
//! carries one copy of the frame encoder instead of one per flavor and per serde layer.

use postcard::ser_flavors::Flavor;

use super::{Callee, Frame, RemoteError, TaskArg, PROTOCOL_VERSION};

/// Where a frame's bytes go: any postcard flavor.
pub(crate) trait Sink {
    fn put(&mut self, bytes: &[u8]) -> postcard::Result<()>;
}

impl<F: Flavor> Sink for F {
    fn put(&mut self, bytes: &[u8]) -> postcard::Result<()> {
        self.try_extend(bytes)
    }
}

/// Writes the version byte and `frame` into `out`.
pub(crate) fn write_frame(out: &mut dyn Sink, frame: &Frame<'_>) -> postcard::Result<()> {
    let mut writer = Writer { out, result: Ok(()) };
    writer.put(&[PROTOCOL_VERSION]);
    writer.frame(frame);
    writer.result
}

/// The writer keeps the first error and writes nothing after it (each step need not
/// check: a frame is a straight sequence of writes).
struct Writer<'s> {
    out: &'s mut dyn Sink,
    result: postcard::Result<()>,
}

impl Writer<'_> {
    fn put(&mut self, bytes: &[u8]) {
        if self.result.is_ok() {
            self.result = self.out.put(bytes);
        }
    }

    fn varint(&mut self, mut value: u64) {
        let mut buf = [0_u8; 10];
        let mut len = 0;
        loop {
            // (The mask keeps seven bits: the cast drops nothing.)
            let low = (value & 0x7F) as u8;
            value >>= 7;
            if value == 0 {
                buf[len] = low;
                return self.put(&buf[..=len]);
            }
            buf[len] = low | 0x80;
            len += 1;
        }
    }

    fn bytes(&mut self, bytes: &[u8]) {
        self.varint(bytes.len() as u64);
        self.put(bytes)
    }

    fn callee(&mut self, callee: &Callee<'_>) {
        match *callee {
            Callee::Index(index) => {
                self.varint(0);
                self.varint(u64::from(index))
            }
            Callee::Name(name) => {
                self.varint(1);
                self.bytes(name.as_bytes())
            }
        }
    }

    fn remote_error(&mut self, error: &RemoteError<'_>) {
        let (tag, text) = match *error {
            RemoteError::RuntimeShutdown => (0, None),
            RemoteError::TaskPanicked { message } => (1, Some(message)),
            RemoteError::Cancelled => (2, None),
            RemoteError::Timeout => (3, None),
            RemoteError::ObjectLost => (4, None),
            RemoteError::ObjectNotFound { id } => {
                self.varint(5);
                self.varint(id.as_u64());
                return;
            }
            RemoteError::ActorDied { reason } => (6, Some(reason)),
            RemoteError::ActorNotFound { name } => (7, Some(name)),
            RemoteError::TypeMismatch { expected } => (8, Some(expected)),
            RemoteError::Decode { message } => (9, Some(message)),
            RemoteError::Encode { message } => (10, Some(message)),
            RemoteError::Other { message } => (11, Some(message)),
            RemoteError::NodeLost { reason } => (12, Some(reason)),
        };
        self.varint(tag);
        if let Some(text) = text {
            self.bytes(text.as_bytes());
        }
    }

    fn frame(&mut self, frame: &Frame<'_>) {
        match frame {
            Frame::Hello(hello) => {
                self.varint(0);
                self.put(&hello.magic);
                self.put(&[hello.max_version]);
                self.varint(hello.node_id);
                self.varint(u64::from(hello.capabilities.0));
                self.varint(u64::from(hello.window))
            }
            Frame::ActorCall(call) => {
                self.varint(1);
                self.varint(call.actor);
                self.callee(&call.method);
                self.bytes(call.args);
                match call.reply_to {
                    None => self.put(&[0]),
                    Some(reply_to) => {
                        self.put(&[1]);
                        self.varint(reply_to)
                    }
                }
            }
            Frame::Reply(reply) => {
                self.varint(2);
                self.varint(reply.reply_to);
                match &reply.result {
                    Ok(bytes) => {
                        self.varint(0);
                        self.bytes(bytes)
                    }
                    Err(error) => {
                        self.varint(1);
                        self.remote_error(error)
                    }
                }
            }
            Frame::SubmitTask(task) => {
                self.varint(3);
                self.callee(&task.function);
                self.varint(task.args.len() as u64);
                for arg in &task.args {
                    match *arg {
                        TaskArg::Value(bytes) => {
                            self.varint(0);
                            self.bytes(bytes);
                        }
                        TaskArg::Object(id) => {
                            self.varint(1);
                            self.varint(id.as_u64());
                        }
                    }
                }
                self.varint(task.result.as_u64())
            }
            Frame::Object(object) => {
                self.varint(4);
                self.varint(object.id.as_u64());
                self.bytes(object.bytes)
            }
            Frame::Lookup(lookup) => {
                self.varint(5);
                self.bytes(lookup.name.as_bytes());
                self.bytes(lookup.actor_type.as_bytes());
                self.varint(lookup.reply_to)
            }
            Frame::Fetch(fetch) => {
                self.varint(6);
                self.varint(fetch.object.as_u64());
                self.varint(fetch.reply_to)
            }
            Frame::Release(release) => {
                self.varint(7);
                self.varint(release.object.as_u64())
            }
            Frame::Credit(credit) => {
                self.varint(8);
                self.varint(u64::from(credit.requests))
            }
        }
    }
}
