//! Compile-time questions the generated code asks about a concrete type, answered by
//! autoref specialization (the method on `Probe<T>` wins over the one on `&Probe<T>` when
//! its bound holds): "can this argument be cloned for a retry?" and "is this result an
//! `Err`?". They only work where the type is concrete, i.e. in macro expansions.

/// Wraps a reference to a value whose type the generated code asks about.
#[doc(hidden)]
#[derive(Debug)]
pub struct Probe<'a, T>(pub &'a T);

/// `Some(clone)` for `Clone` types.
#[doc(hidden)]
pub trait CloneProbe<T> {
    /// A clone of the value, if its type is `Clone`.
    fn __rr_try_clone(&self) -> Option<T>;
}

impl<T: Clone> CloneProbe<T> for Probe<'_, T> {
    #[inline]
    fn __rr_try_clone(&self) -> Option<T> {
        Some(self.0.clone())
    }
}

/// `None` for other types (found one autoref later).
#[doc(hidden)]
pub trait NoCloneProbe<T> {
    /// A clone of the value, if its type is `Clone`.
    fn __rr_try_clone(&self) -> Option<T>;
}

impl<T> NoCloneProbe<T> for &Probe<'_, T> {
    #[inline]
    fn __rr_try_clone(&self) -> Option<T> {
        None
    }
}

/// `is_err()` for `Result`s.
#[doc(hidden)]
pub trait ErrProbe {
    /// True for an `Err` result.
    fn __rr_is_err(&self) -> bool;
}

impl<T, E> ErrProbe for Probe<'_, Result<T, E>> {
    #[inline]
    fn __rr_is_err(&self) -> bool {
        self.0.is_err()
    }
}

/// `false` for every other type.
#[doc(hidden)]
pub trait NotErrProbe {
    /// True for an `Err` result.
    fn __rr_is_err(&self) -> bool;
}

impl<T> NotErrProbe for &Probe<'_, T> {
    #[inline]
    fn __rr_is_err(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NotClone;

    #[test]
    #[allow(
        clippy::needless_borrow,
        reason = "the explicit `&` is what the generated code writes: autoref specialization"
    )]
    fn answers_per_concrete_type() {
        assert_eq!((&Probe(&5_i32)).__rr_try_clone(), Some(5));
        assert!((&Probe(&NotClone)).__rr_try_clone().is_none());
        assert!((&Probe(&Err::<(), u8>(1))).__rr_is_err());
        assert!(!(&Probe(&Ok::<(), u8>(()))).__rr_is_err());
        assert!(!(&Probe(&7_u8)).__rr_is_err());
    }
}
