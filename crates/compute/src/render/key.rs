//! Keys that group and join rows by SQL equality rather than by bytes.

use freshet_repr::{Datum, Numeric, Row, RowArena, ScalarType};

/// Whether values of this type can be equal with different encodings
/// (`1.0 = 1.00`, `-0 = 0`), so keys of it must be normalized.
pub(crate) fn needs_normalizing(typ: &ScalarType) -> bool {
    matches!(
        typ,
        ScalarType::Numeric { .. } | ScalarType::Float32 | ScalarType::Float64
    )
}

/// One canonical encoding per equal value: numerics without trailing
/// fractional zeros, `-0` as `0`, one `NaN`.
pub(crate) fn normalize<'a>(d: Datum<'a>, arena: &'a RowArena) -> Datum<'a> {
    match d {
        Datum::Numeric(n) => arena.push_numeric(&Numeric::new(n.to_numeric().into_bigdecimal().normalized())),
        Datum::Float64(0.0) => Datum::Float64(0.0),
        Datum::Float64(f) if f.is_nan() => Datum::Float64(f64::NAN),
        Datum::Float32(0.0) => Datum::Float32(0.0),
        Datum::Float32(f) if f.is_nan() => Datum::Float32(f32::NAN),
        d => d,
    }
}

/// How to build the key of a row from some of its columns.
#[derive(Clone, Debug)]
pub(crate) struct KeyBuilder {
    /// The columns, in key order.
    columns: Vec<usize>,
    /// Whether any of them needs normalizing.
    normalize: bool,
}

impl KeyBuilder {
    /// A key of `columns`, whose types are `types` (the row's column types).
    pub(crate) fn new(columns: Vec<usize>, types: &[ScalarType]) -> KeyBuilder {
        let normalize = columns.iter().any(|c| types.get(*c).is_some_and(needs_normalizing));
        KeyBuilder { columns, normalize }
    }

    /// A key of `columns`, normalized or not as told.
    pub(crate) fn with_normalize(columns: Vec<usize>, normalize: bool) -> KeyBuilder {
        KeyBuilder { columns, normalize }
    }

    /// Whether keys differ from the columns' values (so the originals must
    /// be kept beside them).
    pub(crate) fn normalizes(&self) -> bool {
        self.normalize
    }

    /// The key of a row's datums.
    pub(crate) fn key(&self, datums: &[Datum<'_>]) -> Row {
        if self.normalize {
            let arena = RowArena::new();
            Row::pack(self.columns.iter().map(|c| normalize(datums[*c], &arena)))
        } else {
            Row::pack(self.columns.iter().map(|c| datums[*c]))
        }
    }
}
