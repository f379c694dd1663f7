//! What PostgreSQL clients need to browse the catalog (psql's `\d`, GUI
//! tools): the catalog functions (`pg_get_userbyid`, `pg_table_is_visible`,
//! `format_type`, `pg_get_indexdef`, …), `regclass`/`regtype` literals,
//! regular-expression operators (`~`, `OPERATOR(pg_catalog.~)`), `COLLATE`,
//! and arrays (`ARRAY[…]`, `ARRAY(subquery)`, `= ANY (array)`).
//!
//! Functions that read the catalog are defined in SQL over the
//! `pg_catalog` relations, as PostgreSQL defines some of its own: their
//! body is planned where they are called, with each `$n` standing for an
//! argument planned beforehand (so the body's own names never capture
//! the caller's columns).

use std::rc::Rc;

use freshet_expr::{BinaryFunc, VariadicFunc};
use freshet_repr::{Datum, ElementType, ScalarType};
use sqlparser::ast::{self, BinaryOperator, Expr, ObjectName};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use super::{ExprContext, Typed, coerce, plan_expr, plan_homogeneous};
use crate::PlanError;
use crate::names::{name_parts, resolve_item, search_schemas};
use crate::plan::hir::HirScalar;
use crate::plan::typeconv::CastContext;
use crate::plan::types::scalar_type_from_sql;

/// The arguments of a call of a function defined in SQL, as its body's
/// `$n` read them.
#[derive(Debug)]
pub(crate) struct MacroArgs {
    /// The arguments, planned where the function is called.
    args: Vec<Typed>,
    /// How many queries enclose the call (`QueryContext::outer`'s length).
    depth: usize,
}

/// The schemas whose functions a name may be qualified with.
const FUNCTION_SCHEMAS: &[&str] = &["pg_catalog", "mz_catalog"];

/// A function's name, lowercased, without a `pg_catalog.` or
/// `mz_catalog.` qualifier (builtin functions live there).
pub(crate) fn function_name(name: &ObjectName) -> String {
    let full = name.to_string().to_lowercase();
    FUNCTION_SCHEMAS
        .iter()
        .find_map(|schema| full.strip_prefix(&format!("{schema}.")))
        .map_or_else(|| full.clone(), str::to_owned)
}

/// `$n` inside the body of a function defined in SQL: the argument, its
/// references to enclosing queries moved as deep as the body's use.
pub(crate) fn macro_arg(ecx: &ExprContext<'_>, args: &MacroArgs, placeholder: &str) -> Result<Typed, PlanError> {
    let index = placeholder
        .strip_prefix('$')
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| (1..=args.args.len()).contains(n))
        .ok_or_else(|| PlanError::Unsupported(format!("parameter {placeholder}")))?;
    Ok(match args.args[index - 1].clone() {
        Typed::Expr(mut expr, typ) => {
            let by = ecx.qcx.outer.len().saturating_sub(args.depth);
            if by > 0 {
                expr.shift_outer(0, by);
            }
            Typed::Expr(expr, typ)
        }
        other => other,
    })
}

/// Plans `body`, an expression whose `$n` stand for `args`.
fn plan_macro(ecx: &ExprContext<'_>, body: &str, args: Vec<Typed>) -> Result<Typed, PlanError> {
    let expr = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(body)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| PlanError::Unsupported(format!("the definition of a builtin function: {e}")))?;
    let mut qcx = ecx.qcx.clone();
    qcx.macro_args = Some(Rc::new(MacroArgs {
        args,
        depth: ecx.qcx.outer.len(),
    }));
    let inner = ExprContext { qcx: &qcx, ..*ecx };
    plan_expr(&inner, &expr)
}

/// A text literal.
fn text_literal(s: &str) -> Typed {
    Typed::Expr(
        HirScalar::literal(Datum::String(s), ScalarType::Text),
        ScalarType::Text.nullable(false),
    )
}

