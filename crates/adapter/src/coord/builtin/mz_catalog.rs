//! The rows of `mz_catalog`'s relations: databases, schemas, clusters and
//! every object, each with its definition and its redacted definition.

use freshet_catalog::{
    Item, ItemKind, MZ_CLUSTER_REPLICAS, MZ_CLUSTERS, MZ_COLUMNS, MZ_CONNECTIONS, MZ_DATABASES, MZ_INDEXES,
    MZ_MATERIALIZED_VIEWS, MZ_OBJECTS, MZ_SCHEMAS, MZ_SECRETS, MZ_SOURCES, MZ_TABLES, MZ_VIEWS,
};
use freshet_repr::{Datum, GlobalId};

use super::{OWNER_ID, PRIVILEGES, Rows, optional_text};
use crate::catalog_reader::planner_kind;
use crate::coord::Coordinator;

/// The type `mz_objects` gives an item of `kind`.
fn object_type(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Table => "table",
        ItemKind::View => "view",
        ItemKind::MaterializedView => "materialized-view",
        ItemKind::Index => "index",
        ItemKind::Secret => "secret",
        ItemKind::Connection => "connection",
        ItemKind::Source | ItemKind::Subsource | ItemKind::ProgressSubsource => "source",
    }
}

impl Coordinator {
    /// Adds the rows of `mz_catalog`'s relations.
    pub(super) fn mz_catalog_rows(&self, rows: &mut Rows) {
        self.container_rows(rows);
        self.cluster_rows(rows);
        for item in self.catalog.items() {
            self.item_rows(rows, item);
        }
    }

    /// `mz_databases` and `mz_schemas`.
    fn container_rows(&self, rows: &mut Rows) {
        let catalog = &self.catalog;
        for database in catalog.databases() {
            let id = database.id.to_string();
            rows.add(
                &MZ_DATABASES,
                &[
                    Datum::String(&id),
                    Datum::UInt32(database.oid),
                    Datum::String(&database.name),
                    Datum::String(OWNER_ID),
                    Datum::String(PRIVILEGES),
                ],
            );
        }
        let databases = catalog.databases().map(|database| Some(database.id));
        for schema in std::iter::once(None)
            .chain(databases)
            .flat_map(|db| catalog.schemas(db))
        {
            let id = schema.id.to_string();
            let database = schema.database.map(|db| db.to_string());
            rows.add(
                &MZ_SCHEMAS,
                &[
                    Datum::String(&id),
                    Datum::UInt32(schema.oid),
                    optional_text(database.as_deref()),
                    Datum::String(&schema.name),
                    Datum::String(OWNER_ID),
                    Datum::String(PRIVILEGES),
                ],
            );
        }
    }

    /// `mz_clusters` and `mz_cluster_replicas`: one replica row per
    /// replica the replication factor records, named `r1`, `r2`, … as
    /// `SHOW CLUSTER REPLICAS` names them.
    fn cluster_rows(&self, rows: &mut Rows) {
        for cluster in self.catalog.clusters() {
            let id = cluster.id();
            rows.add(
                &MZ_CLUSTERS,
                &[
                    Datum::String(&id),
                    Datum::String(&cluster.name),
                    Datum::String(OWNER_ID),
                    Datum::String(PRIVILEGES),
                    Datum::True,
                    Datum::String(&cluster.size),
                    Datum::UInt32(cluster.replication_factor),
                    Datum::False,
                    Datum::Null,
                    Datum::False,
                    Datum::Null,
                ],
            );
            for n in 1..=cluster.replication_factor {
                let (replica_id, name) = (format!("{id}.r{n}"), format!("r{n}"));
                rows.add(
                    &MZ_CLUSTER_REPLICAS,
                    &[
                        Datum::String(&replica_id),
                        Datum::String(&name),
                        Datum::String(&id),
                        Datum::String(&cluster.size),
                        Datum::Null,
                        Datum::String(OWNER_ID),
                        Datum::False,
                    ],
                );
            }
        }
    }

    /// The cluster that runs `item`, if it runs in one.
    fn item_cluster(&self, item: &Item) -> Option<String> {
        let name = self.cluster_of(item.id).or_else(|| self.source_cluster(item))?;
        self.cluster_id(name)
    }

