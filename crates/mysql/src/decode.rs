//! Decoding an upstream table's rows, from the snapshot's binary-protocol
//! `SELECT` and from binlog row images alike, into rows of its subsource.
//!
//! There is one decoder: a binlog value is first normalized into the shape
//! the binary protocol gives the same column ([`binlog`]), then one
//! function makes the datum ([`value`]), as the column's mapped type or as
//! MySQL's text (`TEXT COLUMNS`). So a row reads the same from the snapshot
//! and from the binlog. Each column's facts (its type taken apart, its
//! character set) are prepared once, in [`TableDecoder::new`].

mod binlog;
mod column;
mod json;
mod value;

use freshet_repr::{ColumnIngest, Row, SqlState, UpstreamTable};
use mysql_async::Value;
use mysql_async::binlog::row::BinlogRow;

use self::column::Column;
use crate::MySqlError;

/// What kind of value a column's type cannot hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueProblem {
    /// A date or time the type cannot hold: a TIME beyond a day or
    /// negative, a zero or otherwise invalid date (`22008`).
    DateTime,
    /// A number outside the type's range (`22003`).
    Number,
    /// Bytes that are not text in the column's character set, or text with
    /// a NUL character (`22021`).
    Text,
    /// A value unlike any of the column's type: the table changed on MySQL,
    /// or the value is malformed (`22000`).
    Shape,
}

impl ValueProblem {
    /// The SQLSTATE of the problem.
    pub fn code(self) -> SqlState {
        match self {
            ValueProblem::DateTime => SqlState::DatetimeFieldOverflow,
            ValueProblem::Number => SqlState::NumericValueOutOfRange,
            ValueProblem::Text => SqlState::CharacterNotInRepertoire,
            ValueProblem::Shape => SqlState::DataException,
        }
    }
}

/// Decodes the rows of one upstream table, from the snapshot's
/// binary-protocol `SELECT` and from binlog row images alike, into `Row`s of
/// the subsource's columns ([`UpstreamTable::desc`]: every non-excluded
/// column in order).
#[derive(Debug, Clone)]
pub struct TableDecoder {
    /// `schema.table`, for errors.
    table: String,
    /// Every column of the table, in order.
    columns: Vec<Column>,
    /// The positions of the columns the subsource copies.
    copied: Vec<usize>,
}

impl TableDecoder {
    /// Prepares the decoder of `table`.
    ///
    /// `charsets[i]` is column i's MySQL character set
    /// (`information_schema.COLUMNS.CHARACTER_SET_NAME`, e.g. `utf8mb4`,
    /// `latin1`, `binary`; `None` for non-string columns), one per column of
    /// `table`; missing entries count as `None`.
    pub fn new(table: &UpstreamTable, charsets: &[Option<String>]) -> TableDecoder {
        let columns: Vec<Column> = table
            .columns
            .iter()
            .enumerate()
            .map(|(i, column)| Column::new(column, charsets.get(i).and_then(Option::as_deref)))
            .collect();
        let copied = table
            .columns
            .iter()
            .enumerate()
            .filter(|(_, column)| column.ingest != ColumnIngest::Excluded)
            .map(|(i, _)| i)
            .collect();
        TableDecoder {
            table: format!("{}.{}", table.schema, table.name),
            columns,
            copied,
        }
    }

    /// The `SELECT` list the snapshot reads, in order: every non-excluded
    /// column, backquoted (`` `a`, `b c` ``), backquotes doubled.
    pub fn select_list(&self) -> String {
        let mut list = String::new();
        for (n, &i) in self.copied.iter().enumerate() {
            if n > 0 {
                list.push_str(", ");
            }
            list.push('`');
            list.push_str(&self.columns[i].name.replace('`', "``"));
            list.push('`');
        }
        list
    }

    /// Decodes one snapshot row: the binary-protocol values of
    /// [`TableDecoder::select_list`], in order (in a session with `SET NAMES
    /// utf8mb4` and `time_zone = '+00:00'`). Clears `row` and packs the
    /// subsource's row into it; on error, `row` is left empty.
    pub fn decode_snapshot(&self, values: Vec<Value>, row: &mut Row) -> Result<(), MySqlError> {
        let result = self.snapshot_into(&values, row);
        if result.is_err() {
            row.packer();
        }
        result
    }

    fn snapshot_into(&self, values: &[Value], row: &mut Row) -> Result<(), MySqlError> {
        if values.len() != self.copied.len() {
            return Err(MySqlError::ColumnCount {
                table: self.table.clone(),
                expected: self.copied.len(),
                found: values.len(),
            });
        }
        let mut packer = row.packer();
        let mut scratch = String::new();
        for (&i, value) in self.copied.iter().zip(values) {
            value::push(&self.table, &self.columns[i], value, &mut packer, &mut scratch)?;
        }
        Ok(())
    }

    /// Decodes one binlog row image: every column of the table, in order,
    /// as [`BinlogRow`] yields it. Clears `row` and packs the subsource's
    /// row into it; on error, `row` is left empty.
    ///
    /// A copied column missing from the image (`binlog_row_image` =
    /// `MINIMAL` or `NOBLOB`) is an error, and so is a partial JSON update
    /// (`binlog_row_value_options = PARTIAL_JSON`) and a column count unlike
    /// the table's. A `BinlogRow` holds only the columns its event's bitmap
    /// names; they are placed by their binlog names (`@3`, or the column's
    /// name with `binlog_row_metadata = FULL`), so columns the source
    /// excludes may be missing.
    pub fn decode_binlog(&self, image: BinlogRow, row: &mut Row) -> Result<(), MySqlError> {
        let result = self.binlog_into(image, row);
        if result.is_err() {
            row.packer();
        }
        result
    }

