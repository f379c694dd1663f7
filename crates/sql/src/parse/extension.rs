//! Freshet's own statements, parsed on sqlparser's token stream.

use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

use super::{ShowObjects, Statement};

/// Statements of the Materialize surface that later versions implement,
/// by their leading keywords (longest prefixes first).
const NOT_YET_SUPPORTED: &[&[&str]] = &[
    &["CREATE", "OR", "REPLACE", "MATERIALIZED", "VIEW"],
    &["CREATE", "OR", "REPLACE", "VIEW"],
    &["CREATE", "MATERIALIZED", "VIEW"],
    &["CREATE", "VIEW"],
    &["CREATE", "DEFAULT", "INDEX"],
    &["CREATE", "INDEX"],
    &["CREATE", "SECRET"],
    &["CREATE", "CONNECTION"],
    &["CREATE", "SOURCE"],
    &["CREATE", "SINK"],
    &["CREATE", "CLUSTER", "REPLICA"],
    &["CREATE", "CLUSTER"],
    &["ALTER", "MATERIALIZED", "VIEW"],
    &["ALTER", "VIEW"],
    &["ALTER", "INDEX"],
    &["ALTER", "SECRET"],
    &["ALTER", "CONNECTION"],
    &["ALTER", "SOURCE"],
    &["ALTER", "SINK"],
    &["ALTER", "CLUSTER"],
    &["ALTER", "SYSTEM"],
    &["DROP", "MATERIALIZED", "VIEW"],
    &["DROP", "VIEW"],
    &["DROP", "INDEX"],
    &["DROP", "SECRET"],
    &["DROP", "CONNECTION"],
    &["DROP", "SOURCE"],
    &["DROP", "SINK"],
    &["DROP", "CLUSTER", "REPLICA"],
    &["DROP", "CLUSTER"],
    &["VALIDATE", "CONNECTION"],
    &["SUBSCRIBE"],
    &["COPY", "(", "SUBSCRIBE"],
    &["SHOW", "CREATE"],
    &["SHOW", "SOURCES"],
    &["SHOW", "SUBSOURCES"],
    &["SHOW", "SINKS"],
    &["SHOW", "CONNECTIONS"],
    &["SHOW", "SECRETS"],
    &["SHOW", "CLUSTER", "REPLICAS"],
    &["SHOW", "CLUSTERS"],
    &["SHOW", "MATERIALIZED", "VIEWS"],
    &["SHOW", "VIEWS"],
    &["SHOW", "INDEXES"],
    &["SHOW", "OBJECTS"],
];

/// The next `n` tokens as upper-cased unquoted words (`(` for an opening
/// parenthesis, empty for anything else).
fn peek_words(parser: &Parser<'_>, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| match parser.peek_nth_token(i).token {
            Token::Word(w) if w.quote_style.is_none() => w.value.to_uppercase(),
            Token::LParen => "(".to_owned(),
            _ => String::new(),
        })
        .collect()
}

/// Parses one of Freshet's statements at the parser's position, or returns
/// `None` without consuming anything when the statement is not one of ours.
pub(super) fn parse(parser: &mut Parser<'_>) -> Result<Option<Statement>, ParserError> {
    let words = peek_words(parser, 5);
    for prefix in NOT_YET_SUPPORTED {
        if words.iter().zip(prefix.iter()).filter(|(w, p)| w == *p).count() == prefix.len() {
            let feature = match prefix {
                ["COPY", "(", "SUBSCRIBE"] => "COPY (SUBSCRIBE ...) TO STDOUT".to_owned(),
                _ => prefix.join(" "),
            };
            skip_statement(parser);
            return Ok(Some(Statement::NotYetSupported { feature }));
        }
    }
    if words[0] == "SHOW" {
        let show = match words[1].as_str() {
            "DATABASES" => Some(ShowObjects::Databases),
            "SCHEMAS" => Some(ShowObjects::Schemas { from: None }),
            "TABLES" => Some(ShowObjects::Tables { from: None }),
            _ => None,
        };
        if let Some(mut show) = show {
            parser.next_token();
            parser.next_token();
            if peek_words(parser, 1)[0] == "FROM" {
                parser.next_token();
                let name = parser.parse_object_name(false)?;
                match &mut show {
                    ShowObjects::Schemas { from } | ShowObjects::Tables { from } => *from = Some(name),
                    ShowObjects::Databases => return parser.expected("end of statement", parser.peek_token()),
                }
            }
            return Ok(Some(Statement::Show(show)));
        }
    }
    Ok(None)
}

/// Consumes tokens up to the statement's end: a semicolon outside
/// parentheses, or the end of input.
fn skip_statement(parser: &mut Parser<'_>) {
    let mut depth = 0usize;
    loop {
        match parser.peek_token().token {
            Token::EOF => return,
            Token::SemiColon if depth == 0 => return,
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            _ => {}
        }
        parser.next_token();
    }
}
