//! `CREATE MATERIALIZED VIEW`.

use std::fmt;

use sqlparser::ast;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

use super::subscribe::expect_word;

/// `CREATE [OR REPLACE] MATERIALIZED VIEW [IF NOT EXISTS] name [(column, …)]
/// [IN CLUSTER c] AS query`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateMaterializedView {
    /// `OR REPLACE`: replace the materialized view of that name, if any.
    pub or_replace: bool,
    /// The view's name.
    pub name: ast::ObjectName,
    /// Names for its columns, if given.
    pub columns: Vec<ast::Ident>,
    /// Succeed with a notice if it exists.
    pub if_not_exists: bool,
    /// The cluster whose workers maintain it.
    pub cluster: Option<ast::Ident>,
    /// Its query.
    pub query: Box<ast::Query>,
}

/// `CREATE MATERIALIZED VIEW …`.
pub(super) fn parse_create_materialized_view(parser: &mut Parser<'_>) -> Result<CreateMaterializedView, ParserError> {
    parser.expect_keyword(Keyword::CREATE)?;
    let or_replace = parser.parse_keywords(&[Keyword::OR, Keyword::REPLACE]);
    expect_word(parser, "MATERIALIZED")?;
    parser.expect_keyword(Keyword::VIEW)?;
    let if_not_exists = parser.parse_keywords(&[Keyword::IF, Keyword::NOT, Keyword::EXISTS]);
    if or_replace && if_not_exists {
        return Err(ParserError::ParserError(
            "cannot specify both OR REPLACE and IF NOT EXISTS".into(),
        ));
    }
    let name = parser.parse_object_name(false)?;
    let columns = if parser.consume_token(&Token::LParen) {
        let columns = parser.parse_comma_separated(Parser::parse_identifier)?;
        parser.expect_token(&Token::RParen)?;
        columns
    } else {
        Vec::new()
    };
    let cluster = if parser.parse_keyword(Keyword::IN) {
        parser.expect_keyword(Keyword::CLUSTER)?;
        Some(parser.parse_identifier()?)
    } else {
        None
    };
    parser.expect_keyword(Keyword::AS)?;
    let query = parser.parse_query()?;
    Ok(CreateMaterializedView {
        or_replace,
        name,
        columns,
        if_not_exists,
        cluster,
        query,
    })
}

impl fmt::Display for CreateMaterializedView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.or_replace {
            "CREATE OR REPLACE MATERIALIZED VIEW "
        } else {
            "CREATE MATERIALIZED VIEW "
        })?;
        if self.if_not_exists {
            f.write_str("IF NOT EXISTS ")?;
        }
        write!(f, "{}", self.name)?;
        if !self.columns.is_empty() {
            let columns: Vec<String> = self.columns.iter().map(ToString::to_string).collect();
            write!(f, " ({})", columns.join(", "))?;
        }
        if let Some(cluster) = &self.cluster {
            write!(f, " IN CLUSTER {cluster}")?;
        }
        write!(f, " AS {}", self.query)
    }
}
