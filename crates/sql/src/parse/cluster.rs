//! Clusters: `CREATE CLUSTER name (options)` and `ALTER CLUSTER name SET
//! (options)`, where the options are `SIZE [=] 'size'` and `REPLICATION
//! FACTOR [=] n`.

use std::fmt;

use sqlparser::ast;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

use super::Statement;
use super::subscribe::{at_word, expect_word};

/// The options of `CREATE CLUSTER` and `ALTER CLUSTER … SET`, as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterOptions {
    /// `SIZE`, if given.
    pub size: Option<String>,
    /// `REPLICATION FACTOR`, if given.
    pub replication_factor: Option<u64>,
}

impl fmt::Display for ClusterOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut options = Vec::new();
        if let Some(size) = &self.size {
            options.push(format!("SIZE = {}", ast::Value::SingleQuotedString(size.clone())));
        }
        if let Some(n) = self.replication_factor {
            options.push(format!("REPLICATION FACTOR = {n}"));
        }
        write!(f, "({})", options.join(", "))
    }
}

/// `ALTER CLUSTER [IF EXISTS] name SET (options)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlterCluster {
    /// The cluster.
    pub name: ast::Ident,
    /// A missing cluster is skipped with a notice.
    pub if_exists: bool,
    /// What changes.
    pub options: ClusterOptions,
}

impl fmt::Display for AlterCluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ALTER CLUSTER ")?;
        if self.if_exists {
            f.write_str("IF EXISTS ")?;
        }
        write!(f, "{} SET {}", self.name, self.options)
    }
}

/// `CREATE CLUSTER name (options)`.
pub(super) fn parse_create_cluster(parser: &mut Parser<'_>) -> Result<Statement, ParserError> {
    parser.expect_keywords(&[Keyword::CREATE, Keyword::CLUSTER])?;
    let name = parser.parse_identifier()?;
    let options = parse_options(parser)?;
    Ok(Statement::CreateCluster {
        name,
        size: options.size,
        replication_factor: options.replication_factor,
    })
}

/// `ALTER CLUSTER [IF EXISTS] name SET (options)`; the other forms
/// (`RESET`, `RENAME TO`, `OWNER TO`, `SWAP WITH`) are not supported yet.
pub(super) fn parse_alter_cluster(parser: &mut Parser<'_>) -> Result<Statement, ParserError> {
    parser.expect_keywords(&[Keyword::ALTER, Keyword::CLUSTER])?;
    let if_exists = parser.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
    let name = parser.parse_identifier()?;
    for other in ["RESET", "RENAME", "OWNER", "SWAP"] {
        if at_word(parser, other) {
            super::extension::skip_statement(parser);
            return Ok(Statement::NotYetSupported {
                feature: format!("ALTER CLUSTER … {other}"),
            });
        }
    }
    parser.expect_keyword(Keyword::SET)?;
    let options = parse_options(parser)?;
    Ok(Statement::AlterCluster(AlterCluster {
        name,
        if_exists,
        options,
    }))
}

/// `(SIZE [=] 'size' [, REPLICATION FACTOR [=] n])`, in any order.
fn parse_options(parser: &mut Parser<'_>) -> Result<ClusterOptions, ParserError> {
    let mut options = ClusterOptions::default();
    parser.expect_token(&Token::LParen)?;
    loop {
        let option = parser.peek_token();
        if at_word(parser, "SIZE") {
            parser.next_token();
            let _ = parser.consume_token(&Token::Eq);
            options.size = Some(parser.parse_literal_string()?);
        } else if at_word(parser, "REPLICATION") {
            parser.next_token();
            expect_word(parser, "FACTOR")?;
            let _ = parser.consume_token(&Token::Eq);
            options.replication_factor = Some(parser.parse_literal_uint()?);
        } else {
            return parser.expected("SIZE or REPLICATION FACTOR", option);
        }
        if !parser.consume_token(&Token::Comma) {
            break;
        }
    }
    parser.expect_token(&Token::RParen)?;
    Ok(options)
}
