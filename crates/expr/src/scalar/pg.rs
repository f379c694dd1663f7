//! PostgreSQL's catalog helpers that need no catalog (`format_type`), and
//! the operations on arrays (`array_to_string`, `= ANY (array)`).

use freshet_repr::{ArrayRef, Datum, ScalarType, format_datum};

/// `format_type(type_oid, typmod)`: the type's SQL name with its modifiers
/// (`numeric(12,2)`, `character varying(10)`); `???` for an OID that names
/// no type, as PostgreSQL prints it.
pub(crate) fn format_type(oid: u32, typmod: i32) -> String {
    match ScalarType::from_oid(oid) {
        Some(ScalarType::Char { .. }) if typmod < 0 => "character".to_owned(),
        Some(typ) => typ.with_typmod(typmod).to_string(),
        None => "???".to_owned(),
    }
}

/// `array_to_string(array, separator)`: the non-null elements' text forms,
/// joined.
pub(crate) fn array_to_string(array: ArrayRef<'_>, separator: &str) -> String {
    let mut out = String::new();
    for (i, element) in array.elements().filter(|d| !d.is_null()).enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        format_datum(element, &ScalarType::Text, &mut out);
    }
    out
}

/// `value = ANY (array)`: true if an element equals `value`, else `NULL`
/// if an element is `NULL`, else false.
pub(crate) fn any_eq<'a>(value: Datum<'a>, array: ArrayRef<'a>) -> Datum<'a> {
    let mut saw_null = false;
    for element in array.elements() {
        if element.is_null() {
            saw_null = true;
        } else if element == value {
            return Datum::True;
        }
    }
    if saw_null { Datum::Null } else { Datum::False }
}

#[cfg(test)]
mod tests {
    use freshet_repr::{ElementType, RowArena, parse_datum};

    use super::*;

    fn array<'a>(arena: &'a RowArena, element: ElementType, text: &str) -> ArrayRef<'a> {
        match parse_datum(&ScalarType::Array(element), text, arena) {
            Ok(Datum::Array(a)) => a,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn format_type_prints_modifiers() {
        assert_eq!(format_type(1700, ((12 << 16) | 2) + 4), "numeric(12,2)");
        assert_eq!(format_type(1043, 14), "character varying(10)");
        assert_eq!(format_type(23, -1), "integer");
        assert_eq!(format_type(1028, -1), "oid[]");
        assert_eq!(format_type(99_999, -1), "???");
    }

    #[test]
    fn arrays_join_and_compare_with_three_valued_logic() {
        let arena = RowArena::new();
        let texts = array(&arena, ElementType::Text, "{a,NULL,\"b c\"}");
        assert_eq!(array_to_string(texts, ", "), "a, b c");
        let oids = array(&arena, ElementType::Oid, "{1,NULL}");
        assert_eq!(any_eq(Datum::UInt32(1), oids), Datum::True);
        assert!(any_eq(Datum::UInt32(2), oids).is_null());
        let oids = array(&arena, ElementType::Oid, "{1}");
        assert_eq!(any_eq(Datum::UInt32(2), oids), Datum::False);
    }
}