/// `pg_table_is_visible(oid)`'s body for the session's search path: the
/// relation's schema is searched, and no relation of the same name comes
/// earlier in the search.
fn table_is_visible_body(ecx: &ExprContext<'_>) -> String {
    let oids: Vec<u32> = search_schemas(ecx.qcx.catalog).iter().map(|s| s.oid).collect();
    if oids.is_empty() {
        return "CASE WHEN $1 IS NULL THEN NULL ELSE false END".into();
    }
    let list = oids.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
    let position = |column: &str| {
        let arms: String = oids
            .iter()
            .enumerate()
            .map(|(i, oid)| format!(" WHEN {oid} THEN {i}"))
            .collect();
        format!("(CASE {column}{arms} END)")
    };
    format!(
        "CASE WHEN $1 IS NULL THEN NULL ELSE EXISTS (SELECT 1 FROM pg_catalog.pg_class AS mz_c \
         WHERE mz_c.oid = $1 AND mz_c.relnamespace IN ({list}) AND NOT EXISTS (\
         SELECT 1 FROM pg_catalog.pg_class AS mz_d WHERE mz_d.relname = mz_c.relname \
         AND mz_d.relnamespace IN ({list}) AND {} < {})) END",
        position("mz_d.relnamespace"),
        position("mz_c.relnamespace"),
    )
}

/// `pg_type_is_visible(oid)`'s body for the session's search path: the
/// type's schema is searched.
fn type_is_visible_body(ecx: &ExprContext<'_>) -> String {
    let oids: Vec<String> = search_schemas(ecx.qcx.catalog)
        .iter()
        .map(|s| s.oid.to_string())
        .collect();
    if oids.is_empty() {
        return "CASE WHEN $1 IS NULL THEN NULL ELSE false END".into();
    }
    format!(
        "CASE WHEN $1 IS NULL THEN NULL ELSE EXISTS (SELECT 1 FROM pg_catalog.pg_type AS mz_t \
         WHERE mz_t.oid = $1 AND mz_t.typnamespace IN ({})) END",
        oids.join(", ")
    )
}

const QUOTE_IDENT: &str = "CASE WHEN $1 ~ '^[a-z_][a-z0-9_$]*$' THEN $1 \
     ELSE '\"' || pg_catalog.replace($1, '\"', '\"\"') || '\"' END";

const GET_USERBYID: &str = "COALESCE((SELECT mz_r.rolname FROM pg_catalog.pg_roles AS mz_r WHERE mz_r.oid = $1), \
     'unknown (OID=' || CAST($1 AS pg_catalog.text) || ')')";

/// The key of an index's column `$2` (an `attname` of the index), or for 0
/// its whole definition.
const GET_INDEXDEF: &str = "CASE WHEN $2 = 0 THEN (\
     SELECT 'CREATE INDEX ' || pg_catalog.quote_ident(mz_ic.relname) || ' ON ' \
     || pg_catalog.quote_ident(mz_n.nspname) || '.' || pg_catalog.quote_ident(mz_tc.relname) \
     || ' USING ' || mz_am.amname || ' (' || COALESCE((SELECT pg_catalog.string_agg(mz_a.attname, ', ' \
     ORDER BY mz_a.attnum) FROM pg_catalog.pg_attribute AS mz_a WHERE mz_a.attrelid = mz_ic.oid), '') || ')' \
     FROM pg_catalog.pg_class AS mz_ic \
     JOIN pg_catalog.pg_index AS mz_i ON mz_i.indexrelid = mz_ic.oid \
     JOIN pg_catalog.pg_class AS mz_tc ON mz_tc.oid = mz_i.indrelid \
     JOIN pg_catalog.pg_namespace AS mz_n ON mz_n.oid = mz_tc.relnamespace \
     JOIN pg_catalog.pg_am AS mz_am ON mz_am.oid = mz_ic.relam \
     WHERE mz_ic.oid = $1) ELSE (SELECT mz_a.attname FROM pg_catalog.pg_attribute AS mz_a \
     WHERE mz_a.attrelid = $1 AND mz_a.attnum = $2) END";

const GET_VIEWDEF: &str = "(SELECT mz_v.definition FROM pg_catalog.pg_class AS mz_c \
     JOIN pg_catalog.pg_namespace AS mz_n ON mz_n.oid = mz_c.relnamespace \
     JOIN (SELECT schemaname, viewname, definition FROM pg_catalog.pg_views UNION ALL \
     SELECT schemaname, matviewname, definition FROM pg_catalog.pg_matviews) AS mz_v \
     ON mz_v.schemaname = mz_n.nspname AND mz_v.viewname = mz_c.relname WHERE mz_c.oid = $1)";

const OBJ_DESCRIPTION: &str = "(SELECT pg_catalog.min(mz_d.description) FROM pg_catalog.pg_description AS mz_d \
     WHERE mz_d.objoid = $1 AND mz_d.objsubid = 0)";