    fn binlog_into(&self, mut image: BinlogRow, row: &mut Row) -> Result<(), MySqlError> {
        // Where each of the table's columns is in the image.
        let positions = self.image_positions(&image)?;
        let position = |i: usize| match &positions {
            None => Some(i),
            Some(positions) => positions[i],
        };
        let missing: Vec<String> = self
            .copied
            .iter()
            .filter(|&&i| position(i).is_none_or(|p| image.as_ref(p).is_none()))
            .map(|&i| self.columns[i].name.clone())
            .collect();
        if !missing.is_empty() {
            return Err(MySqlError::IncompleteRowImage {
                table: self.table.clone(),
                missing,
            });
        }
        let mut packer = row.packer();
        let mut scratch = String::new();
        for &i in &self.copied {
            let column = &self.columns[i];
            let Some(value) = position(i).and_then(|p| image.take(p)) else {
                return Err(MySqlError::IncompleteRowImage {
                    table: self.table.clone(),
                    missing: vec![column.name.clone()],
                });
            };
            let value = binlog::normalize(&self.table, column, value)?;
            value::push(&self.table, column, &value, &mut packer, &mut scratch)?;
        }
        Ok(())
    }

    /// For each column of the table, its position in `image`; `None` when
    /// the image holds every column in order.
    fn image_positions(&self, image: &BinlogRow) -> Result<Option<Vec<Option<usize>>>, MySqlError> {
        if image.len() == self.columns.len() {
            return Ok(None);
        }
        let count_error = || MySqlError::ColumnCount {
            table: self.table.clone(),
            expected: self.columns.len(),
            found: image.len(),
        };
        if image.len() > self.columns.len() {
            return Err(count_error());
        }
        // A partial image (MINIMAL, NOBLOB): its columns, named `@<ordinal>`
        // or by name, must be the table's, in order.
        let mut positions = vec![None; self.columns.len()];
        let mut next = 0;
        for (p, column) in image.columns_ref().iter().enumerate() {
            let name = column.name_str();
            let i = self
                .columns
                .iter()
                .position(|c| c.name == name)
                .or_else(|| name.strip_prefix('@').and_then(|n| n.parse().ok()))
                .filter(|&i| i >= next && i < self.columns.len())
                .ok_or_else(count_error)?;
            positions[i] = Some(p);
            next = i + 1;
        }
        Ok(Some(positions))
    }
}

#[cfg(test)]
mod tests {
    use freshet_repr::{Datum, ScalarType, UpstreamColumn};

    use super::*;

    fn column(name: &str, upstream_type: &str, ingest: ColumnIngest) -> UpstreamColumn {
        UpstreamColumn {
            name: name.into(),
            upstream_type: upstream_type.into(),
            nullable: true,
            invisible: false,
            ingest,
        }
    }

    fn table() -> UpstreamTable {
        UpstreamTable {
            schema: "shop".into(),
            name: "t".into(),
            columns: vec![
                column("id", "int", ColumnIngest::Typed(ScalarType::Int32)),
                column("odd `name`", "geometry", ColumnIngest::Excluded),
                column("e", "enum('a','b')", ColumnIngest::Text),
                column("t", "time", ColumnIngest::Typed(ScalarType::Time)),
            ],
        }
    }

    #[test]
    fn the_select_list_names_copied_columns() {
        let decoder = TableDecoder::new(&table(), &[]);
        assert_eq!(decoder.select_list(), "`id`, `e`, `t`");
        let mut t = table();
        t.columns[1].ingest = ColumnIngest::Typed(ScalarType::Bytes);
        assert_eq!(
            TableDecoder::new(&t, &[]).select_list(),
            "`id`, `odd ``name```, `e`, `t`"
        );
    }

    #[test]
    fn snapshot_rows_decode_and_errors_name_the_column() {
        let decoder = TableDecoder::new(&table(), &[]);
        let mut row = Row::default();
        decoder
            .decode_snapshot(vec![Value::Int(7), Value::Bytes(b"b".to_vec()), Value::NULL], &mut row)
            .expect("decodes");
        assert_eq!(row.unpack(), vec![Datum::Int32(7), Datum::String("b"), Datum::Null]);

        let err = decoder
            .decode_snapshot(
                vec![Value::Int(7), Value::NULL, Value::Time(true, 34, 22, 59, 59, 0)],
                &mut row,
            )
            .expect_err("TIME beyond a day");
        assert_eq!(err.code().code(), "22008");
        assert!(
            err.to_string()
                .starts_with("cannot copy value '-838:59:59' of column shop.t.t"),
            "{err}"
        );
        assert!(
            err.hint().is_some_and(|h| h.contains("TEXT COLUMNS")),
            "{:?}",
            err.hint()
        );
        assert_eq!(row.byte_len(), 0);

        let err = decoder
            .decode_snapshot(vec![Value::Int(7)], &mut row)
            .expect_err("too few values");
        assert!(
            matches!(
                err,
                MySqlError::ColumnCount {
                    expected: 3,
                    found: 1,
                    ..
                }
            ),
            "{err}"
        );
    }
}
