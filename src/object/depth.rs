//! Postcard decoding with a bounded nesting depth.
//!
//! Serde deserializes a nested value by recursion: every compound value (a struct, a
//! sequence, an enum, `Some`, …) is one more set of stack frames. postcard has no limit of
//! its own, so a recursive type such as `enum List { Nil, Cons(Box<List>) }` fed a long run
//! of `Cons` tags (`[1, 1, 1, …, 0]`: one byte per level) recurses once per byte and
//! overflows the stack, aborting the process, long before it runs out of input.
//!
//! [`take_from_bytes_limited`] decodes through an adapter that counts the depth and fails
//! with [`DecodeError::TooDeep`] instead, before the recursion goes any deeper. Its docs
//! say exactly what one level of depth is.
//!
//! ```text
//! // `[1; 1_000_000]` then `0`: a million nested `Cons`.
//! let mut bytes = vec![1_u8; 1_000_000];
//! bytes.push(0);
//! let err = take_from_bytes_limited::<List>(&bytes, DEFAULT_MAX_DEPTH).unwrap_err();
//! assert_eq!(err, DecodeError::TooDeep { limit: DEFAULT_MAX_DEPTH });
//! ```
//!
//! The adapter itself needs only `core`; it forwards every `deserialize_*` call to postcard
//! unchanged, so whatever decodes with `postcard::take_from_bytes` within the limit decodes
//! to the same value with the same unread rest (and fails with the same error otherwise).

use core::cell::Cell;
use core::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};
use serde::Deserialize;

/// The nesting depth [`take_from_bytes_limited`] callers use when they have no reason to
/// pick another: deep enough for any hand-written data structure, shallow enough that the
/// recursion stays far within a small thread's stack. Decoding takes roughly 1 KiB of stack
/// per level unoptimized and under 100 bytes optimized (x86-64), so 128 levels need about
/// 150 KiB in a debug build and a few KiB in a release one; targets with smaller stacks
/// pass a smaller limit.
pub const DEFAULT_MAX_DEPTH: usize = 128;

/// Why [`take_from_bytes_limited`] could not decode a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The value nests compound values deeper than `limit` levels (see
    /// [`take_from_bytes_limited`] for what one level is). Decoding stopped on entering the
    /// first value past the limit.
    TooDeep {
        /// The `max_depth` the value exceeded.
        limit: usize,
    },
    /// postcard rejected the bytes: truncated, corrupt, or not an encoding of the type.
    Postcard(postcard::Error),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooDeep { limit } => write!(f, "value nested deeper than {limit} levels"),
            Self::Postcard(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl core::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::TooDeep { .. } => None,
            Self::Postcard(e) => Some(e),
        }
    }
}

impl From<postcard::Error> for DecodeError {
    fn from(e: postcard::Error) -> Self {
        Self::Postcard(e)
    }
}

/// Decodes one postcard-encoded `T` from the front of `bytes`, refusing values nested
/// deeper than `max_depth`.
///
/// Returns the value and the unread rest, like `postcard::take_from_bytes`; within the
/// limit the two return the same.
///
/// # What one level is
///
/// The *depth* of a value is the number of compound values on the path from the root down
/// to it, itself included. These are the compound values, each counting one level:
///
/// * a sequence (`Vec`, slices, sets), a tuple, an array, a tuple struct;
/// * a map (`BTreeMap`, …);
/// * a struct, a newtype struct;
/// * `Some` (of an `Option`);
/// * an enum value, of any variant kind. A tuple or struct variant's fields lie one level
///   below the enum, as a struct's fields lie one level below the struct (the variant does
///   not add a second level of its own); a newtype variant's payload counts as whatever
///   value it is.
///
/// Everything else has no level of its own: integers, floats, `bool`, `char`, strings and
/// byte strings, `()`, unit structs, `None`. Transparent wrappers (`Box`, `Rc`, `Arc`, …)
/// add nothing. A compound value counts even when it is empty (`vec![]` has depth 1).
///
/// Decoding fails as soon as it enters a compound value whose depth would exceed
/// `max_depth`: a value of depth exactly `max_depth` decodes, one of `max_depth + 1` does
/// not. So `42u32` has depth 0, `Some(42)` and `vec![42]` depth 1, `vec![Some(42)]` depth 2,
/// and for `enum List { Nil, Cons(Box<List>) }` `Nil` has depth 1 and each `Cons` adds
/// one: a list of `n` `Cons` has depth `n + 1`.
///
/// # Errors
/// [`DecodeError::TooDeep`] if the value nests deeper than `max_depth`;
/// [`DecodeError::Postcard`] if the bytes are not a postcard encoding of a `T`. Never
/// panics on bad input, and the recursion never goes deeper than `max_depth` compound
/// values, whatever the input.
pub fn take_from_bytes_limited<'a, T: Deserialize<'a>>(
    bytes: &'a [u8],
    max_depth: usize,
) -> Result<(T, &'a [u8]), DecodeError> {
    let budget = Budget::new(max_depth);
    let mut de = postcard::Deserializer::from_bytes(bytes);
    match T::deserialize(Limited { inner: &mut de, budget: &budget }) {
        Ok(value) => Ok((value, de.finalize()?)),
        // postcard's errors are opaque (a custom message becomes `SerdeDeCustom`): the
        // budget remembers whether it was the limit that stopped the decoding.
        Err(_) if budget.exceeded.get() => Err(DecodeError::TooDeep { limit: max_depth }),
        Err(e) => Err(DecodeError::Postcard(e)),
    }
}

