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
mod table_map;
mod value;

use freshet_repr::{ColumnIngest, Row, SqlState, UpstreamTable};
use mysql_async::Value;
use mysql_async::binlog::events::TableMapEvent;
use mysql_async::binlog::row::BinlogRow;

use self::column::Column;
pub(crate) use self::column::{appends_labels, same_type};
use crate::{CurrentColumn, MySqlError};

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

    /// Checks the TABLE_MAP event that precedes a rows event of the table
    /// against the table the source copies (once per table id: MySQL gives
    /// the table a new id when its definition changes). The binlog must
    /// still have every stored column in its place, of a type the stored
    /// type has, as wide (DECIMAL precision and scale, fractional seconds,
    /// BIT width, TEXT/BLOB size), with the same signedness, and not
    /// nullable where it was not. With `binlog_row_metadata = FULL` the
    /// column names must also be the stored ones, and ENUM and SET columns
    /// must have the stored values (a column copied as text may have more
    /// appended after them).
    ///
    /// Compatible changes pass: columns added at the end, NOT NULL added or
    /// removed on a column that was nullable. Without `FULL` metadata a
    /// column inserted or renamed is caught only where the types differ
    /// (or by [`crate::check_schema`] at the DDL). An incompatible table is
    /// [`MySqlError::IncompatibleSchema`], naming the column and what
    /// changed.
    pub fn check_table_map(&self, tme: &TableMapEvent<'_>) -> Result<(), MySqlError> {
        table_map::check(&self.table, &self.columns, tme)
    }

    /// Adopts the values MySQL appended to the table's ENUM and SET
    /// columns copied as text: `current` is the table's columns now
    /// ([`crate::current_columns`]), which [`crate::check_schema`]
    /// accepted. Binlog rows hold ENUM values as indexes and SET values as
    /// bitmasks, so the decoder needs every value a row may hold (a value
    /// it does not know is a decoding error); call it after each compatible
    /// DDL of the table and when replication (re)starts. Rows written
    /// before the values were appended still decode. Columns whose type is
    /// not the decoder's with values appended are left as they are.
    pub fn extend_labels(&mut self, current: &[CurrentColumn]) {
        for (column, now) in self.columns.iter_mut().zip(current) {
            if column.target == column::Target::Text
                && column.name == now.name
                && column::appends_labels(&column.upstream_type, &now.upstream_type)
            {
                column.kind = column::Kind::parse(&now.upstream_type);
                column.upstream_type.clone_from(&now.upstream_type);
            }
        }
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
    /// (`binlog_row_value_options = PARTIAL_JSON`). A `BinlogRow` holds
    /// only the columns its event's bitmap names; they are placed by their
    /// binlog names (`@3`, or the column's name with `binlog_row_metadata =
    /// FULL`), so columns the source excludes may be missing. Columns
    /// beyond the table's (added at its end since the source was created)
    /// are not copied. Whether the columns are still the ones the source
    /// copies is for [`TableDecoder::check_table_map`] to say, once per
    /// TABLE_MAP.
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
    /// the image holds every column of the table in order (perhaps followed
    /// by columns added to the table since, which are not copied).
    fn image_positions(&self, image: &BinlogRow) -> Result<Option<Vec<Option<usize>>>, MySqlError> {
        let image_columns = image.columns_ref();
        // The image's column p is the table's column p: named `@p`, or by
        // its name with `binlog_row_metadata = FULL`.
        let in_place = |p: usize| {
            image_columns.get(p).is_some_and(|c| {
                let name = c.name_ref();
                name == self.columns[p].name.as_bytes() || ordinal(name) == Some(p)
            })
        };
        if (0..self.columns.len()).all(in_place) {
            return Ok(None);
        }
        // A partial image (MINIMAL, NOBLOB): its columns, named `@<ordinal>`
        // or by name, are the table's in order, and columns added to the
        // table since (beyond its stored ones, or of names it lacks).
        let mut positions = vec![None; self.columns.len()];
        let mut next = 0;
        for (p, column) in image_columns.iter().enumerate() {
            let name = column.name_ref();
            let Some(i) = self
                .columns
                .iter()
                .position(|c| c.name.as_bytes() == name)
                .or_else(|| ordinal(name))
                .filter(|&i| i < self.columns.len())
            else {
                continue;
            };
            if i < next {
                return Err(MySqlError::ColumnCount {
                    table: self.table.clone(),
                    expected: self.columns.len(),
                    found: image.len(),
                });
            }
            positions[i] = Some(p);
            next = i + 1;
        }
        Ok(Some(positions))
    }
}

