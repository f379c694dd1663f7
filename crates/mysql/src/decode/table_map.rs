//! Checking a binlog TABLE_MAP against the table the source copies: what
//! the binlog says of the table now (its column count, each column's type
//! and width, its signedness and nullability; with `binlog_row_metadata =
//! FULL` also the names and the values of ENUM and SET columns) must
//! still be the stored table's, up to the compatible changes: columns
//! added at the end, NOT NULL added or removed on columns that were
//! nullable, values appended to ENUM and SET columns copied as text.
//!
//! Where the binlog says too little to be sure (an unknown type, metadata
//! that does not parse, labels in a character set Freshet cannot read),
//! the check passes: the DDL's check ([`crate::check_schema`]) and the
//! value decoder still stand guard.

use mysql_async::binlog::events::{OptionalMetadataField, TableMapEvent};
use mysql_async::consts::ColumnType;

use super::binlog::to_utf8;
use super::column::{Column, Kind, Target};
use crate::MySqlError;
use crate::types::{numbers, parse};

/// Checks `tme` against `columns`, the stored columns of `table`.
pub(super) fn check(table: &str, columns: &[Column], tme: &TableMapEvent<'_>) -> Result<(), MySqlError> {
    let incompatible = |detail: String| MySqlError::IncompatibleSchema {
        table: table.to_owned(),
        detail,
    };
    let count = usize::try_from(tme.columns_count()).unwrap_or(usize::MAX);
    if count < columns.len() {
        return Err(incompatible(format!(
            "it has {count} columns, the source copies {}",
            columns.len()
        )));
    }
    let meta = Metadata::read(tme);
    let nullable = tme.null_bitmask();
    // Positions among the numeric, ENUM and SET columns, which the
    // signedness and the labels are listed by.
    let (mut numeric, mut enums, mut sets) = (0, 0, 0);
    for (i, column) in columns.iter().enumerate() {
        let raw = tme.get_raw_column_type(i).ok().flatten();
        let real = tme.get_column_type(i).ok().flatten();
        let unsigned = match raw {
            Some(raw) if has_signedness(raw) => {
                numeric += 1;
                meta.unsigned.as_ref().and_then(|bits| bits.get(numeric - 1).copied())
            }
            _ => None,
        };
        let labels = match real {
            Some(ColumnType::MYSQL_TYPE_ENUM) => {
                enums += 1;
                meta.enums.get(enums - 1)
            }
            Some(ColumnType::MYSQL_TYPE_SET) => {
                sets += 1;
                meta.sets.get(sets - 1)
            }
            _ => None,
        };

        if let Some(name) = meta.names.get(i)
            && *name != column.name
        {
            return Err(incompatible(format!(
                "column {} is now \"{name}\", it was \"{}\"",
                i + 1,
                column.name
            )));
        }
        if let Some(real) = real {
            check_type(column, real, tme.get_column_metadata(i)).map_err(|binlog_type| {
                incompatible(format!(
                    "column \"{}\" is now of binlog type {binlog_type}, it was {}",
                    column.name, column.upstream_type
                ))
            })?;
        }
        let stored_type = parse(&column.upstream_type);
        if let Some(unsigned) = unsigned
            && stored_type.name != "year"
            && unsigned != stored_type.unsigned
        {
            return Err(incompatible(format!(
                "column \"{}\" is now {}, it was {}",
                column.name,
                if unsigned { "unsigned" } else { "signed" },
                column.upstream_type
            )));
        }
        if !column.nullable && nullable.get(i).is_some_and(|bit| *bit) {
            return Err(incompatible(format!("column \"{}\" now allows NULL", column.name)));
        }
        if let Some(labels) = labels {
            check_labels(column, labels).map_err(|now| {
                incompatible(format!(
                    "column \"{}\" is now {now}, it was {}",
                    column.name, column.upstream_type
                ))
            })?;
        }
    }
    Ok(())
}

/// What a TABLE_MAP's optional metadata tells, as far as it parses.
#[derive(Debug, Default)]
struct Metadata {
    /// The column names (`FULL` only).
    names: Vec<String>,
    /// For each numeric column in order, whether it is unsigned.
    unsigned: Option<Vec<bool>>,
    /// For each ENUM column in order, its values' bytes (`FULL` only).
    enums: Vec<Vec<Vec<u8>>>,
    /// For each SET column in order, its members' bytes (`FULL` only).
    sets: Vec<Vec<Vec<u8>>>,
}

