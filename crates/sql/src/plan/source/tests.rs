//! `ALTER SOURCE … ADD SUBSOURCE` planned against a catalog holding a
//! connection, a source `public.src` copying `shop.t` into subsource `t`,
//! a source `other.osrc`, and a table `public.tab`.

use freshet_repr::{ScalarType, SchemaId};

use super::*;
use crate::parse;
use crate::plan::test_catalog::TestCatalog;

const PUBLIC: SchemaId = SchemaId::User(1);
const OTHER: SchemaId = SchemaId::User(2);

/// The catalog the module's comment describes.
fn src_catalog() -> TestCatalog {
    let conn = r#"CREATE CONNECTION "materialize"."public"."conn" TO MYSQL (HOST 'mysql', USER 'freshet')"#;
    let src = r#"CREATE SOURCE "materialize"."public"."src" IN CLUSTER "quickstart" FROM MYSQL CONNECTION "materialize"."public"."conn" (SERVER ID 7) EXPOSE PROGRESS AS "materialize"."public"."src_progress""#;
    let t = r#"CREATE SUBSOURCE "materialize"."public"."t" OF SOURCE "materialize"."public"."src" REFERENCES "shop"."t" ("id" integer NOT NULL UPSTREAM 'int')"#;
    let progress =
        r#"CREATE SUBSOURCE "materialize"."public"."src_progress" OF SOURCE "materialize"."public"."src" PROGRESS"#;
    let osrc = r#"CREATE SOURCE "materialize"."other"."osrc" IN CLUSTER "quickstart" FROM MYSQL CONNECTION "materialize"."public"."conn" (SERVER ID 8) EXPOSE PROGRESS AS "materialize"."other"."osrc_progress""#;
    let empty = RelationDesc::empty;
    TestCatalog::new(&[(PUBLIC, "public"), (OTHER, "other")])
        .with_item(PUBLIC, 1, "conn", ItemKind::Connection, empty(), conn)
        .with_item(PUBLIC, 2, "src", ItemKind::Source, empty(), src)
        .with_item(PUBLIC, 3, "t", ItemKind::Subsource, empty(), t)
        .with_item(
            PUBLIC,
            4,
            "src_progress",
            ItemKind::ProgressSubsource,
            empty(),
            progress,
        )
        .with_item(OTHER, 5, "osrc", ItemKind::Source, empty(), osrc)
        .with_item(
            PUBLIC,
            6,
            "tab",
            ItemKind::Table,
            empty(),
            "CREATE TABLE materialize.public.tab (a int)",
        )
}

fn plan_sql(catalog: &TestCatalog, sql: &str) -> Result<Plan, PlanError> {
    let statements = parse(sql).expect("parses");
    let [statement] = statements.as_slice() else {
        panic!("{sql} is not one statement");
    };
    crate::plan(catalog, statement)
}

fn purify_plan(catalog: &TestCatalog, sql: &str) -> PurifyAddSubsourcesPlan {
    match plan_sql(catalog, sql) {
        Ok(Plan::PurifyAddSubsources(plan)) => *plan,
        other => panic!("{sql} planned to {other:?}"),
    }
}

/// An upstream table `schema.name (id int NOT NULL, e enum('a','b'))`, its
/// `e` copied as text.
fn table(schema: &str, name: &str) -> UpstreamTable {
    UpstreamTable {
        schema: schema.into(),
        name: name.into(),
        columns: vec![
            UpstreamColumn {
                name: "id".into(),
                upstream_type: "int".into(),
                nullable: false,
                invisible: false,
                ingest: ColumnIngest::Typed(ScalarType::Int32),
            },
            UpstreamColumn {
                name: "e".into(),
                upstream_type: "enum('a','b')".into(),
                nullable: true,
                invisible: false,
                ingest: ColumnIngest::Text,
            },
        ],
    }
}

#[test]
fn resolves_source_connection_and_tables() {
    let catalog = src_catalog();
    let plan = purify_plan(
        &catalog,
        r#"ALTER SOURCE src ADD SUBSOURCE shop.u, "Shop"."U" AS other.u2 WITH (TEXT COLUMNS (shop.u.e), EXCLUDE COLUMNS ("Shop"."U".g))"#,
    );
    assert_eq!(plan.source_id, GlobalId::User(2));
    assert_eq!(plan.source_name.to_string(), "materialize.public.src");
    assert_eq!(plan.schema, PUBLIC);
    assert_eq!(plan.connection_id, GlobalId::User(1));
    assert_eq!(
        (plan.connection.host.as_str(), plan.connection.user.as_str()),
        ("mysql", "freshet")
    );
    assert_eq!(
        plan.tables,
        [("shop".to_owned(), "u".to_owned()), ("Shop".to_owned(), "U".to_owned())]
    );
    assert_eq!(plan.aliases.len(), 1);
    assert_eq!(plan.aliases[0].0, ("Shop".to_owned(), "U".to_owned()));
    assert_eq!(plan.text_columns, [["shop", "u", "e"].map(String::from)]);
    assert_eq!(plan.exclude_columns, [["Shop", "U", "g"].map(String::from)]);
    // Qualified, in another schema, with ADD TABLE.
    let plan = purify_plan(&catalog, "ALTER SOURCE materialize.other.osrc ADD TABLE shop.u");
    assert_eq!((plan.source_id, plan.schema), (GlobalId::User(5), OTHER));
}

