//! The columns an expression may refer to.

use freshet_repr::{ColumnType, GlobalId};

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

/// The name a `FROM` item is known by, for the rule that two items of one
/// `FROM` clause may not share one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FromName {
    /// The alias, or the name of the table or `WITH` query.
    pub(crate) name: String,
    /// For a catalog item named without an alias: its id. Two such items
    /// only conflict if they are the same item (`s1.t` and `s2.t` do not).
    pub(crate) item: Option<GlobalId>,
}

impl FromName {
    /// Whether two `FROM` items may not both be in one `FROM` clause.
    fn conflicts(&self, other: &FromName) -> bool {
        self.name == other.name
            && match (self.item, other.item) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }
}

/// The columns of the input relation, in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    /// The columns.
    pub(crate) items: Vec<ScopeItem>,
    /// The names of the `FROM` items the columns come from.
    pub(crate) from_names: Vec<FromName>,
}

impl Scope {
    /// No columns: `SELECT` without `FROM`.
    pub(crate) fn empty() -> Scope {
        Scope::default()
    }

    /// The columns of both scopes, `self`'s first.
    pub(crate) fn concat(mut self, other: Scope) -> Scope {
        self.items.extend(other.items);
        self.from_names.extend(other.from_names);
        self
    }

    /// Fails if a `FROM` item of `other` has the name of one of `self`'s.
    pub(crate) fn check_distinct_names(&self, other: &Scope) -> Result<(), PlanError> {
        match other
            .from_names
            .iter()
            .find(|o| self.from_names.iter().any(|s| s.conflicts(o)))
        {
            Some(duplicate) => Err(PlanError::DuplicateAlias(duplicate.name.clone())),
            None => Ok(()),
        }
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
