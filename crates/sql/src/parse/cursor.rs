//! Cursors: `DECLARE name CURSOR FOR SUBSCRIBE …`, `FETCH … name [WITH
//! (TIMEOUT = …)]`. (`CLOSE` is sqlparser's.)

use std::fmt;

use sqlparser::ast;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

use super::Statement;
use super::subscribe::{at_word, expect_word};

/// `DECLARE name CURSOR [WITHOUT HOLD] FOR statement`.
#[derive(Debug, Clone, PartialEq)]
pub struct Declare {
    /// The cursor's name.
    pub name: ast::Ident,
    /// What it reads.
    pub statement: Box<Statement>,
}

/// `FETCH [FORWARD] [count | ALL] [FROM | IN] name [WITH (TIMEOUT = 'interval')]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetch {
    /// The cursor.
    pub name: ast::Ident,
    /// How many rows at most; `None` for `ALL`.
    pub count: Option<u64>,
    /// How long to wait for a first row, as written.
    pub timeout: Option<String>,
}

/// `DECLARE …`.
pub(super) fn parse_declare(parser: &mut Parser<'_>) -> Result<Declare, ParserError> {
    parser.expect_keyword(Keyword::DECLARE)?;
    let name = parser.parse_identifier()?;
    parser.expect_keyword(Keyword::CURSOR)?;
    if parser.parse_keyword(Keyword::WITHOUT) {
        parser.expect_keyword(Keyword::HOLD)?;
    }
    parser.expect_keyword(Keyword::FOR)?;
    let statement = if at_word(parser, "SUBSCRIBE") {
        Statement::Subscribe(super::subscribe::parse_subscribe(parser)?)
    } else {
        Statement::Sql(Box::new(ast::Statement::Query(parser.parse_query()?)))
    };
    Ok(Declare {
        name,
        statement: Box::new(statement),
    })
}

/// `FETCH …`.
pub(super) fn parse_fetch(parser: &mut Parser<'_>) -> Result<Fetch, ParserError> {
    expect_word(parser, "FETCH")?;
    let _ = parser.parse_keyword(Keyword::FORWARD);
    let count = if parser.parse_keyword(Keyword::ALL) {
        None
    } else if let Token::Number(n, _) = parser.peek_token().token {
        parser.next_token();
        Some(
            n.parse::<u64>()
                .map_err(|_| ParserError::ParserError(format!("invalid FETCH count {n}")))?,
        )
    } else {
        Some(1)
    };
    let _ = parser.parse_one_of_keywords(&[Keyword::FROM, Keyword::IN]);
    let name = parser.parse_identifier()?;
    let mut timeout = None;
    if parser.parse_keyword(Keyword::WITH) {
        parser.expect_token(&Token::LParen)?;
        let option = parser.parse_identifier()?;
        if !option.value.eq_ignore_ascii_case("timeout") {
            return Err(ParserError::ParserError(format!(
                "unknown FETCH option {option}: expected TIMEOUT"
            )));
        }
        let _ = parser.consume_token(&Token::Eq);
        let token = parser.next_token();
        timeout = Some(match token.token {
            Token::SingleQuotedString(s) => s,
            Token::Number(n, _) => n,
            _ => return parser.expected("a timeout such as '1s'", token),
        });
        parser.expect_token(&Token::RParen)?;
    }
    Ok(Fetch { name, count, timeout })
}

impl fmt::Display for Declare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DECLARE {} CURSOR FOR {}", self.name, self.statement)
    }
}

impl fmt::Display for Fetch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FETCH ")?;
        match self.count {
            Some(n) => write!(f, "{n} ")?,
            None => f.write_str("ALL ")?,
        }
        write!(f, "{}", self.name)?;
        if let Some(timeout) = &self.timeout {
            write!(
                f,
                " WITH (TIMEOUT = {})",
                ast::Value::SingleQuotedString(timeout.clone())
            )?;
        }
        Ok(())
    }
}
