//! Name resolution: identifiers to databases, schemas and items.

use sqlparser::ast::{Ident, ObjectName, ObjectNamePart};

use crate::PlanError;
use crate::catalog::{CatalogItem, CatalogReader, FullItemName, ItemKind, SchemaInfo};

/// Builtin schemas searched before the search path, as PostgreSQL searches
/// `pg_catalog` implicitly.
const IMPLICIT_SCHEMAS: &[&str] = &["mz_catalog", "pg_catalog"];

/// An identifier as SQL means it: folded to lower case unless quoted.
pub(crate) fn normalize_ident(ident: &Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_lowercase(),
    }
}

/// The parts of a dotted name, normalized.
pub(crate) fn name_parts(name: &ObjectName) -> Result<Vec<String>, PlanError> {
    name.0
        .iter()
        .map(|part| match part {
            ObjectNamePart::Identifier(ident) => Ok(normalize_ident(ident)),
            ObjectNamePart::Function(_) => Err(PlanError::Unsupported("computed names".into())),
        })
        .collect()
}

/// A schema named by `[database.]schema`: builtin schemas first, then the
/// named or active database.
pub(crate) fn resolve_schema(catalog: &dyn CatalogReader, parts: &[String]) -> Result<SchemaInfo, PlanError> {
    let (database, schema) = match parts {
        [schema] => (None, schema),
        [database, schema] => (Some(database), schema),
        _ => return Err(too_many_dots(parts, "schema")),
    };
    if let Some(builtin) = catalog.resolve_schema(None, schema) {
        return Ok(builtin);
    }
    let database_name = match database {
        Some(name) => name.as_str(),
        None => catalog.active_database(),
    };
    let database_id = catalog
        .resolve_database(database_name)
        .ok_or_else(|| PlanError::UnknownDatabase(database_name.to_owned()))?;
    catalog
        .resolve_schema(Some(database_id), schema)
        .ok_or_else(|| PlanError::UnknownSchema(schema.clone()))
}

/// The schema a new object goes to: the named one, or the first schema of
/// the search path that exists. Builtin schemas cannot be modified.
pub(crate) fn resolve_schema_for_create(
    catalog: &dyn CatalogReader,
    parts: &[String],
) -> Result<SchemaInfo, PlanError> {
    let schema = if parts.is_empty() {
        catalog
            .search_path()
            .iter()
            .find_map(|name| resolve_schema(catalog, std::slice::from_ref(name)).ok())
            .ok_or(PlanError::NoSchemaSelected)?
    } else {
        resolve_schema(catalog, parts)?
    };
    if schema.database.is_none() {
        return Err(PlanError::SystemSchema(schema.name));
    }
    Ok(schema)
}

/// The schema and full name of the item `name` that a `CREATE` of a
/// `kind` (`table`, `view`) makes.
pub(crate) fn name_for_create(
    catalog: &dyn CatalogReader,
    name: &ObjectName,
    kind: &str,
) -> Result<(SchemaInfo, FullItemName), PlanError> {
    let parts = name_parts(name)?;
    let (item, schema_parts) = parts
        .split_last()
        .ok_or_else(|| PlanError::InvalidParameter(format!("missing {kind} name")))?;
    if schema_parts.len() > 2 {
        return Err(PlanError::InvalidParameter(format!("invalid {kind} name: {name}")));
    }
    let schema = resolve_schema_for_create(catalog, schema_parts)?;
    let full = FullItemName {
        database: schema.database.and_then(|id| catalog.database_name(id)),
        schema: schema.name.clone(),
        item: item.clone(),
    };
    Ok((schema, full))
}

/// `name` as a fully qualified, quoted object name, as stored definitions
/// hold it.
pub(crate) fn qualified_name(name: &FullItemName) -> ObjectName {
    ObjectName(
        name.database
            .iter()
            .chain([&name.schema, &name.item])
            .map(|part| ObjectNamePart::Identifier(Ident::with_quote('"', part)))
            .collect(),
    )
}

/// The schemas an unqualified name is looked up in, in order.
pub(crate) fn search_schemas(catalog: &dyn CatalogReader) -> Vec<SchemaInfo> {
    let mut schemas: Vec<SchemaInfo> = IMPLICIT_SCHEMAS
        .iter()
        .filter(|s| !catalog.search_path().iter().any(|p| p == *s))
        .filter_map(|s| catalog.resolve_schema(None, s))
        .collect();
    schemas.extend(
        catalog
            .search_path()
            .iter()
            .filter_map(|name| resolve_schema(catalog, std::slice::from_ref(name)).ok()),
    );
    schemas
}

/// The schema an item (named by its full name) lives in.
pub(crate) fn schema_of(catalog: &dyn CatalogReader, name: &FullItemName) -> Result<SchemaInfo, PlanError> {
    resolve_schema(
        catalog,
        &[name.database.clone().unwrap_or_default(), name.schema.clone()],
    )
}

/// The item named by `[[database.]schema.]item`, which must be of `kind`:
/// a name of nothing fails with `kind`'s own "does not exist", an item of
/// another kind with "is not a …".
pub(crate) fn resolve_item_of_kind(
    catalog: &dyn CatalogReader,
    name: &ObjectName,
    kind: ItemKind,
) -> Result<CatalogItem, PlanError> {
    match resolve_item(catalog, name) {
        Ok(item) if kind.accepts(item.kind) => Ok(item),
        Ok(item) => Err(PlanError::WrongObjectType {
            name: item.name.item,
            expected: kind.with_article(),
        }),
        Err(PlanError::UnknownRelation(name)) => Err(PlanError::UnknownItem {
            kind: kind.name(),
            name,
        }),
        Err(e) => Err(e),
    }
}

/// The item named by `[[database.]schema.]item`.
pub(crate) fn resolve_item(catalog: &dyn CatalogReader, name: &ObjectName) -> Result<CatalogItem, PlanError> {
    let parts = name_parts(name)?;
    let display = parts.join(".");
    match parts.split_last() {
        Some((item, [])) => search_schemas(catalog)
            .iter()
            .find_map(|schema| catalog.resolve_item(schema.id, item))
            .ok_or(PlanError::UnknownRelation(display)),
        Some((item, schema @ ([_] | [_, _]))) => {
            let schema = resolve_schema(catalog, schema)?;
            catalog
                .resolve_item(schema.id, item)
                .ok_or(PlanError::UnknownRelation(display))
        }
        _ => Err(too_many_dots(&parts, "relation")),
    }
}

fn too_many_dots(parts: &[String], kind: &str) -> PlanError {
    PlanError::Parse {
        message: format!("improper qualified name (too many dotted names): {}", parts.join(".")),
        detail: Some(format!(
            "A {kind} name has at most {} parts.",
            if kind == "schema" { 2 } else { 3 }
        )),
        position: None,
    }
}