/// The depth counter all the wrappers of one decoding share.
struct Budget {
    /// The deepest depth allowed.
    max: usize,
    /// How many compound values are open now.
    depth: Cell<usize>,
    /// Set when a value was refused for its depth.
    exceeded: Cell<bool>,
}

impl Budget {
    fn new(max: usize) -> Self {
        Self { max, depth: Cell::new(0), exceeded: Cell::new(false) }
    }

    /// Runs `f`, which decodes the contents of a compound value, one level deeper; fails
    /// without running it if that level is past the limit.
    fn nested<T, E: de::Error>(&self, f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        let depth = self.depth.get();
        if depth >= self.max {
            self.exceeded.set(true);
            return Err(E::custom(format_args!("value nested deeper than {} levels", self.max)));
        }
        self.depth.set(depth + 1);
        let result = f();
        self.depth.set(depth);
        result
    }
}

/// A deserializer that hands every visitor it is given to `inner` wrapped in a
/// [`LimitedVisitor`].
struct Limited<'b, D> {
    inner: D,
    budget: &'b Budget,
}

/// A visitor that counts a level for each compound value it is shown, and wraps the
/// access (and through it the deserializers and seeds) it passes on to `inner`.
struct LimitedVisitor<'b, V> {
    inner: V,
    budget: &'b Budget,
    /// `inner` visits the fields of a tuple or struct variant: the enum counted their
    /// level already, so the sequence or map that holds them does not count one more.
    variant_fields: bool,
}

/// A seed that deserializes through a [`Limited`] deserializer.
struct LimitedSeed<'b, S> {
    inner: S,
    budget: &'b Budget,
}

/// A sequence whose elements are deserialized through [`LimitedSeed`]s.
struct LimitedSeqAccess<'b, A> {
    inner: A,
    budget: &'b Budget,
}

/// A map whose keys and values are deserialized through [`LimitedSeed`]s.
struct LimitedMapAccess<'b, A> {
    inner: A,
    budget: &'b Budget,
}

/// An enum whose variant tag and contents are deserialized through the wrappers.
struct LimitedEnumAccess<'b, A> {
    inner: A,
    budget: &'b Budget,
}

/// The contents of one enum variant, deserialized through the wrappers.
struct LimitedVariantAccess<'b, A> {
    inner: A,
    budget: &'b Budget,
}

impl<'b, V> LimitedVisitor<'b, V> {
    fn new(inner: V, budget: &'b Budget) -> Self {
        Self { inner, budget, variant_fields: false }
    }
}

