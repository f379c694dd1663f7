//! `SUBSCRIBE` and `COPY (SUBSCRIBE …) TO STDOUT`.

use std::fmt;

use sqlparser::ast;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

/// `SUBSCRIBE [TO] relation [ENVELOPE UPSERT (KEY (k, …))] [WITH (option, …)]
/// [AS OF [AT LEAST] time] [UP TO time]`, possibly inside
/// `COPY (…) TO STDOUT`.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscribe {
    /// What it streams the changes of.
    pub relation: SubscribeRelation,
    /// `ENVELOPE UPSERT (KEY (…))`: the key columns, if given.
    pub upsert_key: Option<Vec<ast::Ident>>,
    /// `WITH (SNAPSHOT [= bool])`: start with the contents at the start time.
    pub snapshot: Option<bool>,
    /// `WITH (PROGRESS [= bool])`: add rows that say how far it is complete.
    pub progress: Option<bool>,
    /// `AS OF time`: the time it starts at (inclusive).
    pub as_of: Option<Box<ast::Expr>>,
    /// `AS OF AT LEAST`: the time is a lower bound.
    pub at_least: bool,
    /// `UP TO time`: the time it ends at (exclusive).
    pub up_to: Option<Box<ast::Expr>>,
    /// Written as `COPY (SUBSCRIBE …) TO STDOUT`.
    pub copy: bool,
}

/// The relation a `SUBSCRIBE` streams.
#[derive(Debug, Clone, PartialEq)]
pub enum SubscribeRelation {
    /// A table, view or source by name.
    Name(ast::ObjectName),
    /// A query in parentheses.
    Query(Box<ast::Query>),
}

/// Whether the parser is at `word` (an unquoted word, any case).
pub(super) fn at_word(parser: &Parser<'_>, word: &str) -> bool {
    matches!(parser.peek_token().token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word))
}

/// Consumes `word` (an unquoted word, any case) or fails.
pub(super) fn expect_word(parser: &mut Parser<'_>, word: &str) -> Result<(), ParserError> {
    if at_word(parser, word) {
        parser.next_token();
        Ok(())
    } else {
        parser.expected(word, parser.peek_token())
    }
}

/// `COPY (SUBSCRIBE …) TO STDOUT [WITH (FORMAT TEXT)]`.
pub(super) fn parse_copy_subscribe(parser: &mut Parser<'_>) -> Result<Subscribe, ParserError> {
    parser.expect_keyword(Keyword::COPY)?;
    parser.expect_token(&Token::LParen)?;
    let mut subscribe = parse_subscribe(parser)?;
    parser.expect_token(&Token::RParen)?;
    parser.expect_keyword(Keyword::TO)?;
    parser.expect_keyword(Keyword::STDOUT)?;
    if parser.parse_keyword(Keyword::WITH) {
        parser.expect_token(&Token::LParen)?;
        parser.expect_keyword(Keyword::FORMAT)?;
        let format = parser.parse_identifier()?;
        if !format.value.eq_ignore_ascii_case("text") {
            return Err(ParserError::ParserError(format!(
                "only FORMAT TEXT is supported for COPY (SUBSCRIBE …) TO STDOUT, not {format}"
            )));
        }
        parser.expect_token(&Token::RParen)?;
    }
    subscribe.copy = true;
    Ok(subscribe)
}

