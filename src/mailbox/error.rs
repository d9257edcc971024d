//! Errors of mailbox operations: each one gives the message back, so nothing is lost.

use core::fmt;

/// `try_send` could not queue the message; the message is handed back.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TrySendError<T> {
    /// The mailbox is bounded and full. Retry later, or `send(..).await` to wait for room.
    Full(T),
    /// The mailbox is closed (the actor stopped); the message will never be delivered.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The message that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(m) | TrySendError::Closed(m) => m,
        }
    }

    /// True for [`TrySendError::Full`].
    pub fn is_full(&self) -> bool {
        matches!(self, TrySendError::Full(_))
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => {
                f.write_str("the mailbox is full; retry later or use send(..).await to wait for room")
            }
            TrySendError::Closed(_) => f.write_str("the mailbox is closed: the actor has stopped"),
        }
    }
}

impl<T> core::error::Error for TrySendError<T> {}

/// `send` failed because the mailbox is closed; the message is handed back.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the mailbox is closed: the actor has stopped")
    }
}

impl<T> core::error::Error for SendError<T> {}