const COL_DESCRIPTION: &str = "(SELECT pg_catalog.min(mz_d.description) FROM pg_catalog.pg_description AS mz_d \
     WHERE mz_d.objoid = $1 AND mz_d.objsubid = $2)";

/// Constraints are not recorded yet: `NULL` for any OID.
const GET_CONSTRAINTDEF: &str = "(SELECT pg_catalog.min(mz_k.conbin) FROM pg_catalog.pg_constraint AS mz_k \
     WHERE mz_k.oid = $1 AND false)";

/// A size in bytes as PostgreSQL prints it: bytes below 10 kB, then the
/// largest unit that keeps the number below 10240, rounded half up.
const SIZE_PRETTY: &str = "CASE WHEN abs($1) < 10240 THEN CAST($1 AS pg_catalog.text) || ' bytes' \
     WHEN abs($1) < 10485760 THEN CAST(round($1 / 1024) AS pg_catalog.text) || ' kB' \
     WHEN abs($1) < 10737418240 THEN CAST(round($1 / 1048576) AS pg_catalog.text) || ' MB' \
     WHEN abs($1) < 10995116277760 THEN CAST(round($1 / 1073741824) AS pg_catalog.text) || ' GB' \
     ELSE CAST(round($1 / 1099511627776) AS pg_catalog.text) || ' TB' END";

/// The name of an encoding number (only UTF-8 and SQL_ASCII exist here).
const ENCODING_TO_CHAR: &str = "CASE $1 WHEN 6 THEN 'UTF8' WHEN 0 THEN 'SQL_ASCII' ELSE '' END";

const REGCLASS_TEXT: &str = "COALESCE((SELECT CASE WHEN pg_catalog.pg_table_is_visible(mz_c.oid) \
     THEN pg_catalog.quote_ident(mz_c.relname) \
     ELSE pg_catalog.quote_ident(mz_n.nspname) || '.' || pg_catalog.quote_ident(mz_c.relname) END \
     FROM pg_catalog.pg_class AS mz_c JOIN pg_catalog.pg_namespace AS mz_n ON mz_n.oid = mz_c.relnamespace \
     WHERE mz_c.oid = $1), CAST(CAST($1 AS pg_catalog.oid) AS pg_catalog.text))";

