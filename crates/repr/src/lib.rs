//! Freshet's data representation: the types that cross every boundary.
//!
//! Owns [`Datum`] (one SQL value), [`Row`] (datums in a compact encoding),
//! [`ScalarType`]/[`ColumnType`]/[`RelationDesc`] (SQL types and relation
//! shapes), [`GlobalId`], [`Timestamp`] and [`Diff`] (the units of time and
//! multiplicity), [`SqlState`] (error codes), and the text forms of every
//! type ([`parse_datum`], [`format_datum`]), parsed `jsonb` documents for
//! the functions that look inside one ([`JsonbDoc`]), and the upstream tables a
//! source copies ([`UpstreamTable`]), which purification, the catalog and
//! ingestion share.
//!
//! It depends on no other Freshet crate and knows nothing of SQL text,
//! storage, dataflow or the network.

mod adt;
mod arena;
mod datum;
mod error;
mod id;
mod relation;
mod row;
mod scalar;
mod sqlstate;
mod strconv;
mod upstream;

pub use adt::{Interval, Numeric, NumericRef};
pub use arena::RowArena;
pub use datum::{ArrayRef, Datum, float_cmp};
pub use error::ReprError;
pub use id::{DatabaseId, Diff, GlobalId, SchemaId, Timestamp};
pub use relation::{ColumnName, RelationDesc};
pub use row::{DatumIter, Row, RowPacker};
pub use scalar::{BASE_TYPES, ColumnType, ElementType, NUMERIC_MAX_PRECISION, ScalarType};
pub use sqlstate::SqlState;
pub use strconv::{JsonbDoc, JsonbRef, JsonbValue, format_datum, jsonb_object_text, parse_datum, push_jsonb_string};
pub use upstream::{ColumnIngest, UpstreamColumn, UpstreamTable};
