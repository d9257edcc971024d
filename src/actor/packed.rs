//! How a generated message carries one call: its arguments and its reply slot, inline when
//! they fit in two words, boxed when wider.
//!
//! A mailbox queues the actor's message enum by value, so every queued message is as wide
//! as the enum's widest variant. One method with three arguments would make every message
//! four words (the variant's three and the tag's), the one-word `increment` as much as the
//! rare wide call. So the generated enum holds a method's call as [`Inline`] when its
//! arguments and reply slot fit in [`INLINE_WORDS`] words and as [`Boxed`] otherwise: a
//! message is then at most three words, and only a wide call pays an allocation (as every
//! message does in actor libraries that box their envelopes).
//!
//! Which of the two a method gets is decided at compile time from the size of its
//! arguments, by [`Width`] and [`Select`]; the macros write
//! `<Width<{ fits_inline::<Args>() }> as Select<Args>>::Out`. Both sides then go through
//! [`Pack`], and both dereference to the arguments tuple, so a message handed back by a full
//! mailbox can still be looked at (`call.0` is its first argument). For example:
//!
//! ```
//! rustyray::dsl::actor! {
//!     pub struct Log { lines: Vec<String> }
//!     impl Log {
//!         pub fn new() -> Self { Log { lines: Vec::new() } }
//!         pub fn push(&mut self, line: String) { self.lines.push(line) }
//!         pub fn len(&self) -> usize { self.lines.len() }
//!     }
//! }
//!
//! #[rustyray::main]
//! async fn main() -> Result<(), rustyray::Error> {
//!     type LogMsg = <Log as rustyray::Actor>::Msg;
//!     // `len` carries only its reply slot: inline. `push` carries a `String` (three
//!     // words) and its reply slot: boxed, one word. The enum is two words, the widest
//!     // carrier and the tag, where an inline `push` would have made it five.
//!     assert_eq!(core::mem::size_of::<LogMsg>(), 2 * core::mem::size_of::<usize>());
//!
//!     let log = Log::remote().await?;
//!     log.push("boxed".to_string()).tell().await?;
//!     assert_eq!(log.len().await?.get().await?, 1);
//!     Ok(())
//! }
//! ```

use alloc::boxed::Box;
use core::ops::Deref;

/// The widest call, in words, a message carries inline: arguments and reply slot together.
pub const INLINE_WORDS: usize = 2;

/// `true` when a call's arguments (with its reply slot), `T`, are carried [`Inline`].
#[must_use]
pub const fn fits_inline<T>() -> bool {
    core::mem::size_of::<T>() <= INLINE_WORDS * core::mem::size_of::<usize>()
}

/// Picks [`Inline`] (`Width<true>`) or [`Boxed`] (`Width<false>`) through [`Select`].
#[derive(Debug)]
pub struct Width<const INLINE: bool>;

/// The carrier a [`Width`] selects for a call's arguments `T`.
pub trait Select<T> {
    /// [`Inline<T>`] or [`Boxed<T>`].
    type Out: Pack<Args = T>;
}

impl<T> Select<T> for Width<true> {
    type Out = Inline<T>;
}

impl<T> Select<T> for Width<false> {
    type Out = Boxed<T>;
}

/// A call's arguments (a tuple ending with the reply slot) in a message.
pub trait Pack: Deref<Target = Self::Args> {
    /// The arguments tuple.
    type Args;
    /// Puts a call's arguments in a message.
    fn pack(args: Self::Args) -> Self;
    /// Takes them back out.
    fn unpack(self) -> Self::Args;
}

/// A call's arguments carried in the message itself.
#[derive(Debug)]
#[repr(transparent)]
pub struct Inline<T>(T);

/// A call's arguments behind one allocation, so the message stays narrow.
#[derive(Debug)]
pub struct Boxed<T>(Box<T>);

impl<T> Pack for Inline<T> {
    type Args = T;
    #[inline(always)]
    fn pack(args: T) -> Self {
        Inline(args)
    }
    #[inline(always)]
    fn unpack(self) -> T {
        self.0
    }
}

impl<T> Pack for Boxed<T> {
    type Args = T;
    #[inline]
    fn pack(args: T) -> Self {
        Boxed(Box::new(args))
    }
    #[inline]
    fn unpack(self) -> T {
        *self.0
    }
}

impl<T> Deref for Inline<T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Deref for Boxed<T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    type Carrier<T> = <Width<true> as Select<T>>::Out;

    #[test]
    fn two_words_fit_inline_and_three_do_not() {
        assert!(fits_inline::<()>());
        assert!(fits_inline::<(u64, Option<Box<u8>>)>());
        assert!(!fits_inline::<(u64, u64, Option<Box<u8>>)>());
        assert!(!fits_inline::<(String,)>());
    }

    #[test]
    fn both_carriers_give_the_arguments_back() {
        let inline: Carrier<(u32, String)> = Pack::pack((7, String::from("seven")));
        assert_eq!((*inline).0, 7);
        assert_eq!(Pack::unpack(inline), (7, String::from("seven")));

        let boxed = <<Width<false> as Select<(u32, String)>>::Out as Pack>::pack((8, String::from("eight")));
        assert_eq!(boxed.1, "eight");
        assert_eq!(Pack::unpack(boxed), (8, String::from("eight")));
        assert_eq!(core::mem::size_of::<Boxed<(u32, String)>>(), core::mem::size_of::<usize>());
    }
}
