//! Scanning helpers that behave like the C library functions PostgreSQL's
//! input functions are written with (`isspace`, `strtol`, `strtod`), so that
//! the ports accept exactly what PostgreSQL accepts.

/// C's `isspace` in the C locale.
pub(super) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// A number scanned by [`strtol`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct IntPrefix {
    /// The value, or `None` if it overflows an `i64` (C's `ERANGE`).
    pub(super) value: Option<i64>,
    /// Bytes consumed; 0 when there are no digits (no conversion).
    pub(super) len: usize,
}

impl IntPrefix {
    /// The value if it fits an `i32` (PostgreSQL's `strtoint`).
    pub(super) fn as_i32(self) -> Option<i32> {
        self.value.and_then(|v| i32::try_from(v).ok())
    }
}

/// C's `strtol(s, &end, 10)`: leading spaces, an optional sign, digits.
pub(super) fn strtol(s: &[u8]) -> IntPrefix {
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let mut negative = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        negative = s[i] == b'-';
        i += 1;
    }
    let start = i;
    let mut acc: Option<i64> = Some(0);
    while i < s.len() && s[i].is_ascii_digit() {
        let d = i64::from(s[i] - b'0');
        acc = acc.and_then(|a| a.checked_mul(10)).and_then(
            |a| {
                if negative { a.checked_sub(d) } else { a.checked_add(d) }
            },
        );
        i += 1;
    }
    if i == start {
        return IntPrefix { value: Some(0), len: 0 };
    }
    IntPrefix { value: acc, len: i }
}

/// What kind of number [`scan_float`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FloatSyntax {
    /// Decimal digits, maybe with a point and an exponent; `nonzero` says
    /// whether any mantissa digit is not zero (to detect underflow).
    Decimal {
        /// Whether a mantissa digit is not zero.
        nonzero: bool,
    },
    /// `inf` or `infinity`, any case, maybe signed.
    Infinity {
        /// Whether a minus sign precedes it.
        negative: bool,
    },
    /// `nan`, any case, maybe signed, maybe followed by `(chars)`.
    NaN,
}

/// The longest prefix of `s` that glibc's `strtod` converts (decimal forms,
/// infinities and NaNs; not hexadecimal floats), without skipping leading
/// spaces. Returns its length and kind, or `None` if there is none.
pub(super) fn scan_float(s: &[u8]) -> Option<(usize, FloatSyntax)> {
    let mut i = 0;
    let mut negative = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        negative = s[i] == b'-';
        i += 1;
    }
    let rest = &s[i..];
    if starts_with_ignore_case(rest, b"infinity") {
        return Some((i + 8, FloatSyntax::Infinity { negative }));
    }
    if starts_with_ignore_case(rest, b"inf") {
        return Some((i + 3, FloatSyntax::Infinity { negative }));
    }
    if starts_with_ignore_case(rest, b"nan") {
        let mut end = i + 3;
        // glibc also takes "nan(n-char-sequence)".
        if s.get(end) == Some(&b'(') {
            let mut j = end + 1;
            while j < s.len() && (s[j].is_ascii_alphanumeric() || s[j] == b'_') {
                j += 1;
            }
            if s.get(j) == Some(&b')') {
                end = j + 1;
            }
        }
        return Some((end, FloatSyntax::NaN));
    }
    let mut digits = 0;
    let mut nonzero = false;
    while i < s.len() && s[i].is_ascii_digit() {
        nonzero |= s[i] != b'0';
        digits += 1;
        i += 1;
    }
    if i < s.len() && s[i] == b'.' {
        let mut j = i + 1;
        let mut frac_digits = 0;
        while j < s.len() && s[j].is_ascii_digit() {
            nonzero |= s[j] != b'0';
            frac_digits += 1;
            j += 1;
        }
        if digits + frac_digits > 0 {
            digits += frac_digits;
            i = j;
        }
    }
    if digits == 0 {
        return None;
    }
    if i < s.len() && (s[i] == b'e' || s[i] == b'E') {
        let mut j = i + 1;
        if j < s.len() && (s[j] == b'+' || s[j] == b'-') {
            j += 1;
        }
        if j < s.len() && s[j].is_ascii_digit() {
            while j < s.len() && s[j].is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    Some((i, FloatSyntax::Decimal { nonzero }))
}

/// A number converted by [`strtod`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct FloatPrefix {
    /// The value.
    pub(super) value: f64,
    /// Bytes consumed, leading spaces included.
    pub(super) len: usize,
    /// Whether C's `strtod` would set `ERANGE` (overflow, or a nonzero
    /// number that rounds to zero).
    pub(super) range_error: bool,
}

