//! The shortest decimal digits PostgreSQL prints for a float.
//!
//! PostgreSQL's Ryu port is built without `STRICTLY_SHORTEST`, so it never
//! picks a decimal that lies exactly on the boundary of the float's rounding
//! interval, even though such a decimal reads back as the same float. Rust's
//! shortest formatting does pick those, so this module checks Rust's answer
//! and, in that rare case, searches for the shortest decimal strictly inside
//! the interval, as Ryu's non-strict mode ends up doing. Ryu also breaks an
//! exact tie between two equally near shortest decimals towards the even one,
//! where Rust may not; that case is corrected too.

use std::cmp::Ordering;
use std::fmt::LowerExp;

use bigdecimal::num_bigint::BigInt;

/// A float's magnitude split for exact comparisons.
#[derive(Debug, Clone, Copy)]
pub(super) struct Binary {
    /// The value is `m × 2^e`.
    m: u64,
    e: i32,
    /// Whether the gap to the next smaller float is half the usual one (a
    /// power of two above the smallest normal).
    asymmetric: bool,
    /// Significant decimal digits that always identify the float.
    max_digits: usize,
}

impl Binary {
    /// Splits a finite nonzero `f64` magnitude.
    pub(super) fn of_f64(v: f64) -> Binary {
        let bits = v.abs().to_bits();
        let exp = i32::try_from(bits >> 52).unwrap_or(0);
        let frac = bits & ((1 << 52) - 1);
        let (m, e) = if exp == 0 {
            (frac, -1074)
        } else {
            (frac | 1 << 52, exp - 1075)
        };
        Binary {
            m,
            e,
            asymmetric: frac == 0 && exp > 1,
            max_digits: 17,
        }
    }

    /// Splits a finite nonzero `f32` magnitude.
    pub(super) fn of_f32(v: f32) -> Binary {
        let bits = v.abs().to_bits();
        let exp = i32::try_from(bits >> 23).unwrap_or(0);
        let frac = u64::from(bits & ((1 << 23) - 1));
        let (m, e) = if exp == 0 {
            (frac, -149)
        } else {
            (frac | 1 << 23, exp - 150)
        };
        Binary {
            m,
            e,
            asymmetric: frac == 0 && exp > 1,
            max_digits: 9,
        }
    }

    /// The rounding interval's bounds and the value itself, as numerators
    /// over `2^(e-2)`.
    fn quarter_units(&self) -> (BigInt, BigInt, BigInt) {
        let m: BigInt = BigInt::from(self.m) * 4u32;
        let low: BigInt = if self.asymmetric { &m - 1u32 } else { &m - 2u32 };
        let high: BigInt = &m + 2u32;
        (low, m, high)
    }
}

/// Compares `d × 10^k` with `n × 2^j` exactly, scaling both by
/// `10^max(-k, 0) × 2^max(-j, 0)` to make them integers.
fn compare(d: &BigInt, k: i32, n: &BigInt, j: i32) -> Ordering {
    let up = |x: i32| u32::try_from(x.max(0)).unwrap_or(0);
    let lhs = (d * BigInt::from(10).pow(up(k))) << up(-j);
    let rhs = (n * BigInt::from(10).pow(up(-k))) << up(j);
    lhs.cmp(&rhs)
}

/// Whether `d × 10^k` lies strictly inside `b`'s rounding interval.
fn strictly_inside(d: u64, k: i32, b: &Binary) -> bool {
    let (low, _, high) = b.quarter_units();
    let d = BigInt::from(d);
    compare(&d, k, &low, b.e - 2) == Ordering::Greater && compare(&d, k, &high, b.e - 2) == Ordering::Less
}

/// Whether `d × 10^k` could be exactly on a boundary of `b`'s interval: the
/// boundaries are dyadic, so a decimal with more fractional digits than
/// factors of five in `d` cannot be one, nor an integer below `2^53`.
fn may_be_on_boundary(d: u64, k: i32, b: &Binary) -> bool {
    if k >= 0 {
        return b.e >= 1;
    }
    let Ok(k) = u32::try_from(-k) else {
        return false;
    };
    match 5u64.checked_pow(k) {
        Some(p) => d.is_multiple_of(p),
        None => false,
    }
}

