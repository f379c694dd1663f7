//! `jsonb`.
//!
//! Input is parsed as PostgreSQL's JSON parser does (same grammar, same
//! error details) into a small tree, which is then printed in the canonical
//! text PostgreSQL's `jsonb_out` produces: object keys deduplicated (the
//! last value wins) and sorted by length then bytes, `", "` and `": "`
//! separators, numbers as `numeric` prints them (`1e2` is `100`, `1.50`
//! stays `1.50`), strings re-escaped. That text is the stored datum, so
//! equal documents have equal text.
//!
//! Parsing and printing use explicit stacks, not recursion, so no nesting
//! depth can overflow the thread's stack.

mod doc;
mod lex;

use std::fmt::Write;

pub use doc::{JsonbDoc, JsonbRef, JsonbValue, jsonb_object_text, push_jsonb_string};
use lex::{Lexer, Token};

use crate::ReprError;

/// Parses JSON text into canonical `jsonb` text.
pub(super) fn parse_jsonb(s: &str) -> Result<String, ReprError> {
    let (nodes, root) = parse(s)?;
    let mut out = String::with_capacity(s.len());
    print(&nodes, root, &mut out);
    Ok(out)
}

/// A JSON value; containers refer to their children by index so that
/// dropping a deep document is not recursive either.
enum Node {
    Null,
    True,
    False,
    /// A number in `numeric`'s canonical text.
    Number(String),
    String(String),
    Array(Vec<usize>),
    /// Keys unique and sorted as `jsonb` sorts them.
    Object(Vec<(String, usize)>),
}

/// A container being parsed.
enum Frame {
    Array(Vec<usize>),
    Object { pairs: Vec<(String, usize)>, key: String },
}

fn syntax_error(detail: String) -> ReprError {
    ReprError::InvalidJson { detail }
}

/// The error for an unexpected token, given what was expected.
fn unexpected(token: &Token<'_>, expected: &str) -> ReprError {
    match token {
        Token::End => syntax_error("The input string ended unexpectedly.".to_owned()),
        other => syntax_error(format!("{expected}, but found \"{}\".", other.text())),
    }
}

fn push(nodes: &mut Vec<Node>, node: Node) -> usize {
    nodes.push(node);
    nodes.len() - 1
}

/// Reads `"key" :` after an object's `{` or `,`; `first` picks the error.
fn object_key(lexer: &mut Lexer<'_>, token: Token<'_>, first: bool) -> Result<String, ReprError> {
    let key = match token {
        Token::String(key, _) => key,
        other if first => return Err(unexpected(&other, "Expected string or \"}\"")),
        other => return Err(unexpected(&other, "Expected string")),
    };
    match lexer.next_token()? {
        Token::Colon => Ok(key),
        other => Err(unexpected(&other, "Expected \":\"")),
    }
}

