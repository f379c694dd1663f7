//! Parameter type inference and binding, against a catalog of one table
//! `t (a int, b text, c numeric(10,2), d timestamp)`.

use freshet_repr::{Datum, RelationDesc, Row, ScalarType, SchemaId};

use super::*;
use crate::catalog::ItemKind;
use crate::plan::test_catalog::TestCatalog;
use crate::{parse, plan};

const PUBLIC: SchemaId = SchemaId::User(1);

/// A catalog of one table `t (a int, b text, c numeric(10,2), d timestamp)`.
fn one_table() -> TestCatalog {
    let desc = RelationDesc::empty()
        .with_column("a", ScalarType::Int32.nullable(true))
        .with_column("b", ScalarType::Text.nullable(true))
        .with_column(
            "c",
            ScalarType::Numeric {
                precision: Some(10),
                scale: Some(2),
            }
            .nullable(true),
        )
        .with_column("d", ScalarType::Timestamp.nullable(true));
    TestCatalog::new(&[(PUBLIC, "public")]).with_item(
        PUBLIC,
        1,
        "t",
        ItemKind::Table,
        desc,
        "CREATE TABLE materialize.public.t (a int, b text, c numeric(10,2), d timestamp)",
    )
}

fn statement(sql: &str) -> Statement {
    let mut statements = parse(sql).expect("parses");
    assert_eq!(statements.len(), 1, "{sql}");
    statements.remove(0)
}

/// The inferred parameter types of `sql`, with no types given.
fn param_types(sql: &str) -> Result<Vec<ScalarType>, PlanError> {
    describe(&one_table(), &statement(sql), &[]).map(|d| d.param_types)
}

/// The result column types of a described query.
fn result_types(plan: &Plan) -> Vec<ScalarType> {
    match plan {
        Plan::Select(select) => select.desc.types().map(|t| t.scalar_type).collect(),
        other => panic!("not a query: {other:?}"),
    }
}

#[test]
fn types_come_from_the_context() {
    let numeric = ScalarType::numeric();
    let cases: &[(&str, Vec<ScalarType>)] = &[
        ("SELECT * FROM t WHERE a = $1", vec![ScalarType::Int32]),
        (
            "SELECT * FROM t WHERE $1 < a AND b = $2",
            vec![ScalarType::Int32, ScalarType::Text],
        ),
        ("SELECT $1::bigint", vec![ScalarType::Int64]),
        ("SELECT $1::varchar(3)", vec![ScalarType::VarChar { max_length: None }]),
        ("SELECT $1 + 1", vec![ScalarType::Int32]),
        ("SELECT 2.5 * $1", vec![numeric]),
        ("SELECT $1", vec![ScalarType::Text]),
        ("SELECT $1 || 'x'", vec![ScalarType::Text]),
        ("SELECT * FROM t WHERE $1", vec![ScalarType::Bool]),
        ("SELECT a FROM t LIMIT $1", vec![ScalarType::Int64]),
        (
            "INSERT INTO t VALUES ($1, $2, $3, $4)",
            vec![ScalarType::Int32, ScalarType::Text, numeric, ScalarType::Timestamp],
        ),
        (
            "INSERT INTO t (d, a) VALUES ($1, $2)",
            vec![ScalarType::Timestamp, ScalarType::Int32],
        ),
        (
            "UPDATE t SET b = $2 WHERE a = $1",
            vec![ScalarType::Int32, ScalarType::Text],
        ),
        ("DELETE FROM t WHERE c > $1", vec![numeric]),
        ("SELECT a FROM t WHERE a = $1 OR a = $1 + 1", vec![ScalarType::Int32]),
    ];
    for (sql, expected) in cases {
        assert_eq!(param_types(sql).as_ref(), Ok(expected), "{sql}");
    }
}

#[test]
fn given_types_win() {
    let catalog = one_table();
    let described = describe(
        &catalog,
        &statement("SELECT $1, a FROM t WHERE a = $2"),
        &[Some(ScalarType::Int64), None],
    )
    .expect("describes");
    assert_eq!(described.param_types, [ScalarType::Int64, ScalarType::Int32]);
    assert_eq!(result_types(&described.plan), [ScalarType::Int64, ScalarType::Int32]);
    // A given type that is never used still counts.
    let described = describe(&catalog, &statement("SELECT 1"), &[Some(ScalarType::Bool)]).expect("describes");
    assert_eq!(described.param_types, [ScalarType::Bool]);
}

#[test]
fn parameter_errors_follow_postgres() {
    let err = param_types("SELECT $2::int").expect_err("$1 has no type");
    assert_eq!(err.to_string(), "could not determine data type of parameter $1");
    assert_eq!(err.code().code(), "42P18");
    // A later use of a typed parameter is a cast, as in PostgreSQL …
    assert_eq!(param_types("SELECT $1::int, $1::text"), Ok(vec![ScalarType::Int32]));
    // … but two uses that decide its type at once must agree.
    let err = param_types("SELECT $1 || $1::int").expect_err("two types");
    assert_eq!(err.to_string(), "inconsistent types deduced for parameter $1");
    assert_eq!(err.code().code(), "42P08");
    assert_eq!(err.detail().as_deref(), Some("integer versus text"));
    // Outside a prepared statement, and in stored definitions.
    let err = plan(&one_table(), &statement("SELECT $1")).expect_err("no parameters");
    assert_eq!(err.to_string(), "there is no parameter $1");
    assert_eq!(err.code().code(), "42P02");
    let err = param_types("CREATE VIEW v AS SELECT $1::int").expect_err("stored");
    assert_eq!(err.code().code(), "42P02");
}

#[test]
fn bound_values_become_literals() {
    let catalog = one_table();
    let sql = "SELECT $1 + 1, $2 || '!', a FROM t WHERE a = $1";
    let described = describe(&catalog, &statement(sql), &[]).expect("describes");
    let params = Params {
        types: described.param_types.clone(),
        values: Row::pack([Datum::Int32(41), Datum::String("hi")]),
    };
    let bound = plan_bound(&catalog, &statement(sql), &params).expect("plans");
    // Execution returns the columns Describe announced.
    assert_eq!(result_types(&bound), result_types(&described.plan));
    let Plan::Select(select) = bound else {
        unreachable!("checked above")
    };
    let text = format!("{:?}", select.expr);
    assert!(text.contains("Int32(41)"), "{text}");
    assert!(text.contains("\"hi\""), "{text}");
    // The wrong number of values is refused.
    let short = Params {
        types: described.param_types,
        values: Row::pack([Datum::Int32(1)]),
    };
    assert!(plan_bound(&catalog, &statement(sql), &short).is_err());
}

#[test]
fn bound_limit_applies() {
    let catalog = one_table();
    let sql = "SELECT a FROM t LIMIT $1";
    let params = Params {
        types: vec![ScalarType::Int64],
        values: Row::pack([Datum::Int64(3)]),
    };
    let Plan::Select(select) = plan_bound(&catalog, &statement(sql), &params).expect("plans") else {
        panic!("not a query");
    };
    assert_eq!(select.finishing.limit, Some(3));
}