/// C's `strtod`: leading spaces, then [`scan_float`]. `None` if nothing
/// converts.
pub(super) fn strtod(s: &[u8]) -> Option<FloatPrefix> {
    let mut start = 0;
    while start < s.len() && is_space(s[start]) {
        start += 1;
    }
    let (len, syntax) = scan_float(&s[start..])?;
    let text = std::str::from_utf8(&s[start..start + len]).ok()?;
    let (value, range_error) = match syntax {
        FloatSyntax::Decimal { nonzero } => {
            let v: f64 = text.parse().ok()?;
            (v, v.is_infinite() || (v == 0.0 && nonzero))
        }
        FloatSyntax::Infinity { negative } => (if negative { f64::NEG_INFINITY } else { f64::INFINITY }, false),
        FloatSyntax::NaN => (f64::NAN, false),
    };
    Some(FloatPrefix {
        value,
        len: start + len,
        range_error,
    })
}

/// Whether `s` starts with `prefix`, ignoring ASCII case.
pub(super) fn starts_with_ignore_case(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtol_stops_at_the_first_non_digit() {
        assert_eq!(
            strtol(b" -12ab"),
            IntPrefix {
                value: Some(-12),
                len: 4
            }
        );
        assert_eq!(strtol(b"x"), IntPrefix { value: Some(0), len: 0 });
        assert_eq!(strtol(b"-"), IntPrefix { value: Some(0), len: 0 });
        assert_eq!(strtol(b"99999999999999999999").value, None);
        assert_eq!(strtol(b"-9223372036854775808").value, Some(i64::MIN));
        assert_eq!(strtol(b"2147483648").as_i32(), None);
    }

    #[test]
    fn scan_float_finds_strtod_prefixes() {
        assert_eq!(scan_float(b"1.5e3x"), Some((5, FloatSyntax::Decimal { nonzero: true })));
        assert_eq!(scan_float(b"1e"), Some((1, FloatSyntax::Decimal { nonzero: true })));
        assert_eq!(scan_float(b".5"), Some((2, FloatSyntax::Decimal { nonzero: true })));
        assert_eq!(scan_float(b"5."), Some((2, FloatSyntax::Decimal { nonzero: true })));
        assert_eq!(scan_float(b"0.000"), Some((5, FloatSyntax::Decimal { nonzero: false })));
        assert_eq!(scan_float(b"."), None);
        assert_eq!(scan_float(b"-"), None);
        assert_eq!(
            scan_float(b"-Infinityx"),
            Some((9, FloatSyntax::Infinity { negative: true }))
        );
        assert_eq!(
            scan_float(b"infinit"),
            Some((3, FloatSyntax::Infinity { negative: false }))
        );
        assert_eq!(scan_float(b"nan(1)"), Some((6, FloatSyntax::NaN)));
    }

    #[test]
    fn strtod_reports_range_errors() {
        let p = strtod(b" 1e999").expect("converts");
        assert!(p.range_error && p.value.is_infinite() && p.len == 6);
        assert!(strtod(b"1e-400").expect("converts").range_error);
        assert!(!strtod(b"0e-400").expect("converts").range_error);
        assert_eq!(strtod(b".25").map(|p| p.value), Some(0.25));
    }
}
