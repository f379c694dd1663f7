//! Temporary storage for datums computed during evaluation.

use bumpalo::Bump;

use crate::Datum;
use crate::adt::{Numeric, NumericRef};

/// Owns the bytes behind datums that an expression computes (a concatenated
/// string, a sum of numerics) for as long as the evaluation needs them.
#[derive(Debug, Default)]
pub struct RowArena {
    bump: Bump,
}

impl RowArena {
    /// An empty arena.
    pub fn new() -> RowArena {
        RowArena::default()
    }

    /// Moves a string into the arena.
    pub fn push_string(&self, s: &str) -> &str {
        self.bump.alloc_str(s)
    }

    /// Copies bytes into the arena.
    pub fn push_bytes(&self, b: &[u8]) -> &[u8] {
        self.bump.alloc_slice_copy(b)
    }

    /// Packs `elements` into the arena as an array datum.
    pub fn push_array<'e, I>(&self, elements: I) -> Datum<'_>
    where
        I: IntoIterator<Item = Datum<'e>>,
    {
        let row = crate::Row::pack(elements);
        Datum::Array(crate::ArrayRef::from_row_bytes(
            self.bump.alloc_slice_copy(row.as_bytes()),
        ))
    }

    /// Encodes a numeric into the arena and returns it as a datum.
    pub fn push_numeric(&self, n: &Numeric) -> Datum<'_> {
        let mut buf = Vec::new();
        n.encode(&mut buf);
        Datum::Numeric(NumericRef(self.bump.alloc_slice_copy(&buf)))
    }
}