/// The digits and decimal exponent of `v`'s shortest representation as
/// Rust's `{:e}` (or `{:.N e}`) prints them: `d × 10^k`.
fn split_sci(sci: &str) -> Option<(u64, i32)> {
    let (mantissa, exponent) = sci.split_once('e')?;
    let exponent: i32 = exponent.parse().ok()?;
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let frac_len = mantissa.split_once('.').map_or(0, |(_, f)| f.len());
    let d: u64 = digits.parse().ok()?;
    Some((d, exponent - i32::try_from(frac_len).ok()?))
}

/// Removes trailing decimal zeros from `d × 10^k`.
fn normalize(mut d: u64, mut k: i32) -> (u64, i32) {
    while d != 0 && d.is_multiple_of(10) {
        d /= 10;
        k += 1;
    }
    (d, k)
}

/// The digits PostgreSQL prints for a finite nonzero float magnitude `v`
/// (given with its [`Binary`] split), as `d × 10^k` without trailing zeros.
pub(super) fn shortest<F: LowerExp + Copy>(v: F, b: &Binary) -> (u64, i32) {
    let Some((d, k)) = split_sci(&format!("{v:e}")) else {
        return (0, 0);
    };
    let (d, k) = normalize(d, k);
    if !may_be_on_boundary(d, k, b) || strictly_inside(d, k, b) {
        // Between two equally near candidates Ryu takes the even one; Rust
        // may take the other.
        if let Some(partner) = tie_partner(d, k, b)
            && d % 2 == 1
            && strictly_inside(partner, k, b)
        {
            return normalize(partner, k);
        }
        return (d, k);
    }
    // Rust chose a boundary. No other decimal of that length is inside
    // (Rust would have chosen it, being closer), so look at longer ones: the
    // correctly rounded value and its neighbours, nearest first.
    let len = d.to_string().len();
    for digits in len + 1..=b.max_digits {
        let Some((c, ck)) = split_sci(&format!("{:.*e}", digits - 1, v)) else {
            continue;
        };
        let mut best: Option<u64> = None;
        for cand in [c, c.wrapping_sub(1), c + 1] {
            if cand == 0 || cand == u64::MAX || !strictly_inside(cand, ck, b) {
                continue;
            }
            // Prefer the candidate closest to the value; on a tie, the even one.
            best = match best {
                Some(prev) => match distance_cmp(cand, prev, ck, b) {
                    Ordering::Less => Some(cand),
                    Ordering::Equal if cand % 2 == 0 => Some(cand),
                    _ => Some(prev),
                },
                None => Some(cand),
            };
        }
        if let Some(cand) = best {
            return normalize(cand, ck);
        }
    }
    (d, k)
}

/// If the value lies exactly halfway between `d × 10^k` and a neighbour on
/// the same decimal grid, that neighbour. The value's last nonzero decimal
/// digit is then a 5 just below the grid's last place, which is cheap to test:
/// an odd mantissa times `2^e` with `e < 0` ends in a 5 at `10^e`, and one
/// with `e > 0` ends in an even digit.
fn tie_partner(d: u64, k: i32, b: &Binary) -> Option<u64> {
    if b.m == 0 {
        return None;
    }
    let zeros = b.m.trailing_zeros();
    let m = b.m >> zeros;
    let e = b.e + i32::try_from(zeros).ok()?;
    let tie = match e.cmp(&0) {
        Ordering::Less => e == k - 1,
        Ordering::Equal => k == 1 && m % 10 == 5,
        Ordering::Greater => false,
    };
    if !tie {
        return None;
    }
    let (_, value, _) = b.quarter_units();
    match compare(&BigInt::from(d), k, &value, b.e - 2) {
        Ordering::Greater => d.checked_sub(1),
        Ordering::Less => d.checked_add(1),
        Ordering::Equal => None,
    }
}

/// Compares the distances of `a × 10^k` and `b × 10^k` from the value.
fn distance_cmp(a: u64, c: u64, k: i32, b: &Binary) -> Ordering {
    // For a > c, a is farther from v than c exactly when (a + c)·10^k > 2v.
    let (_, value, _) = b.quarter_units();
    let sum = BigInt::from(a) + BigInt::from(c);
    let two_v = value * 2;
    let side = compare(&sum, k, &two_v, b.e - 2);
    match (a > c, side) {
        (_, Ordering::Equal) => Ordering::Equal,
        (true, Ordering::Greater) | (false, Ordering::Less) => Ordering::Greater,
        _ => Ordering::Less,
    }
}
