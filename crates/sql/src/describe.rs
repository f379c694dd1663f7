//! What the system catalog relations show of an object's stored
//! definition: an index's keys, a table's column defaults, a view's query.

use sqlparser::ast;

use crate::names::normalize_ident;
use crate::parse::Statement;

/// The keys of an index from its stored `CREATE INDEX`: a column's name,
/// or an expression's SQL text. `None` if the definition is not an index's.
pub fn index_keys(create_sql: &str) -> Option<Vec<IndexKey>> {
    let statements = crate::parse(create_sql).ok()?;
    let Some(Statement::CreateIndex(create)) = statements.first() else {
        return None;
    };
    Some(
        create
            .key
            .iter()
            .flatten()
            .map(|expr| match expr {
                ast::Expr::Identifier(column) => IndexKey::Column(normalize_ident(column)),
                other => IndexKey::Expression(other.to_string()),
            })
            .collect(),
    )
}

/// One key of an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexKey {
    /// A column of the indexed relation, by name.
    Column(String),
    /// An expression over the relation's columns, as SQL text.
    Expression(String),
}

impl IndexKey {
    /// The key as an index definition writes it.
    pub fn sql(&self) -> String {
        match self {
            IndexKey::Column(name) => crate::quote_ident(name),
            IndexKey::Expression(text) => text.clone(),
        }
    }
}

/// Each column's `DEFAULT` expression as SQL text, by column name, from a
/// stored `CREATE TABLE`.
pub fn column_defaults(create_sql: &str) -> Vec<(String, String)> {
    let Ok(statements) = crate::parse(create_sql) else {
        return Vec::new();
    };
    let Some(Statement::Sql(statement)) = statements.first() else {
        return Vec::new();
    };
    let ast::Statement::CreateTable(create) = statement.as_ref() else {
        return Vec::new();
    };
    create
        .columns
        .iter()
        .filter_map(|column| {
            column.options.iter().find_map(|option| match &option.option {
                ast::ColumnOption::Default(expr) => Some((normalize_ident(&column.name), expr.to_string())),
                _ => None,
            })
        })
        .collect()
}

/// The query of a stored `CREATE VIEW` or `CREATE MATERIALIZED VIEW`.
pub fn view_definition(create_sql: &str) -> Option<String> {
    let statements = crate::parse(create_sql).ok()?;
    match statements.first()? {
        Statement::Sql(statement) => match statement.as_ref() {
            ast::Statement::CreateView(view) => Some(view.query.to_string()),
            _ => None,
        },
        Statement::CreateMaterializedView(create) => Some(create.query.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_keys_defaults_and_queries_back() {
        assert_eq!(
            index_keys(r#"CREATE INDEX "i" IN CLUSTER "quickstart" ON "materialize"."public"."t" ("a", "b" + 1)"#),
            Some(vec![
                IndexKey::Column("a".into()),
                IndexKey::Expression("\"b\" + 1".into())
            ])
        );
        assert_eq!(
            column_defaults(r#"CREATE TABLE "materialize"."public"."t" ("a" int, "b" text DEFAULT 'x')"#),
            vec![("b".to_owned(), "'x'".to_owned())]
        );
        assert_eq!(
            view_definition(r#"CREATE VIEW "materialize"."public"."v" AS SELECT 1"#).as_deref(),
            Some("SELECT 1")
        );
    }
}