/// Plans a call of a catalog or array function, or `None` if `name` is
/// none of them.
pub(crate) fn plan_pg_function(
    ecx: &ExprContext<'_>,
    func: &ast::Function,
    name: &str,
) -> Result<Option<Typed>, PlanError> {
    if let ast::FunctionArguments::Subquery(query) = &func.args {
        if name == "array" {
            return plan_array_subquery(ecx, query).map(Some);
        }
        return Ok(None);
    }
    let known = matches!(
        name,
        "current_database"
            | "current_user"
            | "session_user"
            | "user"
            | "current_schema"
            | "current_schemas"
            | "version"
            | "format_type"
            | "pg_get_expr"
            | "array_to_string"
            | "quote_ident"
            | "pg_get_userbyid"
            | "pg_table_is_visible"
            | "pg_type_is_visible"
            | "pg_get_indexdef"
            | "pg_get_viewdef"
            | "obj_description"
            | "shobj_description"
            | "col_description"
            | "pg_get_constraintdef"
            | "pg_table_size"
            | "pg_relation_size"
            | "pg_total_relation_size"
            | "pg_indexes_size"
            | "pg_size_pretty"
            | "pg_encoding_to_char"
    );
    if !known {
        return Ok(None);
    }
    let args = super::function_args(func)?;
    let planned: Vec<Typed> = args.iter().map(|a| plan_expr(ecx, a)).collect::<Result<_, _>>()?;
    let catalog = ecx.qcx.catalog;
    let arg_types = planned.iter().map(Typed::type_name).collect::<Vec<_>>().join(", ");
    let wrong_args = || PlanError::UnknownFunction {
        name: name.to_owned(),
        args: arg_types.clone(),
    };
    let planned_len = planned.len();
    let typed = match (name, planned_len) {
        ("current_database", 0) => text_literal(catalog.active_database()),
        // Freshet has no SET ROLE: the current user is the session's.
        ("current_user" | "session_user" | "user", 0) => text_literal(catalog.session_user()),
        ("current_schema", 0) => match search_path_schemas(ecx).first() {
            Some(schema) => text_literal(schema),
            None => Typed::Expr(HirScalar::null(ScalarType::Text), ScalarType::Text.nullable(true)),
        },
        ("current_schemas", 1) => {
            let implicit = match &planned[0] {
                Typed::Expr(HirScalar::Literal(Ok(row), _), _) => row.unpack_first() == Datum::True,
                Typed::Unknown(Some(text)) => matches!(text.as_str(), "t" | "true" | "on"),
                _ => return Err(PlanError::Unsupported("current_schemas of a computed value".into())),
            };
            let names: Vec<String> = if implicit {
                search_schemas(catalog).into_iter().map(|s| s.name).collect()
            } else {
                search_path_schemas(ecx)
            };
            let exprs = names
                .iter()
                .map(|n| HirScalar::literal(Datum::String(n), ScalarType::Text))
                .collect();
            let element = ElementType::Text;
            Typed::Expr(
                HirScalar::call_variadic(VariadicFunc::ArrayCreate { element }, exprs),
                ScalarType::Array(element).nullable(false),
            )
        }
        ("version", 0) => text_literal(&format!(
            "PostgreSQL 9.5.0 on x86_64-pc-linux-gnu (Freshet {})",
            env!("CARGO_PKG_VERSION")
        )),
        ("format_type", 2) => {
            let mut planned = planned;
            let typmod = planned.pop().ok_or_else(wrong_args)?;
            let oid = planned.pop().ok_or_else(wrong_args)?;
            let typmod = match typmod {
                Typed::Unknown(None) => Typed::Expr(
                    HirScalar::literal(Datum::Int32(-1), ScalarType::Int32),
                    ScalarType::Int32.nullable(false),
                ),
                other => other,
            };
            let nullable = super::nullable(&oid) || super::nullable(&typmod);
            let oid = coerce(oid, &ScalarType::Oid, CastContext::Implicit)?;
            let typmod = coerce(typmod, &ScalarType::Int32, CastContext::Implicit)?;
            Typed::Expr(
                oid.call_binary(typmod, BinaryFunc::FormatType),
                ScalarType::Text.nullable(nullable),
            )
        }
        ("pg_get_expr", 2 | 3) => {
            let nullable = super::nullable(&planned[0]);
            let expr = coerce(planned[0].clone(), &ScalarType::Text, CastContext::Implicit)?;
            Typed::Expr(expr, ScalarType::Text.nullable(nullable))
        }
        ("array_to_string", 2) => {
            let mut planned = planned;
            let separator = planned.pop().ok_or_else(wrong_args)?;
            let array = planned.pop().ok_or_else(wrong_args)?;
            let nullable = super::nullable(&array) || super::nullable(&separator);
            let array = match array {
                Typed::Expr(e, t) if matches!(t.scalar_type, ScalarType::Array(_)) => e,
                Typed::Unknown(text) => coerce(
                    Typed::Unknown(text),
                    &ScalarType::Array(ElementType::Text),
                    CastContext::Implicit,
                )?,
                _ => return Err(wrong_args()),
            };
            let separator = coerce(separator, &ScalarType::Text, CastContext::Implicit)?;
            Typed::Expr(
                array.call_binary(separator, BinaryFunc::ArrayToString),
                ScalarType::Text.nullable(nullable),
            )
        }
        ("quote_ident", 1) => plan_macro(ecx, QUOTE_IDENT, typed_args(planned, &[TEXT], wrong_args)?)?,
        ("pg_get_userbyid", 1) => plan_macro(ecx, GET_USERBYID, typed_args(planned, &[OID], wrong_args)?)?,
        ("pg_table_is_visible", 1) => {
            let args = typed_args(planned, &[OID], wrong_args)?;
            plan_macro(ecx, &table_is_visible_body(ecx), args)?
        }
        ("pg_type_is_visible", 1) => {
            let args = typed_args(planned, &[OID], wrong_args)?;
            plan_macro(ecx, &type_is_visible_body(ecx), args)?
        }
        ("pg_get_indexdef", 1) => {
            let mut args = typed_args(planned, &[OID], wrong_args)?;
            args.push(Typed::Expr(
                HirScalar::literal(Datum::Int32(0), ScalarType::Int32),
                ScalarType::Int32.nullable(false),
            ));
            plan_macro(ecx, GET_INDEXDEF, args)?
        }
        ("pg_get_indexdef", 3) => {
            let args = typed_args(planned, &[OID, ScalarType::Int32, ScalarType::Bool], wrong_args)?;
            plan_macro(ecx, GET_INDEXDEF, args)?
        }
        ("pg_get_viewdef", 1) => plan_macro(ecx, GET_VIEWDEF, typed_args(planned, &[OID], wrong_args)?)?,
        ("pg_get_viewdef", 2) => {
            let args = typed_args(planned, &[OID, ScalarType::Bool], wrong_args)?;
            plan_macro(ecx, GET_VIEWDEF, args)?
        }
        ("obj_description", 1) => plan_macro(ecx, OBJ_DESCRIPTION, typed_args(planned, &[OID], wrong_args)?)?,
        ("obj_description" | "shobj_description", 2) => {
            plan_macro(ecx, OBJ_DESCRIPTION, typed_args(planned, &[OID, TEXT], wrong_args)?)?
        }
        ("col_description", 2) => {
            let args = typed_args(planned, &[OID, ScalarType::Int32], wrong_args)?;
            plan_macro(ecx, COL_DESCRIPTION, args)?
        }
        ("pg_get_constraintdef", 1) => plan_macro(ecx, GET_CONSTRAINTDEF, typed_args(planned, &[OID], wrong_args)?)?,
        ("pg_get_constraintdef", 2) => {
            let args = typed_args(planned, &[OID, ScalarType::Bool], wrong_args)?;
            plan_macro(ecx, GET_CONSTRAINTDEF, args)?
        }
        // Freshet does not measure the space each relation takes.
        ("pg_table_size" | "pg_total_relation_size" | "pg_indexes_size", 1) | ("pg_relation_size", 1 | 2) => {
            coerce(planned[0].clone(), &ScalarType::RegClass, CastContext::Implicit)?;
            Typed::Expr(HirScalar::null(ScalarType::Int64), ScalarType::Int64.nullable(true))
        }
        ("pg_size_pretty", 1) => {
            let nullable = super::nullable(&planned[0]);
            let size = coerce(planned[0].clone(), &ScalarType::numeric(), CastContext::Implicit)?;
            let size = Typed::Expr(size, ScalarType::numeric().nullable(nullable));
            plan_macro(ecx, SIZE_PRETTY, vec![size])?
        }
        ("pg_encoding_to_char", 1) => {
            let args = typed_args(planned, &[ScalarType::Int32], wrong_args)?;
            plan_macro(ecx, ENCODING_TO_CHAR, args)?
        }
        _ => return Err(wrong_args()),
    };
    Ok(Some(typed))
}

