//! The SQL type each MySQL column type maps to (reference/catalog.md), and
//! which types `TEXT COLUMNS` can hold.

use freshet_repr::{NUMERIC_MAX_PRECISION, ScalarType};

/// A MySQL `COLUMN_TYPE` taken apart: `decimal(10,2) unsigned zerofill`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ParsedType<'a> {
    /// The type's name, lower-case (`decimal`).
    pub(crate) name: String,
    /// What its parentheses hold, if any (`10,2`).
    pub(crate) args: Option<&'a str>,
    /// `unsigned` (or `zerofill`, which implies it).
    pub(crate) unsigned: bool,
}

/// Takes a `COLUMN_TYPE` apart.
pub(crate) fn parse(column_type: &str) -> ParsedType<'_> {
    let trimmed = column_type.trim();
    let name_end = trimmed
        .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .unwrap_or(trimmed.len());
    let name = trimmed[..name_end].to_ascii_lowercase();
    let rest = &trimmed[name_end..];
    let (args, flags) = match rest.strip_prefix('(').and_then(|r| r.rfind(')').map(|end| (r, end))) {
        Some((r, end)) => (Some(&r[..end]), &r[end + 1..]),
        None => (None, rest),
    };
    let flags = flags.to_ascii_lowercase();
    ParsedType {
        name,
        args,
        unsigned: flags.contains("unsigned") || flags.contains("zerofill"),
    }
}

/// The numbers in a type's parentheses (`10,2` → `[10, 2]`).
pub(crate) fn numbers(args: Option<&str>) -> Vec<u32> {
    args.map(|a| a.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_default()
}

/// The type a MySQL column of `column_type` is copied as, or `None` when
/// Freshet has no type for it (it must then be a `TEXT` or excluded column).
pub fn mapped_type(column_type: &str) -> Option<ScalarType> {
    let parsed = parse(column_type);
    let int = |signed, unsigned| Some(if parsed.unsigned { unsigned } else { signed });
    match parsed.name.as_str() {
        // tinyint(1) is MySQL's boolean, but its values are 0..255 or -128..127.
        "tinyint" | "smallint" => int(ScalarType::Int16, ScalarType::UInt16),
        "mediumint" | "int" | "integer" => int(ScalarType::Int32, ScalarType::UInt32),
        "bigint" => int(ScalarType::Int64, ScalarType::UInt64),
        "float" => Some(ScalarType::Float32),
        "double" | "real" => Some(ScalarType::Float64),
        "decimal" | "numeric" | "dec" | "fixed" => {
            let n = numbers(parsed.args);
            let precision = n.first().copied().unwrap_or(10);
            let scale = n.get(1).copied().unwrap_or(0);
            let precision = u8::try_from(precision).ok().filter(|p| *p <= NUMERIC_MAX_PRECISION)?;
            Some(ScalarType::Numeric {
                precision: Some(precision),
                scale: Some(u8::try_from(scale).ok()?),
            })
        }
        "date" => Some(ScalarType::Date),
        "datetime" | "timestamp" => Some(ScalarType::Timestamp),
        "time" => Some(ScalarType::Time),
        "char" => Some(ScalarType::Char {
            length: numbers(parsed.args).first().copied().unwrap_or(1),
        }),
        "varchar" => Some(ScalarType::VarChar {
            max_length: numbers(parsed.args).first().copied(),
        }),
        "tinytext" | "text" | "mediumtext" | "longtext" => Some(ScalarType::Text),
        "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" => Some(ScalarType::Bytes),
        "json" => Some(ScalarType::Jsonb),
        "bit" => Some(ScalarType::UInt64),
        _ => None,
    }
}

/// Whether a column of `column_type` can be a `TEXT COLUMNS` column: its
/// values then arrive as MySQL prints them.
pub fn text_allowed(column_type: &str) -> bool {
    matches!(
        parse(column_type).name.as_str(),
        "enum" | "set" | "year" | "json" | "date" | "datetime" | "timestamp" | "time"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_keep_their_sign() {
        assert_eq!(mapped_type("tinyint(1)"), Some(ScalarType::Int16));
        assert_eq!(mapped_type("tinyint unsigned"), Some(ScalarType::UInt16));
        assert_eq!(mapped_type("mediumint"), Some(ScalarType::Int32));
        assert_eq!(mapped_type("int unsigned zerofill"), Some(ScalarType::UInt32));
        assert_eq!(mapped_type("int(10) zerofill"), Some(ScalarType::UInt32));
        assert_eq!(mapped_type("bigint unsigned"), Some(ScalarType::UInt64));
        assert_eq!(mapped_type("BIGINT"), Some(ScalarType::Int64));
    }

    #[test]
    fn parameterized_types_keep_their_parameters() {
        assert_eq!(
            mapped_type("decimal(65,30)"),
            Some(ScalarType::Numeric {
                precision: Some(65),
                scale: Some(30)
            })
        );
        assert_eq!(
            mapped_type("decimal(10,2) unsigned"),
            Some(ScalarType::Numeric {
                precision: Some(10),
                scale: Some(2)
            })
        );
        assert_eq!(mapped_type("char(3)"), Some(ScalarType::Char { length: 3 }));
        assert_eq!(
            mapped_type("varchar(20)"),
            Some(ScalarType::VarChar { max_length: Some(20) })
        );
        assert_eq!(mapped_type("datetime(6)"), Some(ScalarType::Timestamp));
        assert_eq!(mapped_type("bit(8)"), Some(ScalarType::UInt64));
        assert_eq!(mapped_type("binary(4)"), Some(ScalarType::Bytes));
    }

    #[test]
    fn types_without_a_mapping_need_text_or_exclusion() {
        for t in [
            "enum('a','b')",
            "set('x','y')",
            "year",
            "geometry",
            "point",
            "vector(3)",
        ] {
            assert_eq!(mapped_type(t), None, "{t}");
        }
        assert!(text_allowed("enum('a','b)','c')"));
        assert!(text_allowed("year"));
        assert!(text_allowed("time(3)"));
        assert!(!text_allowed("geometry"));
        assert!(!text_allowed("int"));
    }
}