/// Forwards `deserialize_*` methods to the inner deserializer, wrapping the visitor.
macro_rules! forward_deserialize {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, Self::Error> {
            self.inner.$method($($arg,)* LimitedVisitor::new(visitor, self.budget))
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Limited<'_, D> {
    type Error = D::Error;

    forward_deserialize! {
        deserialize_any();
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_i128();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_u128();
        deserialize_f32();
        deserialize_f64();
        deserialize_char();
        deserialize_str();
        deserialize_string();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_option();
        deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_seq();
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map();
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier();
        deserialize_ignored_any();
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

/// Forwards `visit_*` methods that take one scalar to the inner visitor.
macro_rules! forward_visit {
    ($($method:ident($ty:ty);)*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
            self.inner.$method(v)
        }
    )*};
}

// `visit_string` and `visit_byte_buf` keep their default implementations, which hand a
// borrow to `visit_str` / `visit_bytes` below: postcard never calls them, and forwarding
// them would need `alloc` for their argument types.
impl<'de, V: Visitor<'de>> Visitor<'de> for LimitedVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    forward_visit! {
        visit_bool(bool);
        visit_i8(i8);
        visit_i16(i16);
        visit_i32(i32);
        visit_i64(i64);
        visit_i128(i128);
        visit_u8(u8);
        visit_u16(u16);
        visit_u32(u32);
        visit_u64(u64);
        visit_u128(u128);
        visit_f32(f32);
        visit_f64(f64);
        visit_char(char);
        visit_str(&str);
        visit_borrowed_str(&'de str);
        visit_bytes(&[u8]);
        visit_borrowed_bytes(&'de [u8]);
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let Self { inner, budget, .. } = self;
        budget.nested(|| inner.visit_some(Limited { inner: deserializer, budget }))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let Self { inner, budget, .. } = self;
        budget.nested(|| inner.visit_newtype_struct(Limited { inner: deserializer, budget }))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let Self { inner, budget, variant_fields } = self;
        let seq = LimitedSeqAccess { inner: seq, budget };
        if variant_fields {
            inner.visit_seq(seq)
        } else {
            budget.nested(|| inner.visit_seq(seq))
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let Self { inner, budget, variant_fields } = self;
        let map = LimitedMapAccess { inner: map, budget };
        if variant_fields {
            inner.visit_map(map)
        } else {
            budget.nested(|| inner.visit_map(map))
        }
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        let Self { inner, budget, .. } = self;
        budget.nested(|| inner.visit_enum(LimitedEnumAccess { inner: data, budget }))
    }
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for LimitedSeed<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.inner.deserialize(Limited { inner: deserializer, budget: self.budget })
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for LimitedSeqAccess<'_, A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Self::Error> {
        self.inner.next_element_seed(LimitedSeed { inner: seed, budget: self.budget })
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for LimitedMapAccess<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Self::Error> {
        self.inner.next_key_seed(LimitedSeed { inner: seed, budget: self.budget })
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Self::Error> {
        self.inner.next_value_seed(LimitedSeed { inner: seed, budget: self.budget })
    }

    fn next_entry_seed<K: DeserializeSeed<'de>, V: DeserializeSeed<'de>>(
        &mut self,
        key: K,
        value: V,
    ) -> Result<Option<(K::Value, V::Value)>, Self::Error> {
        let budget = self.budget;
        self.inner.next_entry_seed(LimitedSeed { inner: key, budget }, LimitedSeed { inner: value, budget })
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

impl<'b, 'de, A: EnumAccess<'de>> EnumAccess<'de> for LimitedEnumAccess<'b, A> {
    type Error = A::Error;
    type Variant = LimitedVariantAccess<'b, A::Variant>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self::Variant), Self::Error> {
        let budget = self.budget;
        let (tag, variant) = self.inner.variant_seed(LimitedSeed { inner: seed, budget })?;
        Ok((tag, LimitedVariantAccess { inner: variant, budget }))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for LimitedVariantAccess<'_, A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), Self::Error> {
        self.inner.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Self::Error> {
        self.inner.newtype_variant_seed(LimitedSeed { inner: seed, budget: self.budget })
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Self::Error> {
        let visitor = LimitedVisitor { inner: visitor, budget: self.budget, variant_fields: true };
        self.inner.tuple_variant(len, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        let visitor = LimitedVisitor { inner: visitor, budget: self.budget, variant_fields: true };
        self.inner.struct_variant(fields, visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use alloc::borrow::ToOwned;
    use alloc::boxed::Box;
    use alloc::collections::BTreeMap;
    use alloc::string::String;
    use alloc::vec;
    use alloc::vec::Vec;
    use core::fmt::Debug;

    use serde::de::{DeserializeOwned, IgnoredAny};
    use serde::Serialize;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum List {
        Nil,
        Cons(Box<List>),
    }

    /// `n` `Cons` around a `Nil`: depth `n + 1`.
    fn list(n: usize) -> List {
        (0..n).fold(List::Nil, |tail, _| List::Cons(Box::new(tail)))
    }

    /// The raw encoding of `list(n)`: `n` tags 1 (`Cons`), then a tag 0 (`Nil`).
    fn list_bytes(n: usize) -> Vec<u8> {
        let mut bytes = vec![1_u8; n];
        bytes.push(0);
        bytes
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Tree(Vec<Tree>);

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Chain(Option<Box<Chain>>);

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Nest(BTreeMap<u8, Nest>);

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct UnitStruct;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Newtype(u32);

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct TupleStruct(i8, u64, char);

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum Kind {
        Unit,
        Newtype(i32),
        Tuple(u8, String),
        Struct { a: u16, b: Option<bool> },
    }

    type Nested = ((u8, (i16, (u32, ()))), [u8; 3]);

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Record<'a> {
        unit: (),
        unit_struct: UnitStruct,
        newtype: Newtype,
        tuple: TupleStruct,
        kinds: Vec<Kind>,
        nested: Nested,
        map: BTreeMap<String, Vec<Option<i64>>>,
        owned: String,
        borrowed: &'a str,
        bytes: &'a [u8],
        float: f64,
        wide: (u128, i128),
        maybe: Option<Box<Record<'a>>>,
        list: List,
    }

    fn record(inner: Option<Box<Record<'static>>>) -> Record<'static> {
        let mut map = BTreeMap::new();
        map.insert("none".to_owned(), vec![None]);
        map.insert("some".to_owned(), vec![Some(-1), Some(i64::MAX), None]);
        map.insert("empty".to_owned(), vec![]);
        Record {
            unit: (),
            unit_struct: UnitStruct,
            newtype: Newtype(u32::MAX),
            tuple: TupleStruct(-128, 1 << 40, 'ß'),
            kinds: vec![
                Kind::Unit,
                Kind::Newtype(-7),
                Kind::Tuple(9, "nine".to_owned()),
                Kind::Struct { a: 300, b: None },
                Kind::Struct { a: 0, b: Some(true) },
            ],
            nested: ((1, (-2, (3, ()))), [4, 5, 6]),
            map,
            owned: "owned ✓".to_owned(),
            borrowed: "borrowed",
            bytes: &[0, 1, 2, 0xFF],
            float: -1.5e300,
            wide: (u128::MAX, i128::MIN),
            maybe: inner,
            list: list(3),
        }
    }

    /// Decodes `bytes` both ways and checks the results (value, rest, or error) agree.
    fn assert_same_as_postcard<'a, T: Deserialize<'a> + PartialEq + Debug>(bytes: &'a [u8]) {
        let plain = postcard::take_from_bytes::<T>(bytes).map_err(DecodeError::Postcard);
        assert_eq!(take_from_bytes_limited::<T>(bytes, DEFAULT_MAX_DEPTH), plain, "bytes {bytes:02x?}");
    }

    /// Encodes `value`, appends trailing bytes, and checks both decoders give back `value`
    /// and the same trailing bytes.
    fn assert_round_trip<T>(value: &T)
    where
        T: Serialize + PartialEq + Debug,
        for<'a> T: Deserialize<'a>,
    {
        let mut bytes = postcard::to_allocvec(value).unwrap();
        bytes.extend_from_slice(&[0xAA, 0x00, 0x55]);
        let (back, rest) = take_from_bytes_limited::<T>(&bytes, DEFAULT_MAX_DEPTH).unwrap();
        assert_eq!(&back, value);
        assert_eq!(rest, [0xAA, 0x00, 0x55]);
        assert_same_as_postcard::<T>(&bytes);
    }

    /// `value` has depth exactly `depth`: it decodes with `max_depth == depth` and is
    /// refused with `depth - 1`.
    fn assert_depth<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T, depth: usize) {
        let bytes = postcard::to_allocvec(value).unwrap();
        let (back, rest) = take_from_bytes_limited::<T>(&bytes, depth).unwrap();
        assert_eq!(&back, value);
        assert!(rest.is_empty());
        if let Some(less) = depth.checked_sub(1) {
            let refused = take_from_bytes_limited::<T>(&bytes, less).map(|_| ());
            assert_eq!(refused, Err(DecodeError::TooDeep { limit: less }), "{value:?} at limit {less}");
        }
    }

    #[test]
    fn ordinary_values_round_trip_like_postcard() {
        assert_round_trip(&0_u8);
        assert_round_trip(&-12345_i64);
        assert_round_trip(&'x');
        assert_round_trip(&"text".to_owned());
        assert_round_trip(&());
        assert_round_trip(&UnitStruct);
        assert_round_trip(&Newtype(7));
        assert_round_trip(&TupleStruct(1, 2, '3'));
        assert_round_trip(&None::<u8>);
        assert_round_trip(&Some(Some(5_u16)));
        assert_round_trip(&Vec::<u8>::new());
        assert_round_trip(&vec![vec![1_u32], vec![], vec![2, 3]]);
        assert_round_trip(&((1_u8, (2_u16, (3_u32, (4_u64, ())))), [true, false]));
        assert_round_trip(&Kind::Unit);
        assert_round_trip(&Kind::Newtype(-1));
        assert_round_trip(&Kind::Tuple(2, "two".to_owned()));
        assert_round_trip(&Kind::Struct { a: 1, b: Some(false) });
        assert_round_trip(&list(10));
        assert_round_trip(&Tree(vec![Tree(vec![]), Tree(vec![Tree(vec![])])]));
        assert_round_trip(&Chain(Some(Box::new(Chain(None)))));
        assert_round_trip(&BTreeMap::from([(1_u8, "a".to_owned()), (2, "b".to_owned())]));
    }

    #[test]
    fn borrowed_record_round_trips_like_postcard() {
        let value = record(Some(Box::new(record(None))));
        let mut bytes = postcard::to_allocvec(&value).unwrap();
        bytes.extend_from_slice(&[1, 2, 3]);
        let (back, rest) = take_from_bytes_limited::<Record<'_>>(&bytes, DEFAULT_MAX_DEPTH).unwrap();
        assert_eq!(back, value);
        assert_eq!(rest, [1, 2, 3]);
        // The `&str` and `&[u8]` borrow from the input.
        let range = bytes.as_ptr_range();
        assert!(range.contains(&back.borrowed.as_ptr()));
        assert!(range.contains(&back.bytes.as_ptr()));
        assert_same_as_postcard::<Record<'_>>(&bytes);
    }

    #[test]
    fn a_million_nested_cons_is_too_deep_not_a_stack_overflow() {
        let bytes = list_bytes(1_000_000);
        assert_eq!(
            take_from_bytes_limited::<List>(&bytes, DEFAULT_MAX_DEPTH).map(|_| ()),
            Err(DecodeError::TooDeep { limit: 128 })
        );
    }

    #[test]
    fn other_deep_shapes_are_too_deep() {
        // `Tree`: a newtype struct around a sequence of length 1, a million times.
        let bytes = vec![1_u8; 1_000_000];
        assert_eq!(
            take_from_bytes_limited::<Tree>(&bytes, DEFAULT_MAX_DEPTH).map(|_| ()),
            Err(DecodeError::TooDeep { limit: DEFAULT_MAX_DEPTH })
        );
        // `Chain`: a newtype struct around `Some`.
        assert_eq!(
            take_from_bytes_limited::<Chain>(&bytes, DEFAULT_MAX_DEPTH).map(|_| ()),
            Err(DecodeError::TooDeep { limit: DEFAULT_MAX_DEPTH })
        );
        // `Nest`: a map of one entry, key 0, whose value is the next `Nest`.
        let bytes: Vec<u8> = [1_u8, 0].repeat(500_000);
        assert_eq!(
            take_from_bytes_limited::<Nest>(&bytes, DEFAULT_MAX_DEPTH).map(|_| ()),
            Err(DecodeError::TooDeep { limit: DEFAULT_MAX_DEPTH })
        );
        // `Vec<Vec<...>>` of a fixed type deeper than a small limit.
        let value = vec![vec![vec![vec![1_u8]]]];
        let bytes = postcard::to_allocvec(&value).unwrap();
        assert_eq!(
            take_from_bytes_limited::<Vec<Vec<Vec<Vec<u8>>>>>(&bytes, 3).map(|_| ()),
            Err(DecodeError::TooDeep { limit: 3 })
        );
    }

    #[test]
    fn exactly_max_depth_decodes_and_one_more_does_not() {
        // The default limit, on raw bytes: 127 `Cons` + `Nil` is depth 128.
        let bytes = list_bytes(127);
        let (value, rest) = take_from_bytes_limited::<List>(&bytes, DEFAULT_MAX_DEPTH).unwrap();
        assert_eq!(value, list(127));
        assert!(rest.is_empty());
        assert_eq!(
            take_from_bytes_limited::<List>(&list_bytes(128), DEFAULT_MAX_DEPTH).map(|_| ()),
            Err(DecodeError::TooDeep { limit: DEFAULT_MAX_DEPTH })
        );
        for n in [0, 1, 2, 10, 127, 128, 200] {
            assert_depth(&list(n), n + 1);
        }
        // Limit 0 takes scalars only.
        assert_eq!(take_from_bytes_limited::<u8>(&[7], 0), Ok((7, &[][..])));
        assert_eq!(take_from_bytes_limited::<List>(&[0], 0).map(|_| ()), Err(DecodeError::TooDeep { limit: 0 }));
    }

    #[test]
    fn what_one_level_is() {
        // No level of their own.
        assert_depth(&5_u32, 0);
        assert_depth(&"abc".to_owned(), 0);
        assert_depth(&(), 0);
        assert_depth(&UnitStruct, 0);
        assert_depth(&None::<u8>, 0);
        assert_depth(&Box::new(5_u8), 0);
        // One level each, empty or not.
        assert_depth(&Some(1_u8), 1);
        assert_depth(&Newtype(1), 1);
        assert_depth(&(1_u8, 2_u8), 1);
        assert_depth(&[1_u8, 2, 3], 1);
        assert_depth(&TupleStruct(1, 2, '3'), 1);
        assert_depth(&vec![1_u8], 1);
        assert_depth(&Vec::<u8>::new(), 1);
        assert_depth(&BTreeMap::from([(1_u8, 2_u8)]), 1);
        assert_depth(&BTreeMap::<u8, u8>::new(), 1);
        // An enum value is one level whatever its variant; a variant's fields lie below it.
        assert_depth(&Kind::Unit, 1);
        assert_depth(&Kind::Newtype(3), 1);
        assert_depth(&Kind::Tuple(1, "x".to_owned()), 1);
        assert_depth(&Kind::Struct { a: 1, b: None }, 1);
        assert_depth(&Kind::Struct { a: 1, b: Some(true) }, 2);
        assert_depth(&Some(Kind::Newtype(3)), 2);
        // Nesting adds up along the deepest path.
        assert_depth(&Some(Some(1_u8)), 2);
        assert_depth(&Some(Newtype(1)), 2);
        assert_depth(&vec![vec![1_u8], vec![]], 2);
        assert_depth(&(1_u8, (2_u8, (3_u8, Some(4_u8)))), 4);
        assert_depth(&Tree(vec![Tree(vec![]), Tree(vec![Tree(vec![])])]), 6);
        assert_depth(&Chain(Some(Box::new(Chain(None)))), 3);
        assert_depth(&Nest(BTreeMap::from([(0, Nest(BTreeMap::new())), (1, Nest(BTreeMap::new()))])), 4);
    }

    #[test]
    fn siblings_do_not_add_up() {
        // A sequence (1) of 300 lists of depth 127: 128 in all, however many siblings.
        let value: Vec<List> = (0..300).map(|_| list(126)).collect();
        assert_depth(&value, 128);
    }

    #[test]
    fn garbage_is_a_postcard_error_never_a_panic() {
        let cases: [&[u8]; 6] = [
            &[],              // nothing at all
            &[9],             // no such `Kind` variant
            &[2, 0xFF, 0xFE], // not UTF-8
            &[0x80; 12],      // a varint that never ends
            &[5, b'a'],       // a string longer than the input
            &[3, 0x80],       // a `Kind::Struct` cut short
        ];
        for bytes in cases {
            assert!(matches!(take_from_bytes_limited::<Kind>(bytes, DEFAULT_MAX_DEPTH), Err(DecodeError::Postcard(_))));
            assert!(matches!(
                take_from_bytes_limited::<String>(bytes, DEFAULT_MAX_DEPTH),
                Err(DecodeError::Postcard(_))
            ));
            assert_same_as_postcard::<Kind>(bytes);
            assert_same_as_postcard::<String>(bytes);
            assert_same_as_postcard::<List>(bytes);
        }
        // Pseudo-random bytes (xorshift), and the prefixes of a valid encoding: the
        // limited decoder agrees with postcard on every one of them.
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        for round in 0..3000 {
            let len = round % 80;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    // Mostly small bytes, so that tags and lengths are often valid.
                    if state & 3 == 0 {
                        (state >> 32) as u8
                    } else {
                        (state >> 32) as u8 % 4
                    }
                })
                .collect();
            assert_same_as_postcard::<Record<'_>>(&bytes);
            assert_same_as_postcard::<Vec<Kind>>(&bytes);
            assert_same_as_postcard::<List>(&bytes);
            assert_same_as_postcard::<Tree>(&bytes);
            assert_same_as_postcard::<Nest>(&bytes);
        }
        let valid = postcard::to_allocvec(&record(Some(Box::new(record(None))))).unwrap();
        for end in 0..valid.len() {
            assert_same_as_postcard::<Record<'_>>(&valid[..end]);
        }
    }

    #[test]
    fn deserialize_any_and_ignored_any_are_forwarded() {
        /// Asks for `deserialize_any`, which postcard does not implement.
        #[derive(Debug, PartialEq)]
        struct Any;
        impl<'de> Deserialize<'de> for Any {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any(IgnoredAny).map(|_| Any)
            }
        }
        assert_eq!(
            take_from_bytes_limited::<Any>(&[0], DEFAULT_MAX_DEPTH).map(|_| ()),
            Err(DecodeError::Postcard(postcard::Error::WontImplement))
        );
        assert_eq!(
            take_from_bytes_limited::<IgnoredAny>(&[0], DEFAULT_MAX_DEPTH).map(|_| ()),
            Err(DecodeError::Postcard(postcard::Error::WontImplement))
        );
        assert_same_as_postcard::<Any>(&[0]);
    }

    #[test]
    fn is_human_readable_is_forwarded() {
        /// Records what the deserializer it was handed says, consuming nothing.
        #[derive(Debug, PartialEq)]
        struct Human(bool);
        impl<'de> Deserialize<'de> for Human {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Ok(Human(deserializer.is_human_readable()))
            }
        }
        assert_eq!(take_from_bytes_limited::<Human>(&[], DEFAULT_MAX_DEPTH), Ok((Human(false), &[][..])));
        // Also on the deserializers handed out for nested values.
        let nested = take_from_bytes_limited::<(Option<Human>, Vec<Human>)>(&[1, 2], DEFAULT_MAX_DEPTH);
        assert_eq!(nested, Ok(((Some(Human(false)), vec![Human(false), Human(false)]), &[][..])));
        assert_same_as_postcard::<(Option<Human>, Vec<Human>)>(&[1, 2]);
    }

    #[test]
    fn errors_display_and_convert() {
        use alloc::string::ToString;
        assert_eq!(DecodeError::TooDeep { limit: 3 }.to_string(), "value nested deeper than 3 levels");
        let from: DecodeError = postcard::Error::DeserializeUnexpectedEnd.into();
        assert_eq!(from, DecodeError::Postcard(postcard::Error::DeserializeUnexpectedEnd));
        assert_eq!(from.to_string(), postcard::Error::DeserializeUnexpectedEnd.to_string());
        assert!(core::error::Error::source(&from).is_some());
        assert!(core::error::Error::source(&DecodeError::TooDeep { limit: 3 }).is_none());
    }
}
