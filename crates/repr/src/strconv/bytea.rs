//! `bytea`.
//!
//! Output is PostgreSQL's default hex format (`\x0a0b`). Input is either hex
//! format (`\x` then pairs of hex digits, whitespace allowed between pairs)
//! or the traditional escape format (`\\` for a backslash, `\ooo` for an
//! octal byte, every other character as itself).

use super::misc::hex_value;
use crate::ReprError;

/// Parses a `bytea`.
pub(super) fn parse_bytea(s: &str) -> Result<Vec<u8>, ReprError> {
    match s.strip_prefix("\\x") {
        Some(hex) => parse_hex(hex),
        None => parse_escape(s.as_bytes()),
    }
}

/// Appends a `bytea` in hex format.
pub(super) fn format_bytea(b: &[u8], buf: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    buf.reserve(2 + 2 * b.len());
    buf.push_str("\\x");
    for byte in b {
        buf.push(char::from(DIGITS[usize::from(byte >> 4)]));
        buf.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
}

/// Decodes hex format after the `\x`, as PostgreSQL's `hex_decode`.
fn parse_hex(hex: &str) -> Result<Vec<u8>, ReprError> {
    let mut out = Vec::with_capacity(hex.len() / 2);
    let mut chars = hex.char_indices();
    let digit = |c: char| {
        u8::try_from(c)
            .ok()
            .and_then(hex_value)
            .ok_or_else(|| ReprError::InvalidHexDigit { digit: c.to_string() })
    };
    while let Some((_, c)) = chars.next() {
        if matches!(c, ' ' | '\n' | '\t' | '\r') {
            continue;
        }
        let hi = digit(c)?;
        let lo = match chars.next() {
            Some((_, c)) => digit(c)?,
            None => return Err(ReprError::OddHexDigits),
        };
        out.push(hi << 4 | lo);
    }
    Ok(out)
}

/// Decodes escape format, as PostgreSQL's `byteain`.
fn parse_escape(s: &[u8]) -> Result<Vec<u8>, ReprError> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] != b'\\' {
            out.push(s[i]);
            i += 1;
        } else if let [b'\\', a @ b'0'..=b'3', b @ b'0'..=b'7', c @ b'0'..=b'7', ..] = &s[i..] {
            out.push(((a - b'0') << 6) | ((b - b'0') << 3) | (c - b'0'));
            i += 4;
        } else if s.get(i + 1) == Some(&b'\\') {
            out.push(b'\\');
            i += 2;
        } else {
            return Err(ReprError::InvalidByteaSyntax);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqlState;

    fn hex(b: &[u8]) -> String {
        let mut buf = String::new();
        format_bytea(b, &mut buf);
        buf
    }

    #[test]
    fn formats_as_hex() {
        assert_eq!(hex(&[]), "\\x");
        assert_eq!(hex(&[0x0a, 0x0b, 0xff, 0]), "\\x0a0bff00");
    }

    #[test]
    fn parses_hex_format() {
        assert_eq!(parse_bytea("\\x0a0B"), Ok(vec![0x0a, 0x0b]));
        assert_eq!(parse_bytea("\\x"), Ok(vec![]));
        assert_eq!(parse_bytea("\\x 0a\n0b\t\r"), Ok(vec![0x0a, 0x0b]));
        let err = parse_bytea("\\x0g").expect_err("bad digit");
        assert_eq!(err.to_string(), "invalid hexadecimal digit: \"g\"");
        assert_eq!(err.code(), SqlState::InvalidParameterValue);
        let err = parse_bytea("\\x0é").expect_err("bad digit");
        assert_eq!(err.to_string(), "invalid hexadecimal digit: \"é\"");
        let err = parse_bytea("\\x0a0").expect_err("odd");
        assert_eq!(err.to_string(), "invalid hexadecimal data: odd number of digits");
        // Whitespace may not split a pair.
        assert!(parse_bytea("\\x0 a").is_err());
    }

    #[test]
    fn parses_escape_format() {
        assert_eq!(parse_bytea("abc"), Ok(b"abc".to_vec()));
        assert_eq!(parse_bytea(""), Ok(vec![]));
        assert_eq!(parse_bytea("a\\\\b"), Ok(b"a\\b".to_vec()));
        assert_eq!(parse_bytea("\\000\\377\\101"), Ok(vec![0, 255, b'A']));
        assert_eq!(parse_bytea("é"), Ok("é".as_bytes().to_vec()));
        assert_eq!(parse_bytea("\\X41"), Err(ReprError::InvalidByteaSyntax));
        for bad in ["\\", "a\\", "\\400", "\\08", "\\12", "\\\\\\"] {
            let err = parse_bytea(bad).expect_err(bad);
            assert_eq!(err.to_string(), "invalid input syntax for type bytea");
            assert_eq!(err.code(), SqlState::InvalidTextRepresentation);
        }
    }

    #[test]
    fn round_trips() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(parse_bytea(&hex(&all)), Ok(all));
    }
}
