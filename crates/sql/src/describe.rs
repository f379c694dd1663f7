//! What the `pg_catalog` relations show of an index's stored definition:
//! its keys.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_keys_back() {
        assert_eq!(
            index_keys(r#"CREATE INDEX "i" IN CLUSTER "quickstart" ON "materialize"."public"."t" ("a", "b" + 1)"#),
            Some(vec![
                IndexKey::Column("a".into()),
                IndexKey::Expression("\"b\" + 1".into())
            ])
        );
    }
}
