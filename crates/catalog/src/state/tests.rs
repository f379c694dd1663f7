//! The catalog's durability: reopening, ids, format versions, failed transactions.

use freshet_repr::{ScalarType, SqlState};

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

/// The default database's `public` schema.
fn public_schema(catalog: &Catalog) -> Result<SchemaId, Box<dyn std::error::Error>> {
    let db = catalog
        .database_by_name(DEFAULT_DATABASE)
        .ok_or("no default database")?
        .id;
    Ok(catalog
        .schema_by_name(Some(db), DEFAULT_SCHEMA)
        .ok_or("no public schema")?
        .id)
}

/// A view over `uses`, for the tests of replacing and renaming.
fn view_op(schema: SchemaId, name: &str, create_sql: &str, uses: Vec<GlobalId>) -> NewItem {
    NewItem {
        schema,
        name: name.into(),
        kind: ItemKind::View,
        create_sql: create_sql.into(),
        desc: RelationDesc::empty().with_column("a", ScalarType::Int32.nullable(true)),
        uses,
    }
}

#[test]
fn renames_persist_with_their_rewritten_definitions() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let (table, view) = {
        let mut catalog = Catalog::open(Store::open(dir.path())?)?;
        let public = public_schema(&catalog)?;
        let [OpResult::CreatedItem(table)] = catalog.transact(vec![table_op(public, "t")])?[..] else {
            return Err("no table".into());
        };
        let new = view_op(public, "v", "CREATE VIEW v AS SELECT a FROM t", vec![table]);
        let [OpResult::CreatedItem(view)] = catalog.transact(vec![Op::CreateItem {
            schema: new.schema,
            name: new.name,
            kind: new.kind,
            create_sql: new.create_sql,
            desc: new.desc,
            uses: new.uses,
        }])?[..] else {
            return Err("no view".into());
        };
        // A name taken in the schema is refused, and changes nothing.
        let taken = catalog.transact(vec![Op::RenameItem {
            id: table,
            name: "v".into(),
            rewrites: vec![(view, "changed".into())],
        }]);
        assert!(matches!(taken, Err(CatalogError::ItemExists { .. })));
        assert_eq!(
            catalog.item(view).map(|v| v.create_sql.as_str()),
            Some("CREATE VIEW v AS SELECT a FROM t")
        );
        catalog.transact(vec![Op::RenameItem {
            id: table,
            name: "u".into(),
            rewrites: vec![
                (table, "CREATE TABLE u (a int4)".into()),
                (view, "CREATE VIEW v AS SELECT a FROM u".into()),
            ],
        }])?;
        (table, view)
    };
    let catalog = Catalog::open(Store::open(dir.path())?)?;
    let public = public_schema(&catalog)?;
    assert!(catalog.item_by_name(public, "t").is_none());
    assert_eq!(catalog.item_by_name(public, "u").map(|i| i.id), Some(table));
    assert_eq!(
        catalog.item(table).map(|t| t.create_sql.as_str()),
        Some("CREATE TABLE u (a int4)")
    );
    assert_eq!(
        catalog.item(view).map(|v| v.create_sql.as_str()),
        Some("CREATE VIEW v AS SELECT a FROM u")
    );
    Ok(())
}

#[test]
fn replacing_needs_an_item_nothing_uses() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let mut catalog = Catalog::open(Store::open(dir.path())?)?;
    let public = public_schema(&catalog)?;
    let [OpResult::CreatedItem(table)] = catalog.transact(vec![table_op(public, "t")])?[..] else {
        return Err("no table".into());
    };
    let [OpResult::Replaced { old, new: view }] = catalog.transact(vec![Op::ReplaceItem {
        old: table,
        new: view_op(public, "t", "CREATE VIEW t AS SELECT 1 AS a", vec![]),
    }])?[..] else {
        return Err("not replaced".into());
    };
    assert_eq!(old, table);
    assert!(view > table, "the replacement takes a new id");
    assert!(catalog.item(table).is_none());
    assert_eq!(catalog.item_by_name(public, "t").map(|i| i.id), Some(view));

    let user = view_op(public, "w", "CREATE VIEW w AS SELECT a FROM t", vec![view]);
    catalog.transact(vec![Op::CreateItem {
        schema: user.schema,
        name: user.name,
        kind: user.kind,
        create_sql: user.create_sql,
        desc: user.desc,
        uses: user.uses,
    }])?;
    let refused = catalog.transact(vec![Op::ReplaceItem {
        old: view,
        new: view_op(public, "t", "CREATE VIEW t AS SELECT 2 AS a", vec![]),
    }]);
    let Err(e @ CatalogError::StillDependedUpon { .. }) = refused else {
        return Err(format!("replaced a view in use: {refused:?}").into());
    };
    assert_eq!(e.code(), SqlState::DependentObjectsStillExist);
    assert_eq!(
        e.to_string(),
        "cannot drop materialize.public.t: still depended upon by view 'materialize.public.w'"
    );
    assert_eq!(catalog.item_by_name(public, "t").map(|i| i.id), Some(view));
    Ok(())
}
