//! Items in the catalog's state: creating one with a new id, finding what
//! uses a set of items (for drops), and removing items and schemas.

use freshet_repr::{GlobalId, SchemaId};
use freshet_storage::KvOp;

use super::{NewItem, State};
use crate::CatalogError;
use crate::durable::{ItemRecord, SecretRecord, item_key, put, schema_key, secret_key};

impl State {
    /// `ids` and, transitively, every item that uses one of them. Without
    /// `cascade`, such users make it fail, naming each dependency; parts
    /// ([`ItemKind::is_part`]) are not such users: they go with what they are
    /// part of, as an index goes with its table in PostgreSQL.
    pub(super) fn with_dependents(&self, ids: &[GlobalId], cascade: bool) -> Result<Vec<GlobalId>, CatalogError> {
        let mut all: Vec<GlobalId> = ids.to_vec();
        let mut edges = Vec::new();
        let mut i = 0;
        while i < all.len() {
            let used = all[i];
            for item in self.items.values().filter(|item| item.uses.contains(&used)) {
                edges.push((item.id, used));
                if !all.contains(&item.id) {
                    all.push(item.id);
                }
            }
            i += 1;
        }
        let blocking = |id: &GlobalId| !ids.contains(id) && self.items.get(id).is_some_and(|i| !i.kind.is_part());
        if !cascade && all.iter().any(blocking) {
            let describe = |id: &GlobalId| {
                self.items
                    .get(id)
                    .map(|item| format!("{} {}", item.kind.name(), item.name))
                    .unwrap_or_else(|| id.to_string())
            };
            let first = self.items.get(&ids[0]);
            return Err(CatalogError::DependentObjects {
                kind: first.map_or("item", |item| item.kind.name()),
                name: first.map_or_else(|| ids[0].to_string(), |item| item.name.clone()),
                detail: edges
                    .iter()
                    .filter(|(user, _)| blocking(user))
                    .map(|(user, used)| format!("{} depends on {}", describe(user), describe(used)))
                    .collect::<Vec<_>>()
                    .join("\n"),
            });
        }
        Ok(all)
    }

    /// Creates an item with a new id.
    pub(super) fn create_item(&mut self, item: NewItem, writes: &mut Vec<KvOp>) -> Result<GlobalId, CatalogError> {
        let NewItem {
            schema,
            name,
            kind,
            create_sql,
            desc,
            uses,
        } = item;
        if !self.schemas.contains_key(&schema) {
            return Err(CatalogError::UnknownSchema(schema.to_string()));
        }
        if self.items.values().any(|i| i.schema == schema && i.name == name) {
            return Err(CatalogError::ItemExists { kind: "relation", name });
        }
        let id = GlobalId::User(self.next.item);
        self.next.item += 1;
        let oid = self.allocate_oid();
        let record = ItemRecord {
            id,
            schema,
            name,
            kind,
            oid,
            create_sql,
            uses,
        };
        writes.push(put(item_key(id), &record));
        self.items.insert(id, record.into_item(Some(desc)));
        Ok(id)
    }

    /// Item `id`'s name, qualified by its database and schema.
    pub(super) fn full_name(&self, id: GlobalId) -> String {
        let Some(item) = self.items.get(&id) else {
            return id.to_string();
        };
        let schema = self.schemas.get(&item.schema);
        let database = schema.and_then(|s| s.database).and_then(|d| self.databases.get(&d));
        database
            .map(|d| d.name.as_str())
            .into_iter()
            .chain(schema.map(|s| s.name.as_str()))
            .chain([item.name.as_str()])
            .collect::<Vec<_>>()
            .join(".")
    }

    /// Drops item `old` and creates `new` in its place, with a new id.
    /// Fails if anything uses `old`, its parts (indexes) included: they
    /// were built on the definition being replaced.
    pub(super) fn replace_item(
        &mut self,
        old: GlobalId,
        new: NewItem,
        writes: &mut Vec<KvOp>,
    ) -> Result<GlobalId, CatalogError> {
        let replaced = self
            .items
            .get(&old)
            .ok_or_else(|| CatalogError::UnknownItem(old.to_string()))?;
        let kind = replaced.kind.name();
        let users: Vec<(&'static str, String)> = self
            .items
            .values()
            .filter(|item| item.uses.contains(&old))
            .map(|item| (item.kind.name(), self.full_name(item.id)))
            .collect();
        if !users.is_empty() {
            return Err(CatalogError::StillDependedUpon {
                kind,
                name: self.full_name(old),
                users,
            });
        }
        self.remove_items(&[old], writes);
        self.create_item(new, writes)
    }

    /// Renames item `id` to `name` in its schema, and sets the rewritten
    /// definitions.
    pub(super) fn rename_item(
        &mut self,
        id: GlobalId,
        name: String,
        rewrites: Vec<(GlobalId, String)>,
        writes: &mut Vec<KvOp>,
    ) -> Result<(), CatalogError> {
        let item = self
            .items
            .get(&id)
            .ok_or_else(|| CatalogError::UnknownItem(id.to_string()))?;
        let schema = item.schema;
        if self.items.values().any(|i| i.schema == schema && i.name == name) {
            return Err(CatalogError::ItemExists { kind: "relation", name });
        }
        for (rewritten, _) in &rewrites {
            if !self.items.contains_key(rewritten) {
                return Err(CatalogError::UnknownItem(rewritten.to_string()));
            }
        }
        if let Some(item) = self.items.get_mut(&id) {
            item.name = name;
        }
        let mut changed = vec![id];
        for (rewritten, create_sql) in rewrites {
            if let Some(item) = self.items.get_mut(&rewritten) {
                item.create_sql = create_sql;
            }
            changed.push(rewritten);
        }
        changed.sort();
        changed.dedup();
        for id in changed {
            if let Some(item) = self.items.get(&id) {
                writes.push(put(item_key(id), &ItemRecord::of(item)));
            }
        }
        Ok(())
    }

    /// Sets secret `id`'s value, and its durable record.
    pub(super) fn set_secret(&mut self, id: GlobalId, value: String, writes: &mut Vec<KvOp>) {
        writes.push(put(
            secret_key(id),
            &SecretRecord {
                id,
                value: value.clone(),
            },
        ));
        self.secrets.insert(id, value);
    }

    /// Removes items, and their durable records.
    pub(super) fn remove_items(&mut self, ids: &[GlobalId], writes: &mut Vec<KvOp>) {
        for id in ids {
            self.items.remove(id);
            writes.push(KvOp::Delete(item_key(*id)));
            if self.secrets.remove(id).is_some() {
                writes.push(KvOp::Delete(secret_key(*id)));
            }
        }
    }

    pub(super) fn drop_schema(
        &mut self,
        id: SchemaId,
        cascade: bool,
        writes: &mut Vec<KvOp>,
    ) -> Result<Vec<GlobalId>, CatalogError> {
        let schema = self
            .schemas
            .get(&id)
            .cloned()
            .ok_or_else(|| CatalogError::UnknownSchema(id.to_string()))?;
        let items: Vec<GlobalId> = self.items.values().filter(|i| i.schema == id).map(|i| i.id).collect();
        if !cascade && !items.is_empty() {
            return Err(CatalogError::NotEmpty {
                kind: "schema",
                name: schema.name,
            });
        }
        // Items elsewhere that use the schema's items go with them.
        let items = self.with_dependents(&items, true)?;
        self.remove_items(&items, writes);
        self.schemas.remove(&id);
        writes.push(KvOp::Delete(schema_key(id)));
        Ok(items)
    }
}