const TEXT: ScalarType = ScalarType::Text;
const OID: ScalarType = ScalarType::Oid;

/// Arguments converted to a function's parameter types, as a call of a
/// function defined in SQL types its arguments before its body reads them
/// (so that a parameter `$n` gets one type); `wrong_args` if one does not
/// convert.
fn typed_args(
    args: Vec<Typed>,
    params: &[ScalarType],
    wrong_args: impl Fn() -> PlanError,
) -> Result<Vec<Typed>, PlanError> {
    args.into_iter()
        .zip(params)
        .map(|(arg, param)| {
            let nullable = super::nullable(&arg);
            match coerce(arg, param, CastContext::Implicit) {
                Ok(expr) => Ok(Typed::Expr(expr, param.nullable(nullable))),
                Err(PlanError::InvalidCast { .. }) => Err(wrong_args()),
                Err(other) => Err(other),
            }
        })
        .collect()
}

/// The search path's schemas that exist, in order.
fn search_path_schemas(ecx: &ExprContext<'_>) -> Vec<String> {
    let catalog = ecx.qcx.catalog;
    catalog
        .search_path()
        .iter()
        .filter(|name| crate::names::resolve_schema(catalog, std::slice::from_ref(name)).is_ok())
        .cloned()
        .collect()
}