impl Metadata {
    fn read(tme: &TableMapEvent<'_>) -> Metadata {
        let mut meta = Metadata::default();
        // A field that does not parse is skipped (the iterator goes on to
        // the next one, or ends when the framing itself is broken).
        for field in tme.iter_optional_meta().flatten() {
            match field {
                OptionalMetadataField::ColumnName(names) => {
                    meta.names = names
                        .iter_names()
                        .map_while(Result::ok)
                        .map(|name| name.name().into_owned())
                        .collect();
                }
                OptionalMetadataField::Signedness(bits) => {
                    meta.unsigned = Some(bits.iter().map(|bit| *bit).collect());
                }
                OptionalMetadataField::EnumStrValue(values) => {
                    meta.enums = values
                        .iter_values()
                        .map_while(Result::ok)
                        .map(|column| column.values().iter().map(|v| v.value_raw().to_vec()).collect())
                        .collect();
                }
                OptionalMetadataField::SetStrValue(values) => {
                    meta.sets = values
                        .iter_values()
                        .map_while(Result::ok)
                        .map(|column| column.values().iter().map(|v| v.value_raw().to_vec()).collect())
                        .collect();
                }
                _ => {}
            }
        }
        meta
    }
}

/// Whether MySQL lists a column of binlog type `raw` in a TABLE_MAP's
/// signedness field: the numbers, YEAR included (always flagged unsigned;
/// MySQL 9.7 does so, and `mysql_common` reads the field so).
fn has_signedness(raw: ColumnType) -> bool {
    raw.is_numeric_type()
}

/// A binlog type's name as MySQL's sources spell it, without the
/// `MYSQL_TYPE_` prefix (`LONGLONG`).
fn type_name(real: ColumnType) -> String {
    let name = format!("{real:?}");
    name.strip_prefix("MYSQL_TYPE_").map(str::to_owned).unwrap_or(name)
}

