//! The JSON lexer, following PostgreSQL's `json_lex`.

use crate::ReprError;

/// One JSON token.
#[derive(Debug)]
pub(super) enum Token<'a> {
    LeftBrace,
    RightBrace,
    LeftBracket,
    RightBracket,
    Comma,
    Colon,
    /// A string's decoded value and its text as written.
    String(String, &'a str),
    /// A number's text, already checked against JSON's grammar.
    Number(&'a str),
    True,
    False,
    Null,
    End,
}

impl Token<'_> {
    /// The token as PostgreSQL quotes it in error details.
    pub(super) fn text(&self) -> &str {
        match self {
            Token::LeftBrace => "{",
            Token::RightBrace => "}",
            Token::LeftBracket => "[",
            Token::RightBracket => "]",
            Token::Comma => ",",
            Token::Colon => ":",
            Token::String(_, raw) => raw,
            Token::Number(text) => text,
            Token::True => "true",
            Token::False => "false",
            Token::Null => "null",
            Token::End => "",
        }
    }
}

/// Whether `b` may be part of a JSON "word" (PostgreSQL's
/// `JSON_ALPHANUMERIC_CHAR`): ASCII letters, digits, `_`, any non-ASCII byte.
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || !b.is_ascii()
}

fn invalid(detail: String) -> ReprError {
    ReprError::InvalidJson { detail }
}

/// Splits JSON text into tokens.
pub(super) struct Lexer<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `s`.
    pub(super) fn new(s: &'a str) -> Lexer<'a> {
        Lexer { s, pos: 0 }
    }

    fn bytes(&self) -> &'a [u8] {
        self.s.as_bytes()
    }

    /// The next token, or the error that lexing it hit.
    pub(super) fn next_token(&mut self) -> Result<Token<'a>, ReprError> {
        let b = self.bytes();
        while self.pos < b.len() && matches!(b[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
        let Some(&c) = b.get(self.pos) else {
            return Ok(Token::End);
        };
        let single = match c {
            b'{' => Some(Token::LeftBrace),
            b'}' => Some(Token::RightBrace),
            b'[' => Some(Token::LeftBracket),
            b']' => Some(Token::RightBracket),
            b',' => Some(Token::Comma),
            b':' => Some(Token::Colon),
            _ => None,
        };
        if let Some(token) = single {
            self.pos += 1;
            return Ok(token);
        }
        match c {
            b'"' => self.string(),
            b'-' | b'0'..=b'9' => self.number(),
            _ => self.word(),
        }
    }

    /// The error for an invalid token running from `start` to the end of the
    /// word characters after `end`.
    fn invalid_token(&self, start: usize, mut end: usize) -> ReprError {
        let b = self.bytes();
        while end < b.len() && is_word_byte(b[end]) {
            end += 1;
        }
        if end == start {
            end = start + self.s[start..].chars().next().map_or(1, char::len_utf8);
        }
        invalid(format!("Token \"{}\" is invalid.", &self.s[start..end]))
    }

    /// `true`, `false`, `null`, or an invalid token.
    fn word(&mut self) -> Result<Token<'a>, ReprError> {
        let b = self.bytes();
        let start = self.pos;
        let mut end = start;
        while end < b.len() && is_word_byte(b[end]) {
            end += 1;
        }
        let token = match &self.s[start..end] {
            "true" => Token::True,
            "false" => Token::False,
            "null" => Token::Null,
            _ => return Err(self.invalid_token(start, end)),
        };
        self.pos = end;
        Ok(token)
    }

    /// A number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` not
    /// followed by word characters.
    fn number(&mut self) -> Result<Token<'a>, ReprError> {
        let b = self.bytes();
        let start = self.pos;
        let mut i = start;
        let digits = |mut i: usize| {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            i
        };
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => i = digits(i),
            _ => return Err(self.invalid_token(start, i)),
        }
        if b.get(i) == Some(&b'.') {
            let end = digits(i + 1);
            if end == i + 1 {
                return Err(self.invalid_token(start, end));
            }
            i = end;
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let end = digits(i);
            if end == i {
                return Err(self.invalid_token(start, end));
            }
            i = end;
        }
        if b.get(i).is_some_and(|c| is_word_byte(*c)) {
            return Err(self.invalid_token(start, i));
        }
        self.pos = i;
        Ok(Token::Number(&self.s[start..i]))
    }

    /// A string, decoding its escapes.
    fn string(&mut self) -> Result<Token<'a>, ReprError> {
        let start = self.pos;
        let mut i = start + 1;
        let mut value = String::new();
        let mut high_surrogate: Option<u32> = None;
        let low_surrogate_error = || invalid("Unicode low surrogate must follow a high surrogate.".to_owned());
        loop {
            let rest = &self.s[i..];
            let Some(c) = rest.chars().next() else {
                return Err(invalid(format!("Token \"{}\" is invalid.", &self.s[start..])));
            };
            match c {
                '"' => {
                    if high_surrogate.is_some() {
                        return Err(low_surrogate_error());
                    }
                    i += 1;
                    break;
                }
                c if u32::from(c) < 0x20 => {
                    return Err(invalid(format!(
                        "Character with value 0x{:02x} must be escaped.",
                        u32::from(c)
                    )));
                }
                '\\' => {
                    let Some(e) = rest[1..].chars().next() else {
                        return Err(invalid(format!("Token \"{}\" is invalid.", &self.s[start..])));
                    };
                    if e == 'u' {
                        let code = rest
                            .get(2..6)
                            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
                            .and_then(|h| u32::from_str_radix(h, 16).ok())
                            .ok_or_else(|| {
                                invalid("\"\\u\" must be followed by four hexadecimal digits.".to_owned())
                            })?;
                        i += 6;
                        if (0xd800..=0xdbff).contains(&code) {
                            if high_surrogate.is_some() {
                                return Err(invalid(
                                    "Unicode high surrogate must not follow a high surrogate.".to_owned(),
                                ));
                            }
                            high_surrogate = Some(code);
                            continue;
                        }
                        let code = if (0xdc00..=0xdfff).contains(&code) {
                            let high = high_surrogate.take().ok_or_else(low_surrogate_error)?;
                            0x10000 + ((high - 0xd800) << 10) + (code - 0xdc00)
                        } else if high_surrogate.is_some() {
                            return Err(low_surrogate_error());
                        } else {
                            code
                        };
                        if code == 0 {
                            return Err(ReprError::UnsupportedJsonEscape {
                                detail: "\\u0000 cannot be converted to text.".to_owned(),
                            });
                        }
                        value.push(char::from_u32(code).ok_or_else(low_surrogate_error)?);
                        continue;
                    }
                    if high_surrogate.is_some() {
                        return Err(low_surrogate_error());
                    }
                    let decoded = match e {
                        '"' | '\\' | '/' => e,
                        'b' => '\u{8}',
                        'f' => '\u{c}',
                        'n' => '\n',
                        'r' => '\r',
                        't' => '\t',
                        other => {
                            return Err(invalid(format!("Escape sequence \"\\{other}\" is invalid.")));
                        }
                    };
                    value.push(decoded);
                    i += 1 + e.len_utf8();
                }
                c => {
                    if high_surrogate.is_some() {
                        return Err(low_surrogate_error());
                    }
                    value.push(c);
                    i += c.len_utf8();
                }
            }
        }
        self.pos = i;
        Ok(Token::String(value, &self.s[start..i]))
    }
}