/// `x::regclass` and `x::regtype` of a string literal: the OID of the
/// relation or type it names, found now. `None` for other casts.
pub(crate) fn plan_reg_literal(
    ecx: &ExprContext<'_>,
    input: &Typed,
    target: &ScalarType,
) -> Result<Option<Typed>, PlanError> {
    let Typed::Unknown(Some(text)) = input else {
        return Ok(None);
    };
    let oid = match target {
        ScalarType::RegClass => {
            if let Ok(oid) = text.trim().parse::<u32>() {
                oid
            } else {
                let name = Parser::new(&PostgreSqlDialect {})
                    .try_with_sql(text)
                    .and_then(|mut p| p.parse_object_name(false))
                    .map_err(|_| PlanError::UnknownRelation(text.clone()))?;
                resolve_item(ecx.qcx.catalog, &name)?.oid
            }
        }
        ScalarType::RegType => {
            if let Ok(oid) = text.trim().parse::<u32>() {
                oid
            } else {
                let data_type = Parser::new(&PostgreSqlDialect {})
                    .try_with_sql(text)
                    .and_then(|mut p| p.parse_data_type())
                    .map_err(|_| PlanError::UnknownType(text.clone()))?;
                scalar_type_from_sql(&data_type)
                    .map_err(|_| PlanError::UnknownType(text.clone()))?
                    .oid()
            }
        }
        _ => return Ok(None),
    };
    Ok(Some(Typed::Expr(
        HirScalar::literal(Datum::UInt32(oid), *target),
        target.nullable(false),
    )))
}

/// `x::text` of a `regclass` or `regtype`: the name it stands for
/// (qualified where the search path would not find it), or its number
/// if it names nothing. `None` for other casts.
pub(crate) fn plan_reg_text(
    ecx: &ExprContext<'_>,
    input: &Typed,
    target: &ScalarType,
) -> Result<Option<Typed>, PlanError> {
    let Typed::Expr(expr, typ) = input else {
        return Ok(None);
    };
    if !target.is_string() {
        return Ok(None);
    }
    let text = match typ.scalar_type {
        ScalarType::RegClass => plan_macro(ecx, REGCLASS_TEXT, vec![input.clone()])?,
        ScalarType::RegType => {
            let no_typmod = HirScalar::literal(Datum::Int32(-1), ScalarType::Int32);
            Typed::Expr(
                expr.clone().call_binary(no_typmod, BinaryFunc::FormatType),
                ScalarType::Text.nullable(typ.nullable),
            )
        }
        _ => return Ok(None),
    };
    Ok(Some(text))
}

/// `expr COLLATE collation`: only the default collation exists.
pub(crate) fn plan_collate(ecx: &ExprContext<'_>, expr: &Expr, collation: &ObjectName) -> Result<Typed, PlanError> {
    let parts = name_parts(collation)?;
    let name = parts.last().map(String::as_str).unwrap_or_default();
    let schema_ok = parts.len() == 1 || (parts.len() == 2 && parts[0] == "pg_catalog");
    if !schema_ok || !matches!(name, "default" | "C" | "POSIX" | "c" | "posix") {
        return Err(PlanError::UnknownCollation(parts.join(".")));
    }
    plan_expr(ecx, expr)
}

/// `OPERATOR(schema.op)`: the operator `op` of `pg_catalog`.
pub(crate) fn custom_operator(parts: &[String]) -> Result<BinaryOperator, PlanError> {
    let (symbol, schema) = parts
        .split_last()
        .ok_or_else(|| PlanError::Unsupported("OPERATOR()".into()))?;
    if !(schema.is_empty() || schema == ["pg_catalog"]) {
        return Err(PlanError::UnknownOperator(parts.join(".")));
    }
    Ok(match symbol.as_str() {
        "~" => BinaryOperator::PGRegexMatch,
        "~*" => BinaryOperator::PGRegexIMatch,
        "!~" => BinaryOperator::PGRegexNotMatch,
        "!~*" => BinaryOperator::PGRegexNotIMatch,
        "~~" => BinaryOperator::PGLikeMatch,
        "!~~" => BinaryOperator::PGNotLikeMatch,
        "=" => BinaryOperator::Eq,
        "<>" | "!=" => BinaryOperator::NotEq,
        "<" => BinaryOperator::Lt,
        "<=" => BinaryOperator::LtEq,
        ">" => BinaryOperator::Gt,
        ">=" => BinaryOperator::GtEq,
        "+" => BinaryOperator::Plus,
        "-" => BinaryOperator::Minus,
        "*" => BinaryOperator::Multiply,
        "/" => BinaryOperator::Divide,
        "||" => BinaryOperator::StringConcat,
        other => return Err(PlanError::UnknownOperator(format!("OPERATOR(pg_catalog.{other})"))),
    })
}