    /// `mz_columns`: the columns of a relation (a table, view, materialized
    /// view, source or system relation), with a table's defaults.
    fn column_rows(&self, rows: &mut Rows, item: &Item, id: &str) {
        let (Some(desc), false) = (
            &item.desc,
            matches!(item.kind, ItemKind::Index | ItemKind::Secret | ItemKind::Connection),
        ) else {
            return;
        };
        let defaults = match item.kind {
            ItemKind::Table => super::pg_catalog::column_defaults(item),
            _ => Vec::new(),
        };
        for (i, (name, typ)) in desc.iter().enumerate() {
            let scalar = &typ.scalar_type;
            rows.add(
                &MZ_COLUMNS,
                &[
                    Datum::String(id),
                    Datum::String(name.as_str()),
                    Datum::UInt64(i as u64 + 1),
                    Datum::from(typ.nullable),
                    Datum::String(scalar.name()),
                    optional_text(defaults.get(i).and_then(Option::as_deref)),
                    Datum::UInt32(scalar.oid()),
                    Datum::Int32(scalar.typmod()),
                ],
            );
        }
    }

    /// The rows of one item: `mz_objects`, and its kind's relation.
    fn item_rows(&self, rows: &mut Rows, item: &Item) {
        let id = item.id.to_string();
        let schema_id = item.schema.to_string();
        let cluster_id = self.item_cluster(item);
        let system = matches!(item.id, GlobalId::System(_));
        rows.add(
            &MZ_OBJECTS,
            &[
                Datum::String(&id),
                Datum::UInt32(item.oid),
                Datum::String(&schema_id),
                Datum::String(&item.name),
                Datum::String(object_type(item.kind)),
                Datum::String(OWNER_ID),
                optional_text(cluster_id.as_deref()),
                Datum::String(PRIVILEGES),
            ],
        );
        self.column_rows(rows, item, &id);
        // A system relation has no definition to show.
        let (create_sql, redacted) = if system {
            (None, None)
        } else {
            (
                Some(item.create_sql.as_str()),
                Some(freshet_sql::redact_sql(&item.create_sql)),
            )
        };
        let (create_sql, redacted) = (optional_text(create_sql), optional_text(redacted.as_deref()));
        let common = [
            Datum::String(&id),
            Datum::UInt32(item.oid),
            Datum::String(&schema_id),
            Datum::String(&item.name),
        ];
        match item.kind {
            ItemKind::Table => rows.add(
                &MZ_TABLES,
                &[
                    &common[..],
                    &[
                        Datum::String(OWNER_ID),
                        Datum::String(PRIVILEGES),
                        create_sql,
                        redacted,
                        Datum::Null,
                    ],
                ]
                .concat(),
            ),
            ItemKind::View | ItemKind::MaterializedView => {
                let definition = freshet_sql::view_definition(&item.create_sql).unwrap_or_default();
                let (relation, cluster) = match item.kind {
                    ItemKind::View => (&MZ_VIEWS, None),
                    _ => (&MZ_MATERIALIZED_VIEWS, Some(optional_text(cluster_id.as_deref()))),
                };
                let rest = [
                    Datum::String(&definition),
                    Datum::String(OWNER_ID),
                    Datum::String(PRIVILEGES),
                    create_sql,
                    redacted,
                ];
                rows.add(relation, &[&common[..], cluster.as_slice(), &rest[..]].concat());
            }
            ItemKind::Index => {
                let on = item.uses.first().map(ToString::to_string).unwrap_or_default();
                rows.add(
                    &MZ_INDEXES,
                    &[
                        Datum::String(&id),
                        Datum::UInt32(item.oid),
                        Datum::String(&item.name),
                        Datum::String(&on),
                        optional_text(cluster_id.as_deref()),
                        Datum::String(OWNER_ID),
                        create_sql,
                        redacted,
                    ],
                );
            }
            ItemKind::Connection => rows.add(
                &MZ_CONNECTIONS,
                &[
                    &common[..],
                    &[
                        Datum::String("mysql"),
                        Datum::String(OWNER_ID),
                        Datum::String(PRIVILEGES),
                        create_sql,
                        redacted,
                    ],
                ]
                .concat(),
            ),
            ItemKind::Secret => rows.add(
                &MZ_SECRETS,
                &[&common[..], &[Datum::String(OWNER_ID), Datum::String(PRIVILEGES)]].concat(),
            ),
            ItemKind::Source | ItemKind::Subsource | ItemKind::ProgressSubsource => {
                let source_type = planner_kind(item.kind).source_type().unwrap_or_default();
                let connection_id = match item.kind {
                    ItemKind::Source => item.uses.first().map(ToString::to_string),
                    _ => None,
                };
                rows.add(
                    &MZ_SOURCES,
                    &[
                        &common[..],
                        &[
                            Datum::String(source_type),
                            optional_text(connection_id.as_deref()),
                            Datum::Null,
                            Datum::Null,
                            Datum::Null,
                            Datum::Null,
                            optional_text(cluster_id.as_deref()),
                            Datum::String(OWNER_ID),
                            Datum::String(PRIVILEGES),
                            create_sql,
                            redacted,
                        ],
                    ]
                    .concat(),
                );
            }
        }
    }
}
