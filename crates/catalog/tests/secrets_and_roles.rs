//! Secrets and roles are durable: their values survive a reopen, change in
//! place, and leave nothing behind when dropped.

use freshet_catalog::{Catalog, DEFAULT_DATABASE, DEFAULT_SCHEMA, Op, OpResult, RoleAttributes};
use freshet_storage::Store;

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[test]
fn secret_values_and_roles_survive_a_reopen() -> TestResult {
    let dir = tempfile::tempdir()?;
    let id = {
        let mut catalog = Catalog::open(Store::open(dir.path())?)?;
        let db = catalog.database_by_name(DEFAULT_DATABASE).ok_or("no database")?.id;
        let public = catalog.schema_by_name(Some(db), DEFAULT_SCHEMA).ok_or("no schema")?.id;
        let results = catalog.transact(vec![
            Op::CreateSecret {
                schema: public,
                name: "pw".into(),
                create_sql: "CREATE SECRET pw AS '********'".into(),
                value: "first".into(),
            },
            Op::CreateRole {
                name: "app".into(),
                attributes: RoleAttributes {
                    login: Some(true),
                    password: Some(Some("SCRAM-SHA-256$verifier".into())),
                },
            },
        ])?;
        let Some(OpResult::CreatedItem(id)) = results.first() else {
            return Err("no secret created".into());
        };
        catalog.transact(vec![Op::AlterSecret {
            id: *id,
            value: "second".into(),
        }])?;
        *id
    };
    let mut catalog = Catalog::open(Store::open(dir.path())?)?;
    assert_eq!(catalog.secret(id), Some("second"));
    let item = catalog.item(id).ok_or("no secret item")?;
    assert!(!item.create_sql.contains("second"), "{}", item.create_sql);
    let role = catalog.role("app").ok_or("no role")?;
    assert!(role.login);
    assert_eq!(role.password.as_deref(), Some("SCRAM-SHA-256$verifier"));

    catalog.transact(vec![
        Op::DropItems {
            ids: vec![id],
            cascade: false,
        },
        Op::DropRole { name: "app".into() },
    ])?;
    drop(catalog);
    let catalog = Catalog::open(Store::open(dir.path())?)?;
    assert_eq!(catalog.secret(id), None);
    assert!(catalog.item(id).is_none());
    assert!(catalog.role("app").is_none());
    Ok(())
}
