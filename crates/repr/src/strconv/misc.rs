//! `boolean`, the character types and `uuid`.

use uuid::Uuid;

use super::scan::is_space;
use crate::ReprError;

/// Parses a `boolean` as PostgreSQL's `boolin`: surrounding whitespace,
/// any case, `t`/`true`/`y`/`yes`/`on`/`1` and `f`/`false`/`n`/`no`/`off`/`0`,
/// and any prefix of those words that is unambiguous (`tr`, `of`; not `o`).
pub(super) fn parse_bool(s: &str) -> Result<bool, ReprError> {
    let bytes = s.as_bytes();
    let start = bytes.iter().position(|b| !is_space(*b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !is_space(*b)).map_or(start, |p| p + 1);
    let word = &bytes[start..end];
    // `word` is a prefix of `full`, ignoring case.
    let prefix_of = |full: &[u8]| word.len() <= full.len() && word.eq_ignore_ascii_case(&full[..word.len()]);
    let parsed = match word.first().map(u8::to_ascii_lowercase) {
        Some(b't') if prefix_of(b"true") => Some(true),
        Some(b'f') if prefix_of(b"false") => Some(false),
        Some(b'y') if prefix_of(b"yes") => Some(true),
        Some(b'n') if prefix_of(b"no") => Some(false),
        // "o" alone is ambiguous.
        Some(b'o') if word.len() >= 2 && prefix_of(b"on") => Some(true),
        Some(b'o') if word.len() >= 2 && prefix_of(b"off") => Some(false),
        Some(b'1') if word.len() == 1 => Some(true),
        Some(b'0') if word.len() == 1 => Some(false),
        _ => None,
    };
    parsed.ok_or_else(|| ReprError::InvalidTextRepresentation {
        type_name: "boolean",
        input: s.to_owned(),
    })
}

/// Checks text input: PostgreSQL strings cannot hold NUL characters.
pub(super) fn check_text(s: &str) -> Result<(), ReprError> {
    if s.contains('\0') {
        return Err(ReprError::NulCharacter);
    }
    Ok(())
}

/// Parses a `uuid` as PostgreSQL's `uuid_in`: 32 hex digits in any case,
/// optionally in braces, with an optional hyphen after any group of four
/// digits.
pub(super) fn parse_uuid(s: &str) -> Result<Uuid, ReprError> {
    let invalid = || ReprError::InvalidTextRepresentation {
        type_name: "uuid",
        input: s.to_owned(),
    };
    let mut src = s.as_bytes();
    let braces = src.first() == Some(&b'{');
    if braces {
        src = &src[1..];
    }
    let mut bytes = [0u8; 16];
    for (i, byte) in bytes.iter_mut().enumerate() {
        let (hi, lo) = match src {
            [hi, lo, ..] => (hex_value(*hi).ok_or_else(invalid)?, hex_value(*lo).ok_or_else(invalid)?),
            _ => return Err(invalid()),
        };
        *byte = hi << 4 | lo;
        src = &src[2..];
        if src.first() == Some(&b'-') && i % 2 == 1 && i < 15 {
            src = &src[1..];
        }
    }
    if braces {
        match src.first() {
            Some(b'}') => src = &src[1..],
            _ => return Err(invalid()),
        }
    }
    if !src.is_empty() {
        return Err(invalid());
    }
    Ok(Uuid::from_bytes(bytes))
}

/// Appends a `uuid`, lowercase and hyphenated.
pub(super) fn format_uuid(u: Uuid, buf: &mut String) {
    let mut tmp = Uuid::encode_buffer();
    buf.push_str(u.hyphenated().encode_lower(&mut tmp));
}

/// The value of an ASCII hex digit.
pub(super) fn hex_value(b: u8) -> Option<u8> {
    char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqlState;

    #[test]
    fn bool_accepts_postgres_spellings() {
        for t in ["t", "true", "TRUE", "tr", " yes ", "y", "on", "ON", "1", "\ttRuE\n"] {
            assert_eq!(parse_bool(t), Ok(true), "{t:?}");
        }
        for f in ["f", "false", "fal", "no", "n", "off", "of", "OFF", "0", " 0 "] {
            assert_eq!(parse_bool(f), Ok(false), "{f:?}");
        }
    }

    #[test]
    fn bool_rejects_everything_else() {
        for bad in ["", " ", "o", "truex", "yess", "2", "00", "onn", "of f", "t rue", "nope"] {
            let err = parse_bool(bad).expect_err(bad);
            assert_eq!(
                err.to_string(),
                format!("invalid input syntax for type boolean: \"{bad}\"")
            );
            assert_eq!(err.code(), SqlState::InvalidTextRepresentation);
        }
    }

    #[test]
    fn text_rejects_nul() {
        assert_eq!(check_text("héllo"), Ok(()));
        let err = check_text("a\0").expect_err("nul");
        assert_eq!(err.code(), SqlState::CharacterNotInRepertoire);
        assert_eq!(err.to_string(), "invalid byte sequence for encoding \"UTF8\": 0x00");
    }

    #[test]
    fn uuid_accepts_postgres_forms() {
        let want = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
        for input in [
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
            "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
            "a0eebc999c0b4ef8bb6d6bb9bd380a11",
            "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11",
            "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}",
        ] {
            let mut out = String::new();
            format_uuid(parse_uuid(input).expect(input), &mut out);
            assert_eq!(out, want);
        }
    }

    #[test]
    fn uuid_rejects_malformed_input() {
        for bad in [
            "",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1g",
            "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
            "a0eeb-c999c0b4ef8bb6d6bb9bd380a11",
            " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-",
        ] {
            let err = parse_uuid(bad).expect_err(bad);
            assert_eq!(
                err.to_string(),
                format!("invalid input syntax for type uuid: \"{bad}\"")
            );
        }
    }
}
