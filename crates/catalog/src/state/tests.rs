//! The catalog's durability: reopening, ids, format versions, failed transactions.

use freshet_repr::ScalarType;

use super::*;

fn table_op(schema: SchemaId, name: &str) -> Op {
    Op::CreateItem {
        schema,
        name: name.into(),
        kind: ItemKind::Table,
        create_sql: format!("CREATE TABLE {name} (a int4)"),
        desc: RelationDesc::empty().with_column("a", ScalarType::Int32.nullable(true)),
        uses: vec![],
    }
}

#[test]
fn survives_reopen_and_never_reuses_ids() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let (first, public) = {
        let mut catalog = Catalog::open(Store::open(dir.path())?)?;
        let db = catalog
            .database_by_name(DEFAULT_DATABASE)
            .ok_or("no default database")?
            .id;
        let public = catalog
            .schema_by_name(Some(db), DEFAULT_SCHEMA)
            .ok_or("no public schema")?
            .id;
        let created = catalog.transact(vec![table_op(public, "t")])?;
        let [OpResult::CreatedItem(first)] = created.as_slice() else {
            return Err("not created".into());
        };
        catalog.transact(vec![Op::DropItems {
            ids: vec![*first],
            cascade: false,
        }])?;
        (*first, public)
    };
    let mut catalog = Catalog::open(Store::open(dir.path())?)?;
    assert!(catalog.item_by_name(public, "t").is_none());
    let created = catalog.transact(vec![table_op(public, "t")])?;
    let [OpResult::CreatedItem(second)] = created.as_slice() else {
        return Err("not created".into());
    };
    assert!(*second > first, "{second} reuses an id at or below {first}");
    assert_eq!(
        catalog.item(*second).map(|i| i.create_sql.as_str()),
        Some("CREATE TABLE t (a int4)")
    );
    Ok(())
}

#[test]
fn another_format_version_is_refused() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    drop(Catalog::open(Store::open(dir.path())?)?);
    let store = Store::open(dir.path())?;
    store.catalog_write(vec![put(VERSION_KEY.as_bytes().to_vec(), &(FORMAT_VERSION + 1))])?;
    let err = Catalog::open(store).err().ok_or("a newer format was accepted")?;
    assert!(matches!(err, CatalogError::UnsupportedFormat { found, .. } if found == FORMAT_VERSION + 1));
    Ok(())
}

#[test]
fn failed_transactions_change_nothing() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let mut catalog = Catalog::open(Store::open(dir.path())?)?;
    let db = catalog
        .database_by_name(DEFAULT_DATABASE)
        .ok_or("no default database")?
        .id;
    let public = catalog
        .schema_by_name(Some(db), DEFAULT_SCHEMA)
        .ok_or("no public schema")?
        .id;
    let result = catalog.transact(vec![table_op(public, "a"), table_op(public, "a")]);
    assert!(matches!(result, Err(CatalogError::ItemExists { .. })));
    assert!(catalog.item_by_name(public, "a").is_none());
    let err = catalog.transact(vec![
        table_op(public, "b"),
        Op::DropSchema {
            id: public,
            cascade: false,
        },
    ]);
    assert!(matches!(err, Err(CatalogError::NotEmpty { .. })));
    drop(catalog);
    let catalog = Catalog::open(Store::open(dir.path())?)?;
    assert!(catalog.item_by_name(public, "b").is_none());
    Ok(())
}
