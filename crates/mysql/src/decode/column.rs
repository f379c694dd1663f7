//! What the decoder knows of one column, prepared once per table: its
//! MySQL type taken apart (`COLUMN_TYPE`), its character set, and how the
//! source keeps it.

use encoding_rs::Encoding;
use freshet_repr::{ColumnIngest, ScalarType, UpstreamColumn};

use crate::types::{numbers, parse, text_allowed};

/// A column's MySQL type, as far as decoding its values needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    /// `tinyint` … `bigint`: its width in bytes (1, 2, 3, 4 or 8).
    Int {
        /// Bytes per value.
        bytes: u8,
        /// `unsigned`.
        unsigned: bool,
    },
    /// `float`.
    Float,
    /// `double`.
    Double,
    /// `decimal(p,s)`.
    Decimal {
        /// Digits after the point.
        scale: u8,
    },
    /// `date`.
    Date,
    /// `datetime(fsp)`.
    DateTime {
        /// Fractional digits of the seconds.
        fsp: u8,
    },
    /// `timestamp(fsp)`.
    Timestamp {
        /// Fractional digits of the seconds.
        fsp: u8,
    },
    /// `time(fsp)`.
    Time {
        /// Fractional digits of the seconds.
        fsp: u8,
    },
    /// `year`.
    Year,
    /// `char(n)`, padded with spaces to `length` characters.
    Char {
        /// The length in characters.
        length: u32,
    },
    /// `varchar(n)` and `tinytext` … `longtext`.
    Text,
    /// `binary(n)`, padded with zero bytes to `length` bytes.
    Binary {
        /// The length in bytes.
        length: usize,
    },
    /// `varbinary(n)` and `tinyblob` … `longblob`.
    Bytes,
    /// `json`.
    Json,
    /// `bit(n)`.
    Bit,
    /// `enum(…)`: its labels in order (index 1 is the first).
    Enum(Vec<String>),
    /// `set(…)`: its members in order (bit 0 is the first).
    Set(Vec<String>),
    /// Anything else (`geometry`, `vector`): the type's name.
    Other(String),
}

impl Kind {
    /// Takes a `COLUMN_TYPE` apart (`decimal(10,2) unsigned`, `enum('a','b')`).
    pub(super) fn parse(column_type: &str) -> Kind {
        let parsed = parse(column_type);
        let first = |default: u32| numbers(parsed.args).first().copied().unwrap_or(default);
        let fsp = || u8::try_from(first(0)).unwrap_or(6).min(6);
        let int = |bytes| Kind::Int {
            bytes,
            unsigned: parsed.unsigned,
        };
        match parsed.name.as_str() {
            "tinyint" | "bool" | "boolean" => int(1),
            "smallint" => int(2),
            "mediumint" => int(3),
            "int" | "integer" => int(4),
            "bigint" => int(8),
            "float" => Kind::Float,
            "double" | "real" => Kind::Double,
            "decimal" | "numeric" | "dec" | "fixed" => Kind::Decimal {
                scale: numbers(parsed.args)
                    .get(1)
                    .and_then(|s| u8::try_from(*s).ok())
                    .unwrap_or(0),
            },
            "date" => Kind::Date,
            "datetime" => Kind::DateTime { fsp: fsp() },
            "timestamp" => Kind::Timestamp { fsp: fsp() },
            "time" => Kind::Time { fsp: fsp() },
            "year" => Kind::Year,
            "char" => Kind::Char { length: first(1) },
            "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" => Kind::Text,
            "binary" => Kind::Binary {
                length: usize::try_from(first(1)).unwrap_or(0),
            },
            "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" => Kind::Bytes,
            "json" => Kind::Json,
            "bit" => Kind::Bit,
            "enum" => Kind::Enum(labels(parsed.args.unwrap_or(""))),
            "set" => Kind::Set(labels(parsed.args.unwrap_or(""))),
            other => Kind::Other(other.to_owned()),
        }
    }

    /// Whether values of the kind are character strings in the column's
    /// character set (in the binlog; the snapshot gets them in UTF-8).
    pub(super) fn is_character(&self) -> bool {
        matches!(self, Kind::Char { .. } | Kind::Text)
    }
}

/// The labels of an `enum(…)` or `set(…)` as `COLUMN_TYPE` prints them:
/// `'a','b''c','d\\e'`. MySQL doubles quotes and escapes backslash, NUL,
/// newline and carriage return with a backslash.
pub(super) fn labels(args: &str) -> Vec<String> {
    let mut labels = Vec::new();
    let mut chars = args.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            // Commas and spaces between labels.
            continue;
        }
        let mut label = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    label.push('\'');
                }
                '\'' => break,
                '\\' => match chars.next() {
                    Some('0') => label.push('\0'),
                    Some('n') => label.push('\n'),
                    Some('r') => label.push('\r'),
                    Some('Z') => label.push('\u{1a}'),
                    Some(other) => label.push(other),
                    None => label.push('\\'),
                },
                c => label.push(c),
            }
        }
        labels.push(label);
    }
    labels
}

