//! Abstract data types whose values are more than a Rust primitive.

pub(crate) mod interval;
mod numeric;

pub use interval::Interval;
pub use numeric::{Numeric, NumericRef};
