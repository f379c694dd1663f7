//! Descriptions of relations: their column names and types.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ColumnType;

/// The name of a column.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ColumnName(pub String);

impl ColumnName {
    /// The name as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for ColumnName {
    fn from(s: &str) -> Self {
        ColumnName(s.to_owned())
    }
}

impl fmt::Display for ColumnName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The columns of a relation, in order: what crosses every boundary beside
/// the rows themselves.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RelationDesc {
    columns: Vec<(ColumnName, ColumnType)>,
}

impl RelationDesc {
    /// A description with no columns.
    pub fn empty() -> Self {
        RelationDesc::default()
    }

    /// Builds a description from named, typed columns.
    pub fn new(columns: impl IntoIterator<Item = (ColumnName, ColumnType)>) -> Self {
        RelationDesc {
            columns: columns.into_iter().collect(),
        }
    }

    /// Appends a column.
    pub fn with_column(mut self, name: impl Into<String>, typ: ColumnType) -> Self {
        self.columns.push((ColumnName(name.into()), typ));
        self
    }

    /// The number of columns.
    pub fn arity(&self) -> usize {
        self.columns.len()
    }

    /// The columns, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&ColumnName, &ColumnType)> {
        self.columns.iter().map(|(n, t)| (n, t))
    }

    /// The column names, in order.
    pub fn names(&self) -> impl Iterator<Item = &ColumnName> {
        self.columns.iter().map(|(n, _)| n)
    }

    /// The column types, in order.
    pub fn types(&self) -> impl Iterator<Item = &ColumnType> {
        self.columns.iter().map(|(_, t)| t)
    }

    /// The type of column `i`.
    pub fn column_type(&self, i: usize) -> &ColumnType {
        &self.columns[i].1
    }

    /// The name of column `i`.
    pub fn column_name(&self, i: usize) -> &ColumnName {
        &self.columns[i].0
    }
}