/// Whether `now` is the type `stored` as `COLUMN_TYPE` prints it: the
/// same but for the case of its words, and the values of an `enum(…)` or
/// `set(…)` exactly the same (their case is part of the values).
pub(crate) fn same_type(stored: &str, now: &str) -> bool {
    match (Kind::parse(stored), Kind::parse(now)) {
        (stored @ (Kind::Enum(_) | Kind::Set(_)), now) => stored == now,
        _ => stored.eq_ignore_ascii_case(now),
    }
}

/// Whether `now` is the `enum(…)` or `set(…)` type `stored` with values
/// appended: the same kind, `stored`'s labels first, in order, and more
/// after them. Indexes (and SET bits) of the old labels stay the same.
pub(crate) fn appends_labels(stored: &str, now: &str) -> bool {
    let (stored, now) = (Kind::parse(stored), Kind::parse(now));
    match (&stored, &now) {
        (Kind::Enum(old), Kind::Enum(new)) | (Kind::Set(old), Kind::Set(new)) => {
            new.len() > old.len() && new.starts_with(old)
        }
        _ => false,
    }
}

/// How the binlog's bytes of a character column become UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Charset {
    /// `utf8mb4`, `utf8mb3`, and `binary` (checked as UTF-8 where text is needed).
    Utf8,
    /// A character set `encoding_rs` decodes (`latin1` as windows-1252).
    Encoding(&'static Encoding),
    /// `utf32`: UCS-4 big-endian.
    Utf32,
    /// A character set Freshet cannot convert: its MySQL name.
    Unsupported(String),
}

impl Charset {
    /// The converter for MySQL's character set `name` (`None`: not a
    /// character column, its bytes stay as they are).
    pub(super) fn from_mysql(name: Option<&str>) -> Charset {
        let Some(name) = name else {
            return Charset::Utf8;
        };
        let encoding = match name.to_ascii_lowercase().as_str() {
            "utf8mb4" | "utf8mb3" | "utf8" | "binary" => return Charset::Utf8,
            "utf32" => return Charset::Utf32,
            // MySQL's latin1 is windows-1252, with the five bytes 1252 leaves
            // undefined mapped to the C1 controls, as the WHATWG decoder does.
            "latin1" | "ascii" => encoding_rs::WINDOWS_1252,
            "latin2" => encoding_rs::ISO_8859_2,
            "latin5" => encoding_rs::WINDOWS_1254,
            "latin7" => encoding_rs::ISO_8859_13,
            "greek" => encoding_rs::ISO_8859_7,
            "hebrew" => encoding_rs::ISO_8859_8,
            "cp1250" => encoding_rs::WINDOWS_1250,
            "cp1251" => encoding_rs::WINDOWS_1251,
            "cp1256" => encoding_rs::WINDOWS_1256,
            "cp1257" => encoding_rs::WINDOWS_1257,
            "cp866" => encoding_rs::IBM866,
            "koi8r" => encoding_rs::KOI8_R,
            "koi8u" => encoding_rs::KOI8_U,
            "tis620" => encoding_rs::WINDOWS_874,
            "macroman" => encoding_rs::MACINTOSH,
            "gbk" | "gb2312" => encoding_rs::GBK,
            "gb18030" => encoding_rs::GB18030,
            "big5" => encoding_rs::BIG5,
            "sjis" | "cp932" => encoding_rs::SHIFT_JIS,
            "ujis" | "eucjpms" => encoding_rs::EUC_JP,
            "euckr" => encoding_rs::EUC_KR,
            "ucs2" | "utf16" => encoding_rs::UTF_16BE,
            "utf16le" => encoding_rs::UTF_16LE,
            _ => return Charset::Unsupported(name.to_owned()),
        };
        Charset::Encoding(encoding)
    }
}

/// How the source keeps a column's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// As the mapped type.
    Typed(ScalarType),
    /// As MySQL's text.
    Text,
    /// Not at all.
    Excluded,
}

/// One upstream column, prepared for decoding.
#[derive(Debug, Clone)]
pub(super) struct Column {
    /// Its name.
    pub(super) name: String,
    /// Its MySQL type as the source stored it (`COLUMN_TYPE`).
    pub(super) upstream_type: String,
    /// Its MySQL type.
    pub(super) kind: Kind,
    /// Whether it could hold NULL when the source was created.
    pub(super) nullable: bool,
    /// How many values its ENUM or SET type had when the source was
    /// created (values appended since may have been learnt).
    pub(super) created_labels: usize,
    /// Its character set, for the binlog's bytes.
    pub(super) charset: Charset,
    /// How the source keeps it.
    pub(super) target: Target,
    /// Whether `TEXT COLUMNS` could take it instead (for error hints).
    pub(super) text_allowed: bool,
}