/// `SUBSCRIBE [TO] relation …`.
pub(super) fn parse_subscribe(parser: &mut Parser<'_>) -> Result<Subscribe, ParserError> {
    expect_word(parser, "SUBSCRIBE")?;
    let _ = parser.parse_keyword(Keyword::TO);
    let relation = if parser.consume_token(&Token::LParen) {
        let query = parser.parse_query()?;
        parser.expect_token(&Token::RParen)?;
        SubscribeRelation::Query(query)
    } else {
        SubscribeRelation::Name(parser.parse_object_name(false)?)
    };
    let mut subscribe = Subscribe {
        relation,
        upsert_key: None,
        snapshot: None,
        progress: None,
        as_of: None,
        at_least: false,
        up_to: None,
        copy: false,
    };
    if at_word(parser, "ENVELOPE") {
        parser.next_token();
        expect_word(parser, "UPSERT")?;
        parser.expect_token(&Token::LParen)?;
        parser.expect_keyword(Keyword::KEY)?;
        parser.expect_token(&Token::LParen)?;
        subscribe.upsert_key = Some(parser.parse_comma_separated(Parser::parse_identifier)?);
        parser.expect_token(&Token::RParen)?;
        parser.expect_token(&Token::RParen)?;
    }
    if parser.parse_keyword(Keyword::WITH) {
        parser.expect_token(&Token::LParen)?;
        loop {
            let option = parser.parse_identifier()?;
            let is_snapshot = match option.value.to_uppercase().as_str() {
                "SNAPSHOT" => true,
                "PROGRESS" => false,
                _ => {
                    return Err(ParserError::ParserError(format!(
                        "unknown SUBSCRIBE option {option}: expected SNAPSHOT or PROGRESS"
                    )));
                }
            };
            let given_value =
                parser.consume_token(&Token::Eq) || !matches!(parser.peek_token().token, Token::Comma | Token::RParen);
            let value = if given_value { parse_bool(parser)? } else { true };
            let slot = if is_snapshot {
                &mut subscribe.snapshot
            } else {
                &mut subscribe.progress
            };
            if slot.replace(value).is_some() {
                return Err(ParserError::ParserError(format!(
                    "SUBSCRIBE option {} given more than once",
                    option.value.to_uppercase()
                )));
            }
            if !parser.consume_token(&Token::Comma) {
                break;
            }
        }
        parser.expect_token(&Token::RParen)?;
    }
    if parser.parse_keywords(&[Keyword::AS, Keyword::OF]) {
        subscribe.at_least = parser.parse_keywords(&[Keyword::AT, Keyword::LEAST]);
        subscribe.as_of = Some(Box::new(parser.parse_expr()?));
    }
    if at_word(parser, "UP") {
        parser.next_token();
        parser.expect_keyword(Keyword::TO)?;
        subscribe.up_to = Some(Box::new(parser.parse_expr()?));
    }
    Ok(subscribe)
}

/// A boolean option value: `true`, `false`, `on`, `off`, or a quoted one.
fn parse_bool(parser: &mut Parser<'_>) -> Result<bool, ParserError> {
    let token = parser.next_token();
    let text = match &token.token {
        Token::Word(w) => w.value.to_lowercase(),
        Token::SingleQuotedString(s) => s.to_lowercase(),
        _ => return parser.expected("a boolean", token),
    };
    match text.as_str() {
        "true" | "on" => Ok(true),
        "false" | "off" => Ok(false),
        _ => parser.expected("a boolean", token),
    }
}

impl fmt::Display for Subscribe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.copy {
            f.write_str("COPY (")?;
        }
        f.write_str("SUBSCRIBE ")?;
        match &self.relation {
            SubscribeRelation::Name(name) => write!(f, "{name}")?,
            SubscribeRelation::Query(query) => write!(f, "({query})")?,
        }
        if let Some(key) = &self.upsert_key {
            let key: Vec<String> = key.iter().map(ToString::to_string).collect();
            write!(f, " ENVELOPE UPSERT (KEY ({}))", key.join(", "))?;
        }
        let options: Vec<String> = [("SNAPSHOT", self.snapshot), ("PROGRESS", self.progress)]
            .into_iter()
            .filter_map(|(name, value)| value.map(|v| format!("{name} = {v}")))
            .collect();
        if !options.is_empty() {
            write!(f, " WITH ({})", options.join(", "))?;
        }
        if let Some(as_of) = &self.as_of {
            write!(f, " AS OF {}{as_of}", if self.at_least { "AT LEAST " } else { "" })?;
        }
        if let Some(up_to) = &self.up_to {
            write!(f, " UP TO {up_to}")?;
        }
        if self.copy {
            f.write_str(") TO STDOUT")?;
        }
        Ok(())
    }
}