#[test]
fn names_only_a_source() {
    let catalog = src_catalog();
    for (name, expected) in [
        ("t", r#""t" is not a source"#),
        ("src_progress", r#""src_progress" is not a source"#),
        ("tab", r#""tab" is not a source"#),
        ("conn", r#""conn" is not a source"#),
        ("nope", r#"source "nope" does not exist"#),
        ("nosuch.src", r#"schema "nosuch" does not exist"#),
    ] {
        let sql = format!("ALTER SOURCE {name} ADD SUBSOURCE shop.u");
        let error = plan_sql(&catalog, &sql).expect_err(&sql);
        assert_eq!(error.to_string(), expected, "{sql}");
    }
    let error = plan_sql(&catalog, "ALTER SOURCE t ADD SUBSOURCE shop.u").expect_err("a subsource");
    assert_eq!(error.code(), freshet_repr::SqlState::WrongObjectType);
    for (name, missing) in [("nope", "nope"), ("nosuch.src", "nosuch")] {
        let sql = format!("ALTER SOURCE IF EXISTS {name} ADD SUBSOURCE shop.u");
        assert_eq!(
            plan_sql(&catalog, &sql),
            Ok(Plan::AlterMissingSource { name: missing.into() }),
            "{sql}"
        );
    }
    // IF EXISTS does not excuse an object of another kind.
    assert!(plan_sql(&catalog, "ALTER SOURCE IF EXISTS tab ADD SUBSOURCE shop.u").is_err());
}

#[test]
fn refuses_bad_table_lists() {
    let catalog = src_catalog();
    for (sql, expected) in [
        (
            "ALTER SOURCE src ADD SUBSOURCE shop.u, shop.v, shop.u AS x",
            r#"table "shop.u" is named more than once"#,
        ),
        (
            "ALTER SOURCE src ADD SUBSOURCE u",
            "ADD SUBSOURCE names schema.table, not u",
        ),
        (
            "ALTER SOURCE src ADD SUBSOURCE shop.u WITH (TEXT COLUMNS (u.e))",
            "TEXT COLUMNS names schema.table.column, not u.e",
        ),
    ] {
        let error = plan_sql(&catalog, sql).expect_err(sql);
        assert_eq!(error.to_string(), expected, "{sql}");
    }
    let error = plan_sql(&catalog, "ALTER SOURCE src ADD SUBSOURCE shop.u, shop.u").expect_err("duplicate");
    assert_eq!(error.code(), freshet_repr::SqlState::DuplicateObject);
}

#[test]
fn new_subsources_are_named_and_stored_like_create_source() {
    let catalog = src_catalog();
    let plan = purify_plan(
        &catalog,
        r#"ALTER SOURCE other.osrc ADD SUBSOURCE shop.u, "Shop"."U" AS public.u2, shop.v AS v2"#,
    );
    let tables = vec![table("Shop", "U"), table("shop", "u"), table("shop", "v")];
    let subsources = plan_added_subsources(&catalog, &plan, tables).expect("plans");
    let names: Vec<(SchemaId, String)> = subsources.iter().map(|s| (s.schema, s.name.to_string())).collect();
    // By default, and with an unqualified AS, in the source's schema.
    assert_eq!(
        names,
        [
            (PUBLIC, "materialize.public.u2".to_owned()),
            (OTHER, "materialize.other.u".to_owned()),
            (OTHER, "materialize.other.v2".to_owned()),
        ]
    );
    assert!(subsources.iter().all(|s| s.kind == ItemKind::Subsource));
    assert_eq!(
        subsources[1].create_sql,
        r#"CREATE SUBSOURCE "materialize"."other"."u" OF SOURCE "materialize"."other"."osrc" REFERENCES "shop"."u" ("id" INTEGER NOT NULL UPSTREAM 'int', "e" TEXT AS TEXT UPSTREAM 'enum(''a'',''b'')')"#
    );
    assert_eq!(subsources[1].table, Some(table("shop", "u")));
    // The stored definition is what boot re-plans, unchanged.
    let boot = TestCatalog {
        stored: true,
        ..src_catalog()
    };
    for subsource in &subsources {
        match plan_sql(&boot, &subsource.create_sql) {
            Ok(Plan::CreateSubsource(replanned)) => assert_eq!(*replanned, *subsource),
            other => panic!("{} re-planned to {other:?}", subsource.create_sql),
        }
    }
}

#[test]
fn new_subsource_names_must_be_free() {
    let catalog = src_catalog();
    // `t` is taken by the subsource copying shop.t.
    let plan = purify_plan(&catalog, "ALTER SOURCE src ADD SUBSOURCE crm.t");
    let error = plan_added_subsources(&catalog, &plan, vec![table("crm", "t")]).expect_err("taken");
    assert_eq!(error.to_string(), r#"relation "t" already exists"#);
    assert_eq!(
        error.hint().as_deref(),
        Some("Give the subsource another name with ADD SUBSOURCE crm.t AS other_name.")
    );
    // Nor the source's own name, nor a table's.
    for alias in ["src", "tab"] {
        let plan = purify_plan(&catalog, &format!("ALTER SOURCE src ADD SUBSOURCE crm.t AS {alias}"));
        let error = plan_added_subsources(&catalog, &plan, vec![table("crm", "t")]).expect_err(alias);
        assert_eq!(error.to_string(), format!(r#"relation "{alias}" already exists"#));
    }
    // Two new tables of one name.
    let plan = purify_plan(&catalog, "ALTER SOURCE src ADD SUBSOURCE shop.x, crm.x");
    let error = plan_added_subsources(&catalog, &plan, vec![table("crm", "x"), table("shop", "x")]).expect_err("clash");
    assert_eq!(
        error.to_string(),
        r#"multiple subsources would be named "x": crm.x, shop.x"#
    );
    assert_eq!(
        error.hint().as_deref(),
        Some("Name them apart with AS, e.g. ADD SUBSOURCE crm.x AS crm_x.")
    );
}