/// `text ~ pattern` and its case-insensitive (`~*`) and negated (`!~`,
/// `!~*`) forms; `None` for other operators.
pub(crate) fn plan_regex(
    ecx: &ExprContext<'_>,
    left: &Expr,
    op: &BinaryOperator,
    right: &Expr,
) -> Result<Option<Typed>, PlanError> {
    let (case_insensitive, negated) = match op {
        BinaryOperator::PGRegexMatch => (false, false),
        BinaryOperator::PGRegexIMatch => (true, false),
        BinaryOperator::PGRegexNotMatch => (false, true),
        BinaryOperator::PGRegexNotIMatch => (true, true),
        _ => return Ok(None),
    };
    let (l, r) = (plan_expr(ecx, left)?, plan_expr(ecx, right)?);
    let is_text = |t: &Typed| t.scalar_type().is_none_or(|t| t.is_string());
    if !is_text(&l) || !is_text(&r) {
        return Err(PlanError::UnknownOperator(format!(
            "{} {op} {}",
            l.type_name(),
            r.type_name()
        )));
    }
    let nullable = super::nullable(&l) || super::nullable(&r);
    let l = coerce(l, &ScalarType::Text, CastContext::Implicit)?;
    let r = coerce(r, &ScalarType::Text, CastContext::Implicit)?;
    let mut expr = l.call_binary(r, BinaryFunc::RegexMatch { case_insensitive });
    if negated {
        expr = expr.call_unary(freshet_expr::UnaryFunc::Not);
    }
    Ok(Some(Typed::Expr(expr, ScalarType::Bool.nullable(nullable))))
}

/// `ARRAY[a, b, …]`: an array of the elements at their common type.
pub(crate) fn plan_array(ecx: &ExprContext<'_>, array: &ast::Array) -> Result<Typed, PlanError> {
    let planned: Vec<Typed> = array.elem.iter().map(|e| plan_expr(ecx, e)).collect::<Result<_, _>>()?;
    if planned.is_empty() {
        return Err(PlanError::Unsupported(
            "ARRAY[] without a type (write '{}'::text[])".into(),
        ));
    }
    let (exprs, typ) = plan_homogeneous(planned, "ARRAY")?;
    let element =
        ElementType::of(&typ).ok_or_else(|| PlanError::Unsupported(format!("arrays of type {}", typ.name())))?;
    let exprs = exprs
        .into_iter()
        .map(|e| crate::plan::typeconv::plan_cast(e, &typ, &element.scalar_type(), CastContext::Implicit))
        .collect::<Result<_, _>>()?;
    Ok(Typed::Expr(
        HirScalar::call_variadic(VariadicFunc::ArrayCreate { element }, exprs),
        ScalarType::Array(element).nullable(false),
    ))
}

