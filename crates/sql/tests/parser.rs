//! Golden tests of the parser: each case in `tests/testdata/parser` gives
//! SQL text and the statements it parses to (their `Display`), or the
//! error. `REWRITE=1 cargo test -p freshet-sql --test parser` updates them.

use freshet_sql::{Statement, parse};

fn render(statement: &Statement) -> String {
    match statement {
        Statement::Sql(_)
        | Statement::Show(_)
        | Statement::CreateIndex(_)
        | Statement::ShowCreate { .. }
        | Statement::ShowCreateCluster { .. }
        | Statement::ExplainItem { .. } => statement.to_string(),
        Statement::DropObjects { .. }
        | Statement::ValidateConnection { .. }
        | Statement::AlterConnection(_)
        | Statement::CreateCluster { .. }
        | Statement::AlterCluster(_)
        | Statement::DropClusters { .. }
        | Statement::CreateSource(_)
        | Statement::CreateSubsource(_)
        | Statement::AlterSourceAddSubsources(_)
        | Statement::Subscribe(_)
        | Statement::Declare(_)
        | Statement::CreateMaterializedView(_)
        | Statement::AlterRename { .. }
        | Statement::Fetch(_) => statement.to_string(),
        Statement::CreateConnection(create) => format!("{statement} -- validate: {:?}", create.validate),
        // The statement's text hides the value; the test shows what was parsed.
        Statement::CreateSecret { value, .. } | Statement::AlterSecret { value, .. } => {
            format!("{statement} -- value: {value}")
        }
        Statement::AsOf { .. } => format!("as of: {statement}"),
        Statement::NotYetSupported { feature } => format!("not yet supported: {feature}"),
    }
}

#[test]
fn parser_golden() {
    datadriven::walk("tests/testdata/parser", |file| {
        file.run(|case| match case.directive.as_str() {
            "parse" => match parse(&case.input) {
                Ok(statements) => statements.iter().map(|s| render(s) + "\n").collect(),
                Err(e) => {
                    let mut out = format!("error: {e}\n");
                    if let Some(detail) = e.detail() {
                        out.push_str(&format!("detail: {detail}\n"));
                    }
                    if let Some(position) = e.position() {
                        out.push_str(&format!("position: {position}\n"));
                    }
                    out
                }
            },
            other => panic!("unknown directive {other}"),
        })
    });
}

/// `ALTER SOURCE … ADD SUBSOURCE` prints in the form it parses from, to
/// the same statement.
#[test]
fn alter_source_add_subsources_round_trips() {
    for sql in [
        "ALTER SOURCE s ADD SUBSOURCE shop.t",
        "ALTER SOURCE IF EXISTS db.sch.s ADD TABLE shop.t AS x, \"Shop\".\"T\" AS other.\"Y\"",
        "alter source s add subsource shop.t with (exclude columns = (shop.t.g), text columns (shop.t.e))",
    ] {
        let parsed = parse(sql).expect("parses");
        let [statement @ Statement::AlterSourceAddSubsources(_)] = parsed.as_slice() else {
            panic!("{sql} parsed to {parsed:?}");
        };
        let printed = statement.to_string();
        assert_eq!(parse(&printed).expect("reparses"), parsed, "{sql} printed as {printed}");
    }
}