impl Column {
    /// Prepares `column`, whose character set is `charset`.
    pub(super) fn new(column: &UpstreamColumn, charset: Option<&str>) -> Column {
        let target = match column.ingest {
            ColumnIngest::Typed(typ) => Target::Typed(typ),
            ColumnIngest::Text => Target::Text,
            ColumnIngest::Excluded => Target::Excluded,
        };
        let kind = Kind::parse(&column.upstream_type);
        let created_labels = match &kind {
            Kind::Enum(labels) | Kind::Set(labels) => labels.len(),
            _ => 0,
        };
        Column {
            name: column.name.clone(),
            upstream_type: column.upstream_type.clone(),
            kind,
            nullable: column.nullable,
            created_labels,
            charset: Charset::from_mysql(charset),
            target,
            text_allowed: target != Target::Text && text_allowed(&column.upstream_type),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_unescape_quotes_and_backslashes() {
        assert_eq!(labels("'a','b''c'"), vec!["a", "b'c"]);
        assert_eq!(labels(r#"'d\\e','x\"y','l\nm',''"#), vec!["d\\e", "x\"y", "l\nm", ""]);
        assert_eq!(labels("'a,b', 'c)'"), vec!["a,b", "c)"]);
        assert_eq!(labels(""), Vec::<String>::new());
    }

    #[test]
    fn kinds_keep_what_decoding_needs() {
        assert_eq!(
            Kind::parse("mediumint"),
            Kind::Int {
                bytes: 3,
                unsigned: false
            }
        );
        assert_eq!(
            Kind::parse("int unsigned"),
            Kind::Int {
                bytes: 4,
                unsigned: true
            }
        );
        assert_eq!(Kind::parse("decimal(65,30)"), Kind::Decimal { scale: 30 });
        assert_eq!(Kind::parse("datetime(6)"), Kind::DateTime { fsp: 6 });
        assert_eq!(Kind::parse("timestamp"), Kind::Timestamp { fsp: 0 });
        assert_eq!(Kind::parse("time(2)"), Kind::Time { fsp: 2 });
        assert_eq!(Kind::parse("binary(4)"), Kind::Binary { length: 4 });
        assert_eq!(Kind::parse("char(5)"), Kind::Char { length: 5 });
        assert_eq!(Kind::parse("bit(3)"), Kind::Bit);
        assert_eq!(
            Kind::parse("enum('a','b''c')"),
            Kind::Enum(vec!["a".into(), "b'c".into()])
        );
        assert_eq!(Kind::parse("set('x','y')"), Kind::Set(vec!["x".into(), "y".into()]));
        assert_eq!(Kind::parse("geometry"), Kind::Other("geometry".into()));
    }

    #[test]
    fn types_compare_without_case_but_values_with() {
        assert!(same_type("int unsigned", "INT UNSIGNED"));
        assert!(same_type("enum('a','b')", "ENUM('a', 'b')"));
        assert!(!same_type("enum('a','b')", "enum('a','B')"));
        assert!(!same_type("set('a')", "enum('a')"));
        assert!(!same_type("int", "bigint"));
    }

    #[test]
    fn appended_labels_keep_the_old_ones_first() {
        assert!(appends_labels("enum('a','b')", "enum('a','b','c')"));
        assert!(appends_labels("set('x')", "set('x','y','z')"));
        assert!(appends_labels("enum('a')", "ENUM('a','b''c')"));
        assert!(!appends_labels("enum('a','b')", "enum('a','b')"), "nothing appended");
        assert!(!appends_labels("enum('a','b')", "enum('b','a','c')"), "reordered");
        assert!(!appends_labels("enum('a','b')", "enum('a','c','b')"), "inserted");
        assert!(!appends_labels("enum('a','b')", "enum('a')"), "removed");
        assert!(!appends_labels("enum('a')", "set('a','b')"), "another type");
        assert!(!appends_labels("varchar(3)", "varchar(4)"));
    }

    #[test]
    fn charsets_map_to_converters() {
        assert_eq!(Charset::from_mysql(Some("utf8mb4")), Charset::Utf8);
        assert_eq!(Charset::from_mysql(None), Charset::Utf8);
        assert_eq!(
            Charset::from_mysql(Some("latin1")),
            Charset::Encoding(encoding_rs::WINDOWS_1252)
        );
        assert_eq!(Charset::from_mysql(Some("swe7")), Charset::Unsupported("swe7".into()));
    }
}
