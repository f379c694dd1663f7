//! The SQL `numeric` type: exact decimals of arbitrary precision.

use std::cmp::Ordering;
use std::fmt;

use bigdecimal::BigDecimal;
use bigdecimal::num_bigint::{BigInt, Sign};

/// An exact decimal number that keeps its scale (`10.50` stays `10.50`).
///
/// Arbitrary precision as in PostgreSQL; a column's `numeric(p, s)` type
/// bounds it further. The scale is never negative. Equality and order are by
/// value: `1.0 = 1.00`.
#[derive(Clone, Debug)]
pub struct Numeric(BigDecimal);

impl Numeric {
    /// Wraps a decimal, raising a negative scale (`1E+3`) to zero.
    pub fn new(value: BigDecimal) -> Numeric {
        if value.fractional_digit_count() < 0 {
            Numeric(value.with_scale(0))
        } else {
            Numeric(value)
        }
    }

    /// Builds `digits × 10^-scale`.
    pub fn from_parts(digits: BigInt, scale: i64) -> Numeric {
        Numeric::new(BigDecimal::new(digits, scale))
    }

    /// Zero with scale zero.
    pub fn zero() -> Numeric {
        Numeric(BigDecimal::from(0))
    }

    /// The decimal value.
    pub fn as_bigdecimal(&self) -> &BigDecimal {
        &self.0
    }

    /// Unwraps the decimal value.
    pub fn into_bigdecimal(self) -> BigDecimal {
        self.0
    }

    /// The number of digits after the decimal point.
    pub fn scale(&self) -> u32 {
        u32::try_from(self.0.fractional_digit_count()).unwrap_or(0)
    }

    /// The number of digits before the decimal point, ignoring leading zeros
    /// (`0.5` has none, `12.5` has two).
    pub fn integer_digits(&self) -> u64 {
        let (digits, scale) = self.0.as_bigint_and_exponent();
        let total = if digits.sign() == Sign::NoSign {
            0
        } else {
            digits.magnitude().to_string().len() as i64
        };
        u64::try_from(total - scale).unwrap_or(0)
    }

    /// Appends the value's encoding: the scale (4 bytes, little-endian) then
    /// the digits as a two's complement little-endian integer.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let (digits, scale) = self.0.as_bigint_and_exponent();
        let scale = u32::try_from(scale).unwrap_or(0);
        out.extend_from_slice(&scale.to_le_bytes());
        out.extend_from_slice(&digits.to_signed_bytes_le());
    }

    /// Decodes what [`Numeric::encode`] wrote.
    ///
    /// # Panics
    ///
    /// If `bytes` is shorter than four bytes, which [`Numeric::encode`] never writes.
    pub fn decode(bytes: &[u8]) -> Numeric {
        let (scale, digits) = bytes.split_at(4);
        let scale = u32::from_le_bytes(scale.try_into().expect("numeric scale is four bytes"));
        let digits = BigInt::from_signed_bytes_le(digits);
        Numeric(BigDecimal::new(digits, i64::from(scale)))
    }
}

impl From<u64> for Numeric {
    /// The integer, with scale zero.
    fn from(n: u64) -> Numeric {
        Numeric(BigDecimal::from(n))
    }
}

impl PartialEq for Numeric {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for Numeric {}

impl PartialOrd for Numeric {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Numeric {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
    }
}

impl fmt::Display for Numeric {
    /// Plain positional notation with exactly `scale` fractional digits, as
    /// PostgreSQL prints numeric (never an exponent).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (digits, scale) = self.0.as_bigint_and_exponent();
        let scale = usize::try_from(scale).unwrap_or(0);
        let mut text = digits.magnitude().to_string();
        if digits.sign() == Sign::Minus {
            f.write_str("-")?;
        }
        if scale == 0 {
            return f.write_str(&text);
        }
        if text.len() <= scale {
            let zeros = scale + 1 - text.len();
            text.insert_str(0, &"0".repeat(zeros));
        }
        let (int, frac) = text.split_at(text.len() - scale);
        write!(f, "{int}.{frac}")
    }
}

/// A numeric value inside a row or an arena, still in its encoded form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NumericRef<'a>(pub(crate) &'a [u8]);

impl<'a> NumericRef<'a> {
    /// Decodes the value.
    pub fn to_numeric(self) -> Numeric {
        Numeric::decode(self.0)
    }

    /// The encoded bytes.
    pub fn as_bytes(self) -> &'a [u8] {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn n(s: &str) -> Numeric {
        Numeric::new(BigDecimal::from_str(s).expect("valid decimal"))
    }

    #[test]
    fn prints_with_its_scale() {
        assert_eq!(n("10.50").to_string(), "10.50");
        assert_eq!(n("-0.005").to_string(), "-0.005");
        assert_eq!(n("0.0").to_string(), "0.0");
        assert_eq!(n("1e3").to_string(), "1000");
        assert_eq!(
            n("12345678901234567890123456789012345.123456789012345678901234567890").to_string(),
            "12345678901234567890123456789012345.123456789012345678901234567890"
        );
    }

    #[test]
    fn encoding_round_trips_and_keeps_scale() {
        for s in [
            "0",
            "10.50",
            "-99999999999999999999999999999999999.999999999999999999999999999999",
            "0.001",
        ] {
            let mut buf = Vec::new();
            n(s).encode(&mut buf);
            let back = Numeric::decode(&buf);
            assert_eq!(back.to_string(), n(s).to_string());
        }
    }

    #[test]
    fn equality_ignores_scale() {
        assert_eq!(n("1.0"), n("1.00"));
        assert!(n("-1") < n("0.5"));
        assert_eq!(n("123.45").integer_digits(), 3);
        assert_eq!(n("0.45").integer_digits(), 0);
    }
}