/// `ARRAY(SELECT x FROM … [ORDER BY …])`: the subquery's values as an
/// array, in its order; `{}` for no rows. Planned as the subquery with
/// `array_agg(x ORDER BY …)` as its one output.
fn plan_array_subquery(ecx: &ExprContext<'_>, query: &ast::Query) -> Result<Typed, PlanError> {
    let unsupported = || {
        PlanError::Unsupported(
            "ARRAY(subquery) other than of one column of a plain SELECT (no GROUP BY, DISTINCT or LIMIT)".into(),
        )
    };
    let ast::SetExpr::Select(select) = query.body.as_ref() else {
        return Err(unsupported());
    };
    let plain = select.distinct.is_none()
        && select.having.is_none()
        && matches!(&select.group_by, ast::GroupByExpr::Expressions(e, m) if e.is_empty() && m.is_empty())
        && query.limit_clause.is_none()
        && query.fetch.is_none()
        && query.with.is_none();
    let [item] = select.projection.as_slice() else {
        return Err(PlanError::SubqueryColumns(
            "subquery must return only one column".into(),
        ));
    };
    if !plain {
        return Err(unsupported());
    }
    let (value, alias) = match item {
        ast::SelectItem::UnnamedExpr(e) => (e.clone(), None),
        ast::SelectItem::ExprWithAlias { expr, alias } => (expr.clone(), Some(alias.clone())),
        _ => return Err(unsupported()),
    };
    let mut keys = Vec::new();
    if let Some(order_by) = &query.order_by {
        let ast::OrderByKind::Expressions(exprs) = &order_by.kind else {
            return Err(unsupported());
        };
        for key in exprs {
            let mut key = key.clone();
            let is_first = matches!(&key.expr, Expr::Value(v) if v.value == ast::Value::Number("1".into(), false));
            let is_alias =
                matches!((&key.expr, &alias), (Expr::Identifier(i), Some(a)) if i.value.eq_ignore_ascii_case(&a.value));
            if is_first || is_alias {
                key.expr = value.clone();
            } else if matches!(&key.expr, Expr::Value(_)) {
                return Err(unsupported());
            }
            keys.push(key);
        }
    }
    let call = Expr::Function(ast::Function {
        name: ObjectName::from(vec![ast::Ident::new("array_agg")]),
        uses_odbc_syntax: false,
        parameters: ast::FunctionArguments::None,
        args: ast::FunctionArguments::List(ast::FunctionArgumentList {
            duplicate_treatment: None,
            args: vec![ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(value))],
            clauses: if keys.is_empty() {
                vec![]
            } else {
                vec![ast::FunctionArgumentClause::OrderBy(keys)]
            },
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    });
    let mut select = select.clone();
    select.projection = vec![ast::SelectItem::UnnamedExpr(call)];
    let mut rewritten = query.clone();
    *rewritten.body = ast::SetExpr::Select(select);
    rewritten.order_by = None;
    let aggregated = super::subquery::plan_scalar_subquery(ecx, &rewritten)?;
    let empty = Typed::Unknown(Some("{}".into()));
    let (exprs, typ) = plan_homogeneous(vec![aggregated, empty], "COALESCE")?;
    Ok(Typed::Expr(
        HirScalar::call_variadic(VariadicFunc::Coalesce, exprs),
        typ.nullable(false),
    ))
}

/// `value = ANY (array)` and `value <> ALL (array)`.
pub(crate) fn plan_any_array(
    ecx: &ExprContext<'_>,
    left: &Expr,
    op: &BinaryOperator,
    right: &Expr,
    all: bool,
) -> Result<Typed, PlanError> {
    let negate = match (op, all) {
        (BinaryOperator::Eq, false) => false,
        (BinaryOperator::NotEq, true) => true,
        _ => {
            return Err(PlanError::Unsupported(format!(
                "{op} {} over an array (only = ANY and <> ALL)",
                if all { "ALL" } else { "ANY" }
            )));
        }
    };
    let (l, r) = (plan_expr(ecx, left)?, plan_expr(ecx, right)?);
    let element = match (&l, &r) {
        (_, Typed::Expr(_, t)) => match t.scalar_type {
            ScalarType::Array(element) => element,
            other => {
                return Err(PlanError::UnknownOperator(format!(
                    "{} {op} {}",
                    l.type_name(),
                    other.name()
                )));
            }
        },
        (Typed::Expr(_, t), _) => ElementType::of(&t.scalar_type)
            .ok_or_else(|| PlanError::Unsupported(format!("arrays of type {}", t.scalar_type.name())))?,
        _ => ElementType::Text,
    };
    let array = coerce(r, &ScalarType::Array(element), CastContext::Implicit)?;
    let value = coerce(l, &element.scalar_type(), CastContext::Implicit)?;
    let mut expr = value.call_binary(array, BinaryFunc::ArrayAnyEq);
    if negate {
        expr = expr.call_unary(freshet_expr::UnaryFunc::Not);
    }
    Ok(Typed::Expr(expr, ScalarType::Bool.nullable(true)))
}

/// An array subscript, as an `integer`.
pub(crate) fn plan_subscript_index(ecx: &ExprContext<'_>, index: &Expr) -> Result<HirScalar, PlanError> {
    match coerce(plan_expr(ecx, index)?, &ScalarType::Int32, CastContext::Implicit) {
        Err(PlanError::InvalidCast { .. }) => Err(PlanError::DatatypeMismatch(
            "array subscript must have type integer".into(),
        )),
        other => other,
    }
}

/// `array[index]`: the element at `index` (from 1), `NULL` outside the
/// array.
pub(crate) fn plan_subscript(ecx: &ExprContext<'_>, array: &Expr, index: &Expr) -> Result<Typed, PlanError> {
    let (array, typ) = plan_expr(ecx, array)?.try_into_default()?;
    let ScalarType::Array(element) = typ.scalar_type else {
        return Err(PlanError::DatatypeMismatch(format!(
            "cannot subscript type {} because it is not an array",
            typ.scalar_type.name()
        )));
    };
    let index = plan_subscript_index(ecx, index)?;
    Ok(Typed::Expr(
        array.call_binary(index, BinaryFunc::ArrayIndex),
        element.scalar_type().nullable(true),
    ))
}