/// The ordinal (from 0) of a binlog column named `@<ordinal>`, as
/// `BinlogRow` names columns without `binlog_row_metadata = FULL`.
fn ordinal(name: &[u8]) -> Option<usize> {
    std::str::from_utf8(name.strip_prefix(b"@")?).ok()?.parse().ok()
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

    /// A binlog image of `(name, value)`s, `None` for a column the image
    /// leaves out.
    fn image(columns: &[(&str, Value)]) -> BinlogRow {
        use mysql_async::binlog::value::BinlogValue;
        use mysql_async::consts::ColumnType;
        let meta: Vec<mysql_async::Column> = columns
            .iter()
            .map(|(name, _)| mysql_async::Column::new(ColumnType::MYSQL_TYPE_LONG).with_name(name.as_bytes()))
            .collect();
        let values = columns
            .iter()
            .map(|(_, value)| Some(BinlogValue::Value(value.clone())))
            .collect();
        BinlogRow::new(values, meta.into())
    }

    fn ints() -> UpstreamTable {
        let int = ColumnIngest::Typed(ScalarType::Int32);
        UpstreamTable {
            schema: "shop".into(),
            name: "t".into(),
            columns: vec![
                column("id", "int", int),
                column("x", "int", ColumnIngest::Excluded),
                column("qty", "int", int),
            ],
        }
    }

    #[test]
    fn binlog_images_with_columns_added_at_the_end_decode() {
        let decoder = TableDecoder::new(&ints(), &[]);
        let decode = |image: BinlogRow| {
            let mut row = Row::default();
            decoder.decode_binlog(image, &mut row).map(|()| row)
        };
        let one_three = || Ok(Row::pack([Datum::Int32(1), Datum::Int32(3)]));
        let full = [("@0", Value::Int(1)), ("@1", Value::Int(2)), ("@2", Value::Int(3))];
        assert_eq!(decode(image(&full)), one_three());
        // Two columns added at the end, unnamed and named (FULL metadata).
        let mut wider = full.to_vec();
        wider.extend([("@3", Value::Int(4)), ("@4", Value::NULL)]);
        assert_eq!(decode(image(&wider)), one_three());
        let named = [
            ("id", Value::Int(1)),
            ("x", Value::Int(2)),
            ("qty", Value::Int(3)),
            ("extra", Value::Int(4)),
        ];
        assert_eq!(decode(image(&named)), one_three());
    }

    #[test]
    fn partial_images_place_columns_by_name() {
        let decoder = TableDecoder::new(&ints(), &[]);
        let decode = |image: BinlogRow| {
            let mut row = Row::default();
            decoder.decode_binlog(image, &mut row).map(|()| row)
        };
        let one_three = || Ok(Row::pack([Datum::Int32(1), Datum::Int32(3)]));
        // The excluded column may be missing, columns added since ignored.
        let without_x = [("@0", Value::Int(1)), ("@2", Value::Int(3)), ("@3", Value::Int(4))];
        assert_eq!(decode(image(&without_x)), one_three());
        let named = [("id", Value::Int(1)), ("qty", Value::Int(3)), ("extra", Value::Int(4))];
        assert_eq!(decode(image(&named)), one_three());
        // As many columns as the table, but not its own: a copied one is missing.
        let minimal = [("@0", Value::Int(1)), ("@3", Value::Int(4)), ("@4", Value::Int(5))];
        let err = decode(image(&minimal)).expect_err("qty missing");
        assert!(
            matches!(&err, MySqlError::IncompleteRowImage { missing, .. } if missing == &["qty"]),
            "{err}"
        );
        let minimal = [("@0", Value::Int(1)), ("@1", Value::Int(2)), ("@5", Value::Int(5))];
        assert!(matches!(
            decode(image(&minimal)),
            Err(MySqlError::IncompleteRowImage { .. })
        ));
    }

    #[test]
    fn appended_enum_and_set_values_decode_once_learnt() {
        let table = UpstreamTable {
            schema: "shop".into(),
            name: "t".into(),
            columns: vec![
                column("e", "enum('a','b')", ColumnIngest::Text),
                column("s", "set('x','y')", ColumnIngest::Text),
            ],
        };
        let mut decoder = TableDecoder::new(&table, &[]);
        let mut row = Row::default();
        let new_values = || image(&[("@0", Value::Int(3)), ("@1", Value::Bytes(vec![0b101]))]);
        let err = decoder
            .decode_binlog(new_values(), &mut row)
            .expect_err("unknown index");
        assert!(err.to_string().contains("ENUM index 3 beyond its labels"), "{err}");
        let current = |e: &str, s: &str| {
            vec![
                CurrentColumn {
                    name: "e".into(),
                    upstream_type: e.into(),
                    nullable: true,
                    charset: Some("utf8mb4".into()),
                },
                CurrentColumn {
                    name: "s".into(),
                    upstream_type: s.into(),
                    nullable: true,
                    charset: Some("utf8mb4".into()),
                },
            ]
        };
        // A reordered list is not adopted.
        decoder.extend_labels(&current("enum('b','a','c')", "set('y','x','z')"));
        assert!(decoder.decode_binlog(new_values(), &mut row).is_err());
        decoder.extend_labels(&current("enum('a','b','c')", "set('x','y')"));
        let err = decoder
            .decode_binlog(new_values(), &mut row)
            .expect_err("unknown member");
        assert!(err.to_string().contains("SET bits beyond its members"), "{err}");
        decoder.extend_labels(&current("enum('a','b','c')", "set('x','y','z')"));
        decoder.decode_binlog(new_values(), &mut row).expect("decodes");
        assert_eq!(row.unpack(), vec![Datum::String("c"), Datum::String("x,z")]);
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
