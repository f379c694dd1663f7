//! The columns an expression may refer to.

use freshet_repr::ColumnType;

use crate::PlanError;

/// One column in scope.
#[derive(Debug, Clone)]
pub(crate) struct ScopeItem {
    /// The relation (or alias) it comes from, if any.
    pub(crate) table: Option<String>,
    /// Its name.
    pub(crate) column: String,
    /// Its type.
    pub(crate) typ: ColumnType,
    /// Reachable only as `table.column` (a column merged by `USING`).
    pub(crate) qualified_only: bool,
    /// Part of `SELECT *`.
    pub(crate) in_wildcard: bool,
}

impl ScopeItem {
    /// A column of `table` reachable by its name, qualified or not.
    pub(crate) fn new(table: Option<String>, column: String, typ: ColumnType) -> ScopeItem {
        ScopeItem {
            table,
            column,
            typ,
            qualified_only: false,
            in_wildcard: true,
        }
    }
}

/// The columns of the input relation, in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    pub(crate) items: Vec<ScopeItem>,
}

impl Scope {
    /// No columns: `SELECT` without `FROM`.
    pub(crate) fn empty() -> Scope {
        Scope::default()
    }

    /// The columns of both scopes, `self`'s first.
    pub(crate) fn concat(mut self, other: Scope) -> Scope {
        self.items.extend(other.items);
        self
    }

    /// The position and type of the column `[table.]column`.
    pub(crate) fn resolve(&self, table: Option<&str>, column: &str) -> Result<(usize, ColumnType), PlanError> {
        let mut matches = self.items.iter().enumerate().filter(|(_, item)| {
            item.column == column
                && match table {
                    Some(t) => item.table.as_deref() == Some(t),
                    None => !item.qualified_only,
                }
        });
        let display = match table {
            Some(t) => format!("{t}.{column}"),
            None => column.to_owned(),
        };
        if let Some(t) = table
            && !self.items.iter().any(|item| item.table.as_deref() == Some(t))
        {
            return Err(PlanError::MissingFromEntry(t.to_owned()));
        }
        match (matches.next(), matches.next()) {
            (Some((i, item)), None) => Ok((i, item.typ)),
            (Some(_), Some(_)) => Err(PlanError::AmbiguousColumn(display)),
            (None, _) => Err(PlanError::UnknownColumn(display)),
        }
    }
}