/// Checks that a column of binlog type `real` (ENUM and SET told apart
/// from STRING), with its TABLE_MAP metadata, can be `column`; on failure,
/// the binlog type as the error names it (`LONGLONG`, `NEWDECIMAL(12,4)`).
fn check_type(column: &Column, real: ColumnType, metadata: Option<&[u8]>) -> Result<(), String> {
    use ColumnType::*;
    let parsed = parse(&column.upstream_type);
    let args = numbers(parsed.args);
    let arg = |n: usize, default: u32| args.get(n).copied().unwrap_or(default);
    let fits = match parsed.name.as_str() {
        "tinyint" | "bool" | "boolean" => real == MYSQL_TYPE_TINY,
        "smallint" => real == MYSQL_TYPE_SHORT,
        "mediumint" => real == MYSQL_TYPE_INT24,
        "int" | "integer" => real == MYSQL_TYPE_LONG,
        "bigint" => real == MYSQL_TYPE_LONGLONG,
        "float" => real == MYSQL_TYPE_FLOAT,
        "double" | "real" => real == MYSQL_TYPE_DOUBLE,
        "decimal" | "numeric" | "dec" | "fixed" => matches!(real, MYSQL_TYPE_NEWDECIMAL | MYSQL_TYPE_DECIMAL),
        "date" => matches!(real, MYSQL_TYPE_DATE | MYSQL_TYPE_NEWDATE),
        "time" => matches!(real, MYSQL_TYPE_TIME2 | MYSQL_TYPE_TIME),
        "datetime" => matches!(real, MYSQL_TYPE_DATETIME2 | MYSQL_TYPE_DATETIME),
        "timestamp" => matches!(real, MYSQL_TYPE_TIMESTAMP2 | MYSQL_TYPE_TIMESTAMP),
        "year" => real == MYSQL_TYPE_YEAR,
        "char" | "binary" => real == MYSQL_TYPE_STRING,
        "varchar" | "varbinary" => matches!(real, MYSQL_TYPE_VARCHAR | MYSQL_TYPE_VAR_STRING),
        "tinytext" | "text" | "mediumtext" | "longtext" | "tinyblob" | "blob" | "mediumblob" | "longblob" => {
            matches!(
                real,
                MYSQL_TYPE_BLOB | MYSQL_TYPE_TINY_BLOB | MYSQL_TYPE_MEDIUM_BLOB | MYSQL_TYPE_LONG_BLOB
            )
        }
        "json" => real == MYSQL_TYPE_JSON,
        "bit" => real == MYSQL_TYPE_BIT,
        "enum" => real == MYSQL_TYPE_ENUM,
        "set" => real == MYSQL_TYPE_SET,
        "geometry" | "point" | "linestring" | "polygon" | "multipoint" | "multilinestring" | "multipolygon"
        | "geometrycollection" | "geomcollection" => real == MYSQL_TYPE_GEOMETRY,
        "vector" => real == MYSQL_TYPE_VECTOR,
        // A type this check does not know: the value decoder judges it.
        _ => true,
    };
    if !fits {
        return Err(type_name(real));
    }
    // The widths the metadata tells exactly.
    let name = type_name(real);
    match (real, metadata) {
        (MYSQL_TYPE_NEWDECIMAL, Some(&[precision, scale, ..]))
            if (u32::from(precision), u32::from(scale)) != (arg(0, 10), arg(1, 0)) =>
        {
            return Err(format!("{name}({precision},{scale})"));
        }
        (MYSQL_TYPE_TIME2 | MYSQL_TYPE_DATETIME2 | MYSQL_TYPE_TIMESTAMP2, Some(&[fsp, ..]))
            if u32::from(fsp) != arg(0, 0) =>
        {
            return Err(format!("{name}({fsp})"));
        }
        (MYSQL_TYPE_BIT, Some(&[bits, bytes, ..])) => {
            let width = u32::from(bytes) * 8 + u32::from(bits);
            if width != arg(0, 1) {
                return Err(format!("{name}({width})"));
            }
        }
        (MYSQL_TYPE_BLOB, Some(&[length_bytes, ..])) => {
            let stored = match parsed.name.as_str() {
                "tinytext" | "tinyblob" => 1,
                "text" | "blob" => 2,
                "mediumtext" | "mediumblob" => 3,
                _ => 4,
            };
            if length_bytes != stored {
                return Err(format!("{name} with {length_bytes}-byte lengths"));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Checks an ENUM's values or a SET's members (their bytes in the
/// column's character set) against `column`'s: the same, or, for a column
/// copied as text, the values it had when the source was created followed
/// by appended ones, in the order the decoder knows them (a TABLE_MAP
/// older than the values the decoder learnt lists fewer). On failure, the
/// type they make (`enum('a','c')`).
fn check_labels(column: &Column, binlog: &[Vec<u8>]) -> Result<(), String> {
    let (stored, keyword) = match &column.kind {
        Kind::Enum(labels) => (labels, "enum"),
        Kind::Set(members) => (members, "set"),
        _ => return Ok(()),
    };
    let mut now = Vec::with_capacity(binlog.len());
    for bytes in binlog {
        // Labels Freshet cannot read in the column's character set are
        // not compared.
        let Ok(utf8) = to_utf8(&column.charset, bytes.clone()) else {
            return Ok(());
        };
        let Ok(label) = String::from_utf8(utf8) else {
            return Ok(());
        };
        now.push(label);
    }
    let common = now.len().min(stored.len());
    let appended =
        column.target == Target::Text && now.len() >= column.created_labels && now[..common] == stored[..common];
    if now == *stored || appended {
        return Ok(());
    }
    let quoted: Vec<String> = now.iter().map(|l| format!("'{}'", l.replace('\'', "''"))).collect();
    Err(format!("{keyword}({})", quoted.join(",")))
}

#[cfg(test)]
mod tests {
    use freshet_repr::{ColumnIngest, ScalarType, UpstreamColumn, UpstreamTable};
    use mysql_async::binlog::BinlogVersion;
    use mysql_async::binlog::events::{Event, FormatDescriptionEvent};

    use super::*;
    use crate::decode::TableDecoder;

    /// One column of a hand-made TABLE_MAP: its binlog type, metadata and
    /// nullability.
    type MapColumn<'a> = (ColumnType, &'a [u8], bool);

    /// The optional metadata fields' type codes.
    const SIGNEDNESS: u8 = 1;
    const COLUMN_NAME: u8 = 4;
    const SET_STR_VALUE: u8 = 5;
    const ENUM_STR_VALUE: u8 = 6;

    /// A TABLE_MAP event of `shop.t` as MySQL writes it: `columns`, then
    /// the optional metadata `fields` (type code, value).
    fn table_map(columns: &[MapColumn<'_>], fields: &[(u8, Vec<u8>)]) -> Event {
        let mut body = vec![1, 0, 0, 0, 0, 0, 1, 0];
        for name in ["shop", "t"] {
            body.push(byte(name.len()));
            body.extend_from_slice(name.as_bytes());
            body.push(0);
        }
        body.push(byte(columns.len()));
        body.extend(columns.iter().map(|(typ, _, _)| *typ as u8));
        let metadata: Vec<u8> = columns.iter().flat_map(|(_, meta, _)| meta.iter().copied()).collect();
        body.push(byte(metadata.len()));
        body.extend(metadata);
        let mut nulls = vec![0u8; columns.len().div_ceil(8)];
        for (i, (_, _, nullable)) in columns.iter().enumerate() {
            if *nullable {
                nulls[i / 8] |= 1 << (i % 8);
            }
        }
        body.extend(nulls);
        for (code, value) in fields {
            body.push(*code);
            body.push(byte(value.len()));
            body.extend(value);
        }
        let mut event = vec![0, 0, 0, 0, 19, 1, 0, 0, 0];
        event.extend(u32::try_from(19 + body.len()).expect("a short event").to_le_bytes());
        event.extend([0, 0, 0, 0, 0, 0]);
        event.extend(body);
        Event::read(&FormatDescriptionEvent::new(BinlogVersion::Version4), &event[..]).expect("a TABLE_MAP")
    }

    /// Length-prefixed strings, as the optional metadata lists them.
    fn strings(values: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        for value in values {
            out.push(byte(value.len()));
            out.extend_from_slice(value.as_bytes());
        }
        out
    }

    /// One ENUM or SET column's values, for `ENUM_STR_VALUE`/`SET_STR_VALUE`.
    fn labels(values: &[&str]) -> Vec<u8> {
        let mut out = vec![byte(values.len())];
        out.extend(strings(values));
        out
    }

    /// Signedness flags, most significant bit first.
    fn flags(unsigned: &[bool]) -> Vec<u8> {
        let mut out = vec![0u8; unsigned.len().div_ceil(8)];
        for (i, _) in unsigned.iter().enumerate().filter(|(_, u)| **u) {
            out[i / 8] |= 0x80 >> (i % 8);
        }
        out
    }

    /// A length that fits the one byte the hand-made event gives it.
    fn byte(n: usize) -> u8 {
        u8::try_from(n).expect("a short length")
    }

    const INT: ColumnType = ColumnType::MYSQL_TYPE_LONG;
    const STRING: ColumnType = ColumnType::MYSQL_TYPE_STRING;

    fn column(name: &str, upstream_type: &str, nullable: bool, ingest: ColumnIngest) -> UpstreamColumn {
        UpstreamColumn {
            name: name.into(),
            upstream_type: upstream_type.into(),
            nullable,
            invisible: false,
            ingest,
        }
    }

    /// `shop.t (id int NOT NULL, qty int unsigned, e enum('a','b') NOT NULL)`, e as text.
    fn decoder() -> TableDecoder {
        let table = UpstreamTable {
            schema: "shop".into(),
            name: "t".into(),
            columns: vec![
                column("id", "int", false, ColumnIngest::Typed(ScalarType::Int32)),
                column("qty", "int unsigned", true, ColumnIngest::Typed(ScalarType::UInt32)),
                column("e", "enum('a','b')", false, ColumnIngest::Text),
            ],
        };
        TableDecoder::new(&table, &[None, None, Some("utf8mb4".into())])
    }

    /// The table's own columns, as MySQL maps them.
    fn same() -> Vec<MapColumn<'static>> {
        vec![(INT, &[], false), (INT, &[], true), (STRING, &[247, 1], false)]
    }

    /// `FULL` metadata for `names` and `shop.t`'s numeric and ENUM columns.
    fn full(names: &[&str], unsigned: &[bool], enum_values: &[&str]) -> Vec<(u8, Vec<u8>)> {
        vec![
            (SIGNEDNESS, flags(unsigned)),
            (COLUMN_NAME, strings(names)),
            (ENUM_STR_VALUE, labels(enum_values)),
        ]
    }

    fn check(columns: &[MapColumn<'_>], fields: &[(u8, Vec<u8>)]) -> Result<(), String> {
        let event = table_map(columns, fields);
        let tme: TableMapEvent<'_> = event.read_event().expect("parses");
        decoder().check_table_map(&tme).map_err(|e| match e {
            MySqlError::IncompatibleSchema { table, detail } if table == "shop.t" => detail,
            other => panic!("{other:?}"),
        })
    }

    #[test]
    fn the_stored_table_passes() {
        assert_eq!(check(&same(), &[]), Ok(()));
        assert_eq!(check(&same(), &[(SIGNEDNESS, flags(&[false, true]))]), Ok(()));
        assert_eq!(
            check(&same(), &full(&["id", "qty", "e"], &[false, true], &["a", "b"])),
            Ok(())
        );
    }

    #[test]
    fn columns_added_at_the_end_pass() {
        let mut added = same();
        added.push((ColumnType::MYSQL_TYPE_LONGLONG, &[], true));
        added.push((ColumnType::MYSQL_TYPE_BLOB, &[2], true));
        assert_eq!(check(&added, &[(SIGNEDNESS, flags(&[false, true, false]))]), Ok(()));
        let names = ["id", "qty", "e", "extra", "note"];
        assert_eq!(check(&added, &full(&names, &[false, true, false], &["a", "b"])), Ok(()));
    }

    #[test]
    fn fewer_columns_are_incompatible() {
        let mut fewer = same();
        fewer.pop();
        assert_eq!(check(&fewer, &[]), Err("it has 2 columns, the source copies 3".into()));
    }

    #[test]
    fn other_types_are_incompatible() {
        let mut bigger = same();
        bigger[1].0 = ColumnType::MYSQL_TYPE_LONGLONG;
        assert_eq!(
            check(&bigger, &[]),
            Err("column \"qty\" is now of binlog type LONGLONG, it was int unsigned".into())
        );
        let mut text = same();
        text[0] = (ColumnType::MYSQL_TYPE_VARCHAR, &[40, 0], false);
        assert_eq!(
            check(&text, &[]),
            Err("column \"id\" is now of binlog type VARCHAR, it was int".into())
        );
        let mut set = same();
        set[2].1 = &[248, 1];
        assert_eq!(
            check(&set, &[]),
            Err("column \"e\" is now of binlog type SET, it was enum('a','b')".into())
        );
        let mut char = same();
        char[2].1 = &[254, 4];
        assert_eq!(
            check(&char, &[]),
            Err("column \"e\" is now of binlog type STRING, it was enum('a','b')".into())
        );
    }

    #[test]
    fn an_inserted_column_is_caught_by_its_name_or_type() {
        // `ADD COLUMN x int AFTER id`: the types alone match.
        let inserted: Vec<MapColumn<'_>> = vec![
            (INT, &[], false),
            (INT, &[], true),
            (INT, &[], true),
            (STRING, &[247, 1], false),
        ];
        assert_eq!(
            check(
                &inserted,
                &full(&["id", "x", "qty", "e"], &[false, false, true], &["a", "b"])
            ),
            Err("column 2 is now \"x\", it was \"qty\"".into())
        );
        // Without names, the signedness tells.
        assert_eq!(
            check(&inserted, &[(SIGNEDNESS, flags(&[false, false, true]))]),
            Err("column \"qty\" is now signed, it was int unsigned".into())
        );
        // A renamed column.
        assert_eq!(
            check(&same(), &full(&["id", "quantity", "e"], &[false, true], &["a", "b"])),
            Err("column 2 is now \"quantity\", it was \"qty\"".into())
        );
    }

    #[test]
    fn signedness_must_match() {
        assert_eq!(
            check(&same(), &[(SIGNEDNESS, flags(&[true, true]))]),
            Err("column \"id\" is now unsigned, it was int".into())
        );
    }

    #[test]
    fn year_columns_take_a_signedness_flag() {
        let table = UpstreamTable {
            schema: "shop".into(),
            name: "t".into(),
            columns: vec![
                column("y", "year", true, ColumnIngest::Text),
                column("u", "int unsigned", true, ColumnIngest::Typed(ScalarType::UInt32)),
            ],
        };
        let decoder = TableDecoder::new(&table, &[]);
        let check = |unsigned: &[bool]| {
            let columns: Vec<MapColumn<'_>> = vec![(ColumnType::MYSQL_TYPE_YEAR, &[], true), (INT, &[], true)];
            let event = table_map(&columns, &[(SIGNEDNESS, flags(unsigned))]);
            let tme: TableMapEvent<'_> = event.read_event().expect("parses");
            decoder.check_table_map(&tme).map_err(|e| e.to_string())
        };
        // MySQL flags YEAR unsigned; its flag says nothing of the stored type.
        assert_eq!(check(&[true, true]), Ok(()));
        assert_eq!(check(&[false, true]), Ok(()));
        assert!(check(&[true, false]).is_err_and(|e| e.contains("column \"u\" is now signed")));
    }

    #[test]
    fn not_null_columns_must_stay_not_null() {
        let mut nullable = same();
        nullable[0].2 = true;
        assert_eq!(check(&nullable, &[]), Err("column \"id\" now allows NULL".into()));
        // qty was nullable: NOT NULL may come and go.
        let mut not_null = same();
        not_null[1].2 = false;
        assert_eq!(check(&not_null, &[]), Ok(()));
    }

    #[test]
    fn enum_values_may_be_appended_to_text_columns() {
        let names = ["id", "qty", "e"];
        assert_eq!(check(&same(), &full(&names, &[false, true], &["a", "b", "c"])), Ok(()));
        assert_eq!(
            check(&same(), &full(&names, &[false, true], &["b", "a"])),
            Err("column \"e\" is now enum('b','a'), it was enum('a','b')".into())
        );
        assert_eq!(
            check(&same(), &full(&names, &[false, true], &["a"])),
            Err("column \"e\" is now enum('a'), it was enum('a','b')".into())
        );
        assert_eq!(
            check(&same(), &full(&names, &[false, true], &["a", "x'y", "b"])),
            Err("column \"e\" is now enum('a','x''y','b'), it was enum('a','b')".into())
        );
    }

    #[test]
    fn older_table_maps_may_lack_values_the_decoder_learnt() {
        let mut decoder = decoder();
        let current = |e: &str| {
            [("id", "int"), ("qty", "int unsigned"), ("e", e)]
                .into_iter()
                .map(|(name, upstream_type)| crate::CurrentColumn {
                    name: name.into(),
                    upstream_type: upstream_type.into(),
                    nullable: true,
                    charset: None,
                })
                .collect::<Vec<_>>()
        };
        decoder.extend_labels(&current("enum('a','b','c','d')"));
        let check = |values: &[&str]| {
            let event = table_map(&same(), &full(&["id", "qty", "e"], &[false, true], values));
            let tme: TableMapEvent<'_> = event.read_event().expect("parses");
            decoder.check_table_map(&tme).map_err(|e| e.to_string())
        };
        assert_eq!(check(&["a", "b"]), Ok(()));
        assert_eq!(check(&["a", "b", "c"]), Ok(()));
        assert_eq!(check(&["a", "b", "c", "d", "e"]), Ok(()));
        assert!(
            check(&["a"]).is_err_and(|e| e.contains("column \"e\" is now enum('a'), it was enum('a','b','c','d')"))
        );
        assert!(check(&["a", "b", "d"]).is_err());
    }

    #[test]
    fn widths_the_metadata_tells_must_match() {
        let table = UpstreamTable {
            schema: "shop".into(),
            name: "t".into(),
            columns: vec![
                column("d", "decimal(10,2)", true, ColumnIngest::Typed(ScalarType::Int32)),
                column("ts", "datetime(3)", true, ColumnIngest::Typed(ScalarType::Timestamp)),
                column("b", "bit(10)", true, ColumnIngest::Typed(ScalarType::UInt64)),
                column("t", "mediumtext", true, ColumnIngest::Typed(ScalarType::Text)),
                column("y", "year", true, ColumnIngest::Text),
                column("s", "set('x','y')", true, ColumnIngest::Excluded),
                column("c", "char(4)", true, ColumnIngest::Typed(ScalarType::Text)),
            ],
        };
        let decoder = TableDecoder::new(&table, &[]);
        let check = |columns: &[MapColumn<'_>], fields: &[(u8, Vec<u8>)]| {
            let event = table_map(columns, fields);
            let tme: TableMapEvent<'_> = event.read_event().expect("parses");
            decoder.check_table_map(&tme).map_err(|e| e.to_string())
        };
        let columns: Vec<MapColumn<'_>> = vec![
            (ColumnType::MYSQL_TYPE_NEWDECIMAL, &[10, 2], true),
            (ColumnType::MYSQL_TYPE_DATETIME2, &[3], true),
            (ColumnType::MYSQL_TYPE_BIT, &[2, 1], true),
            (ColumnType::MYSQL_TYPE_BLOB, &[3], true),
            (ColumnType::MYSQL_TYPE_YEAR, &[], true),
            (STRING, &[248, 1], true),
            (STRING, &[254, 16], true),
        ];
        let signedness = || (SIGNEDNESS, flags(&[false, true]));
        assert_eq!(check(&columns, &[signedness()]), Ok(()));
        let changed = |i: usize, change: MapColumn<'static>| {
            let mut columns = columns.clone();
            columns[i] = change;
            check(&columns, &[signedness()]).expect_err("incompatible")
        };
        let message = |detail: &str| format!("incompatible schema change in shop.t: {detail}");
        assert_eq!(
            changed(0, (ColumnType::MYSQL_TYPE_NEWDECIMAL, &[12, 4], true)),
            message("column \"d\" is now of binlog type NEWDECIMAL(12,4), it was decimal(10,2)")
        );
        assert_eq!(
            changed(1, (ColumnType::MYSQL_TYPE_DATETIME2, &[6], true)),
            message("column \"ts\" is now of binlog type DATETIME2(6), it was datetime(3)")
        );
        assert_eq!(
            changed(1, (ColumnType::MYSQL_TYPE_TIMESTAMP2, &[3], true)),
            message("column \"ts\" is now of binlog type TIMESTAMP2, it was datetime(3)")
        );
        assert_eq!(
            changed(2, (ColumnType::MYSQL_TYPE_BIT, &[0, 2], true)),
            message("column \"b\" is now of binlog type BIT(16), it was bit(10)")
        );
        assert_eq!(
            changed(3, (ColumnType::MYSQL_TYPE_BLOB, &[4], true)),
            message("column \"t\" is now of binlog type BLOB with 4-byte lengths, it was mediumtext")
        );
        assert_eq!(
            changed(6, (ColumnType::MYSQL_TYPE_VARCHAR, &[16, 0], true)),
            message("column \"c\" is now of binlog type VARCHAR, it was char(4)")
        );
        // An excluded SET column must keep its members exactly.
        let names = || (COLUMN_NAME, strings(&["d", "ts", "b", "t", "y", "s", "c"]));
        assert_eq!(
            check(&columns, &[signedness(), names(), (SET_STR_VALUE, labels(&["x", "y"]))]),
            Ok(())
        );
        assert_eq!(
            check(
                &columns,
                &[signedness(), names(), (SET_STR_VALUE, labels(&["x", "y", "z"]))]
            ),
            Err(message("column \"s\" is now set('x','y','z'), it was set('x','y')"))
        );
    }

    #[test]
    fn unknown_metadata_is_not_held_against_the_table() {
        // A signedness field too short to parse, and a field type MySQL
        // may add later: skipped.
        assert_eq!(check(&same(), &[(SIGNEDNESS, vec![]), (200, vec![1, 2])]), Ok(()));
    }
}
