//! What the system relations show of a stored definition: a view's query,
//! a table's column defaults, and the definition with its literals
//! redacted.

use sqlparser::ast;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::parse::{Statement, parse};

/// What replaces each literal in a redacted definition.
const REDACTED: &str = "'<REDACTED>'";

/// The query of a stored `CREATE [MATERIALIZED] VIEW`, as
/// `mz_views.definition` shows it (`SELECT …;`), or `None` for any other
/// statement.
pub fn view_definition(create_sql: &str) -> Option<String> {
    let query = match parse(create_sql).ok()?.into_iter().next()? {
        Statement::Sql(statement) => match *statement {
            ast::Statement::CreateView(view) => view.query,
            _ => return None,
        },
        Statement::CreateMaterializedView(view) => view.query,
        _ => return None,
    };
    Some(format!("{query};"))
}

/// The `DEFAULT` expression of each column of a stored `CREATE TABLE`, in
/// column order; empty for any other statement.
pub fn column_defaults(create_sql: &str) -> Vec<Option<String>> {
    let Some(Statement::Sql(statement)) = parse(create_sql).ok().and_then(|s| s.into_iter().next()) else {
        return Vec::new();
    };
    let ast::Statement::CreateTable(table) = *statement else {
        return Vec::new();
    };
    table
        .columns
        .iter()
        .map(|column| {
            column.options.iter().find_map(|option| match &option.option {
                ast::ColumnOption::Default(expr) => Some(expr.to_string()),
                _ => None,
            })
        })
        .collect()
}

/// `sql` with every string and number literal replaced by
/// `'<REDACTED>'`, as `redacted_create_sql` shows definitions: names,
/// keywords and type modifiers (`numeric(10,2)`) stay, values (hosts,
/// users, defaults, constants) go. Text that does not tokenize is
/// redacted whole.
pub fn redact_sql(sql: &str) -> String {
    let dialect = PostgreSqlDialect {};
    let Ok(tokens) = Tokenizer::new(&dialect, sql).tokenize() else {
        return REDACTED.to_owned();
    };
    let mut redacted = String::with_capacity(sql.len());
    // The last token that is not whitespace, and whether the tokens are
    // inside a type's modifiers.
    let mut last: Option<&Token> = None;
    let mut in_modifiers = false;
    for token in &tokens {
        match token {
            Token::LParen => in_modifiers = last.is_some_and(is_type_name),
            Token::RParen => in_modifiers = false,
            _ => {}
        }
        if is_literal(token) && !in_modifiers {
            redacted.push_str(REDACTED);
        } else {
            redacted.push_str(&token.to_string());
        }
        if !matches!(token, Token::Whitespace(_)) {
            last = Some(token);
        }
    }
    redacted
}

/// Whether `token` names a type that takes modifiers in parentheses.
fn is_type_name(token: &Token) -> bool {
    const TYPES: &[&str] = &[
        "numeric",
        "decimal",
        "dec",
        "varchar",
        "char",
        "character",
        "varying",
        "bpchar",
        "nchar",
        "nvarchar",
        "timestamp",
        "timestamptz",
        "time",
        "timetz",
        "float",
        "bit",
        "varbit",
        "interval",
    ];
    matches!(token, Token::Word(word) if word.quote_style.is_none() && TYPES.iter().any(|t| word.value.eq_ignore_ascii_case(t)))
}

/// Whether `token` carries a value.
fn is_literal(token: &Token) -> bool {
    matches!(
        token,
        Token::Number(..)
            | Token::SingleQuotedString(_)
            | Token::DoubleQuotedString(_)
            | Token::TripleSingleQuotedString(_)
            | Token::TripleDoubleQuotedString(_)
            | Token::DollarQuotedString(_)
            | Token::SingleQuotedByteStringLiteral(_)
            | Token::DoubleQuotedByteStringLiteral(_)
            | Token::TripleSingleQuotedByteStringLiteral(_)
            | Token::TripleDoubleQuotedByteStringLiteral(_)
            | Token::SingleQuotedRawStringLiteral(_)
            | Token::DoubleQuotedRawStringLiteral(_)
            | Token::TripleSingleQuotedRawStringLiteral(_)
            | Token::TripleDoubleQuotedRawStringLiteral(_)
            | Token::NationalStringLiteral(_)
            | Token::QuoteDelimitedStringLiteral(..)
            | Token::NationalQuoteDelimitedStringLiteral(..)
            | Token::EscapedStringLiteral(_)
            | Token::UnicodeStringLiteral(_)
            | Token::HexStringLiteral(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_values_and_keeps_names() {
        let sql = r#"CREATE CONNECTION "materialize"."public"."c" TO MYSQL (HOST 'db.internal', PORT 3306, USER 'freshet', PASSWORD SECRET "materialize"."public"."pw")"#;
        assert_eq!(
            redact_sql(sql),
            r#"CREATE CONNECTION "materialize"."public"."c" TO MYSQL (HOST '<REDACTED>', PORT '<REDACTED>', USER '<REDACTED>', PASSWORD SECRET "materialize"."public"."pw")"#
        );
        assert_eq!(
            redact_sql("SELECT E'a\\'b', x'ff', 1.5e3 FROM t"),
            "SELECT '<REDACTED>', '<REDACTED>', '<REDACTED>' FROM t"
        );
        assert_eq!(redact_sql("SELECT 'unterminated"), REDACTED);
        assert_eq!(
            redact_sql(
                "CREATE TABLE t (a NUMERIC(10,2) DEFAULT 1.5, b VARCHAR(3) DEFAULT round(2.5, 1)::numeric(4, 1))"
            ),
            "CREATE TABLE t (a NUMERIC(10,2) DEFAULT '<REDACTED>', b VARCHAR(3) DEFAULT round('<REDACTED>', '<REDACTED>')::numeric(4, 1))"
        );
    }

    #[test]
    fn view_queries_and_defaults() {
        assert_eq!(
            view_definition("CREATE VIEW v AS SELECT a FROM t WHERE b = 'x'").as_deref(),
            Some("SELECT a FROM t WHERE b = 'x';")
        );
        assert_eq!(
            view_definition("CREATE MATERIALIZED VIEW m IN CLUSTER c AS SELECT 1").as_deref(),
            Some("SELECT 1;")
        );
        assert_eq!(view_definition("CREATE TABLE t (a int)"), None);
        assert_eq!(
            column_defaults("CREATE TABLE t (a int DEFAULT 1 + 2, b text, c text NOT NULL DEFAULT 'n')"),
            vec![Some("1 + 2".to_owned()), None, Some("'n'".to_owned())]
        );
    }
}
