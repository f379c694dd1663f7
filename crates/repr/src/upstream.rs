//! Upstream tables as a source copies them: what purification finds on
//! MySQL, what the catalog stores in each subsource's definition, and what
//! ingestion decodes by.

use serde::{Deserialize, Serialize};

use crate::{ColumnName, RelationDesc, ScalarType};

/// An upstream table and every one of its columns, in ordinal order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamTable {
    /// Its schema (a MySQL database).
    pub schema: String,
    /// Its name.
    pub name: String,
    /// Every column, invisible and excluded ones included, in the order the
    /// binlog carries them.
    pub columns: Vec<UpstreamColumn>,
}

/// One upstream column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamColumn {
    /// Its name.
    pub name: String,
    /// Its type as MySQL prints it (`COLUMN_TYPE`: `int unsigned`,
    /// `decimal(10,2)`, `enum('a','b')`).
    pub upstream_type: String,
    /// Whether it may hold NULL.
    pub nullable: bool,
    /// Whether it is invisible (`SELECT *` leaves it out; the binlog does not).
    pub invisible: bool,
    /// How the source keeps its values.
    pub ingest: ColumnIngest,
}

/// How a source keeps an upstream column's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ColumnIngest {
    /// As values of the type the upstream type maps to.
    Typed(ScalarType),
    /// As text, the way MySQL prints the value (`TEXT COLUMNS`).
    Text,
    /// Not at all: read and dropped (`EXCLUDE COLUMNS`).
    Excluded,
}

impl UpstreamTable {
    /// The columns of the subsource that copies the table: every column not
    /// excluded, in order.
    pub fn desc(&self) -> RelationDesc {
        RelationDesc::new(self.columns.iter().filter_map(|column| {
            let typ = match column.ingest {
                ColumnIngest::Typed(typ) => typ,
                ColumnIngest::Text => ScalarType::Text,
                ColumnIngest::Excluded => return None,
            };
            Some((ColumnName::from(column.name.as_str()), typ.nullable(column.nullable)))
        }))
    }
}
