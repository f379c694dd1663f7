//! Planning window function calls, against a catalog of one table
//! `t (g text, x int, n numeric)`.

use freshet_expr::optimize;
use freshet_repr::{RelationDesc, ScalarType, SchemaId, SqlState};

use crate::catalog::ItemKind;
use crate::plan::test_catalog::TestCatalog;
use crate::{Plan, PlanError, Statement, parse, plan};

const PUBLIC: SchemaId = SchemaId::User(1);

fn catalog() -> TestCatalog {
    let desc = RelationDesc::empty()
        .with_column("g", ScalarType::Text.nullable(true))
        .with_column("x", ScalarType::Int32.nullable(true))
        .with_column("n", ScalarType::numeric().nullable(true));
    TestCatalog::new(&[(PUBLIC, "public")]).with_item(
        PUBLIC,
        1,
        "t",
        ItemKind::Table,
        desc,
        "CREATE TABLE materialize.public.t (g text, x int, n numeric)",
    )
}

fn statement(sql: &str) -> Statement {
    let mut statements = parse(sql).expect("parses");
    assert_eq!(statements.len(), 1, "{sql}");
    statements.remove(0)
}

/// The optimized plan of a query, and its result types.
fn planned(sql: &str) -> Result<(String, Vec<ScalarType>), PlanError> {
    match plan(&catalog(), &statement(sql))? {
        Plan::Select(select) => Ok((
            optimize(select.expr).to_string(),
            select.desc.types().map(|t| t.scalar_type).collect(),
        )),
        other => panic!("not a query: {other:?}"),
    }
}

fn code(sql: &str) -> SqlState {
    planned(sql).expect_err("fails").code()
}

#[test]
fn calls_over_the_same_window_share_one_node() {
    let (plan, types) = planned(
        "SELECT g, row_number() OVER (PARTITION BY g ORDER BY x DESC), sum(x) OVER (PARTITION BY g ORDER BY x DESC), \
         lag(n, 2) OVER (ORDER BY g) FROM t",
    )
    .expect("plans");
    assert_eq!(
        plan,
        "Project (#0, #3, #4, #5)\n  \
         Window order_by=(#0) functions=(lag(#2, 2, null))\n    \
         Window partition_by=(#0) order_by=(#1 desc) functions=(row_number(), sum(#1))\n      \
         Get u1\n"
    );
    assert_eq!(
        types,
        vec![
            ScalarType::Text,
            ScalarType::Int64,
            ScalarType::Int64,
            ScalarType::numeric()
        ]
    );
}

#[test]
fn windows_rank_the_groups_of_a_grouped_query() {
    let (plan, types) =
        planned("SELECT g, rank() OVER (ORDER BY sum(x) DESC), avg(sum(x)) OVER () FROM t GROUP BY g").expect("plans");
    assert_eq!(
        plan,
        "Project (#0, #2, #5)\n  \
         Map ((#3 / #4::numeric))\n    \
         Window functions=(sum(#1), count(#1))\n      \
         Window order_by=(#1 desc) functions=(rank())\n        \
         Reduce group_by=(#0) aggregates=(sum(#1))\n          \
         Project (#3, #4)\n            \
         Map (#1)\n              \
         Map (#0)\n                \
         Get u1\n"
    );
    assert_eq!(types, vec![ScalarType::Text, ScalarType::Int64, ScalarType::numeric()]);
}

#[test]
fn result_types_follow_postgresql() {
    let (_, types) = planned(
        "SELECT percent_rank() OVER (), cume_dist() OVER (), ntile(2) OVER (), first_value(g) OVER (), \
         nth_value(x, 2) OVER (), count(*) OVER (), lead(x, 1, 2.5) OVER ()
         FROM t",
    )
    .expect("plans");
    assert_eq!(
        types,
        vec![
            ScalarType::Float64,
            ScalarType::Float64,
            ScalarType::Int32,
            ScalarType::Text,
            ScalarType::Int32,
            ScalarType::Int64,
            ScalarType::numeric(),
        ]
    );
}

#[test]
fn misplaced_and_unsupported_calls_are_refused() {
    assert_eq!(
        code("SELECT x FROM t WHERE rank() OVER () = 1"),
        SqlState::WindowingError
    );
    assert_eq!(
        code("SELECT g FROM t GROUP BY g HAVING rank() OVER () = 1"),
        SqlState::WindowingError
    );
    assert_eq!(
        code("SELECT sum(rank() OVER ()) OVER () FROM t"),
        SqlState::WindowingError
    );
    assert_eq!(code("SELECT sum(rank() OVER ()) FROM t"), SqlState::GroupingError);
    assert_eq!(code("SELECT lower(g) OVER () FROM t"), SqlState::WrongObjectType);
    assert_eq!(code("SELECT rank(x) OVER () FROM t"), SqlState::UndefinedFunction);
    for unsupported in [
        "SELECT sum(x) OVER (ORDER BY x ROWS UNBOUNDED PRECEDING) FROM t",
        "SELECT rank() OVER w FROM t WINDOW w AS (ORDER BY x)",
        "SELECT count(DISTINCT x) OVER () FROM t",
        "SELECT count(*) FILTER (WHERE x > 0) OVER () FROM t",
    ] {
        assert_eq!(code(unsupported), SqlState::FeatureNotSupported, "{unsupported}");
    }
}