/// Parses a whole document into nodes, returning them and the root's index.
fn parse(s: &str) -> Result<(Vec<Node>, usize), ReprError> {
    let mut lexer = Lexer::new(s);
    let mut nodes = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut pending: Option<Token<'_>> = None;
    'value: loop {
        let token = match pending.take() {
            Some(t) => t,
            None => lexer.next_token()?,
        };
        let mut done = match token {
            Token::LeftBrace => match lexer.next_token()? {
                Token::RightBrace => push(&mut nodes, Node::Object(Vec::new())),
                other => {
                    let key = object_key(&mut lexer, other, true)?;
                    stack.push(Frame::Object { pairs: Vec::new(), key });
                    continue 'value;
                }
            },
            Token::LeftBracket => match lexer.next_token()? {
                Token::RightBracket => push(&mut nodes, Node::Array(Vec::new())),
                other => {
                    pending = Some(other);
                    stack.push(Frame::Array(Vec::new()));
                    continue 'value;
                }
            },
            Token::String(v, _) => push(&mut nodes, Node::String(v)),
            Token::Number(text) => {
                let n = super::numeric::parse_numeric(text)?;
                push(&mut nodes, Node::Number(n.to_string()))
            }
            Token::True => push(&mut nodes, Node::True),
            Token::False => push(&mut nodes, Node::False),
            Token::Null => push(&mut nodes, Node::Null),
            other => return Err(unexpected(&other, "Expected JSON value")),
        };
        // Attach the finished value to its container, closing containers
        // for as long as their closing token follows.
        loop {
            match stack.pop() {
                None => {
                    return match lexer.next_token()? {
                        Token::End => Ok((nodes, done)),
                        other => Err(unexpected(&other, "Expected end of input")),
                    };
                }
                Some(Frame::Array(mut items)) => {
                    items.push(done);
                    match lexer.next_token()? {
                        Token::Comma => {
                            stack.push(Frame::Array(items));
                            continue 'value;
                        }
                        Token::RightBracket => done = push(&mut nodes, Node::Array(items)),
                        other => return Err(unexpected(&other, "Expected \",\" or \"]\"")),
                    }
                }
                Some(Frame::Object { mut pairs, key }) => {
                    pairs.push((key, done));
                    match lexer.next_token()? {
                        Token::Comma => {
                            let token = lexer.next_token()?;
                            let key = object_key(&mut lexer, token, false)?;
                            stack.push(Frame::Object { pairs, key });
                            continue 'value;
                        }
                        Token::RightBrace => {
                            done = push(&mut nodes, Node::Object(canonical_pairs(pairs)));
                        }
                        other => return Err(unexpected(&other, "Expected \",\" or \"}\"")),
                    }
                }
            }
        }
    }
}

/// Sorts an object's pairs by key length then bytes and keeps the last of
/// each duplicated key.
fn canonical_pairs(mut pairs: Vec<(String, usize)>) -> Vec<(String, usize)> {
    // Stable, so duplicates stay in input order and the last one is kept.
    pairs.sort_by(|(a, _), (b, _)| a.len().cmp(&b.len()).then_with(|| a.as_bytes().cmp(b.as_bytes())));
    let mut out: Vec<(String, usize)> = Vec::with_capacity(pairs.len());
    for pair in pairs {
        match out.last_mut() {
            Some(last) if last.0 == pair.0 => *last = pair,
            _ => out.push(pair),
        }
    }
    out
}

/// Something left to print.
enum Work<'a> {
    Node(usize),
    Text(&'static str),
    Key(&'a str),
}

/// Prints the tree under `root` in canonical `jsonb` text.
fn print(nodes: &[Node], root: usize, out: &mut String) {
    let mut work = vec![Work::Node(root)];
    while let Some(item) = work.pop() {
        match item {
            Work::Text(t) => out.push_str(t),
            Work::Key(k) => escape_string(k, out),
            Work::Node(i) => match &nodes[i] {
                Node::Null => out.push_str("null"),
                Node::True => out.push_str("true"),
                Node::False => out.push_str("false"),
                Node::Number(n) => out.push_str(n),
                Node::String(s) => escape_string(s, out),
                Node::Array(items) => {
                    out.push('[');
                    work.push(Work::Text("]"));
                    for (n, item) in items.iter().enumerate().rev() {
                        work.push(Work::Node(*item));
                        if n > 0 {
                            work.push(Work::Text(", "));
                        }
                    }
                }
                Node::Object(pairs) => {
                    out.push('{');
                    work.push(Work::Text("}"));
                    for (n, (key, value)) in pairs.iter().enumerate().rev() {
                        work.push(Work::Node(*value));
                        work.push(Work::Text(": "));
                        work.push(Work::Key(key));
                        if n > 0 {
                            work.push(Work::Text(", "));
                        }
                    }
                }
            },
        }
    }
}

/// Appends `s` as a JSON string, escaped as PostgreSQL's `escape_json`.
fn escape_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests;
