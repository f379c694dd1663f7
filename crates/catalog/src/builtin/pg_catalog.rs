//! The `pg_catalog` relations PostgreSQL clients read to browse a database
//! (psql's `\d` family, drivers' metadata calls), with PostgreSQL's
//! columns. Relations Freshet has nothing for (triggers, policies, rules,
//! inheritance) exist empty, so the queries that join them work.

use freshet_repr::{ElementType, GlobalId, ScalarType};

use super::BuiltinRelation;

const TEXT: ScalarType = ScalarType::Text;
const OID: ScalarType = ScalarType::Oid;
const BOOL: ScalarType = ScalarType::Bool;
const INT2: ScalarType = ScalarType::Int16;
const INT4: ScalarType = ScalarType::Int32;
const TEXT_ARRAY: ScalarType = ScalarType::Array(ElementType::Text);
const OID_ARRAY: ScalarType = ScalarType::Array(ElementType::Oid);
const INT2_ARRAY: ScalarType = ScalarType::Array(ElementType::Int16);

const fn pg(n: u64, name: &'static str, columns: &'static [(&'static str, ScalarType, bool)]) -> BuiltinRelation {
    BuiltinRelation {
        id: GlobalId::System(n),
        schema: "pg_catalog",
        name,
        columns,
    }
}

/// `pg_namespace`: schemas, the builtin ones and every database's.
pub const PG_NAMESPACE: BuiltinRelation = pg(
    300,
    "pg_namespace",
    &[
        ("oid", OID, false),
        ("nspname", TEXT, false),
        ("nspowner", OID, false),
        ("nspacl", TEXT_ARRAY, true),
    ],
);

/// `pg_class`: relations (tables, views, materialized views, sources and
/// subsources as tables) and indexes.
pub const PG_CLASS: BuiltinRelation = pg(
    301,
    "pg_class",
    &[
        ("oid", OID, false),
        ("relname", TEXT, false),
        ("relnamespace", OID, false),
        ("reltype", OID, false),
        ("reloftype", OID, false),
        ("relowner", OID, false),
        ("relam", OID, false),
        ("relfilenode", OID, false),
        ("reltablespace", OID, false),
        ("relpages", INT4, false),
        ("reltuples", ScalarType::Float32, false),
        ("relallvisible", INT4, false),
        ("reltoastrelid", OID, false),
        ("relhasindex", BOOL, false),
        ("relisshared", BOOL, false),
        ("relpersistence", TEXT, false),
        ("relkind", TEXT, false),
        ("relnatts", INT2, false),
        ("relchecks", INT2, false),
        ("relhasoids", BOOL, false),
        ("relhasrules", BOOL, false),
        ("relhastriggers", BOOL, false),
        ("relhassubclass", BOOL, false),
        ("relrowsecurity", BOOL, false),
        ("relforcerowsecurity", BOOL, false),
        ("relispopulated", BOOL, false),
        ("relreplident", TEXT, false),
        ("relispartition", BOOL, false),
        ("relacl", TEXT_ARRAY, true),
        ("reloptions", TEXT_ARRAY, true),
    ],
);

/// `pg_attribute`: the columns of relations and the keys of indexes.
pub const PG_ATTRIBUTE: BuiltinRelation = pg(
    302,
    "pg_attribute",
    &[
        ("attrelid", OID, false),
        ("attname", TEXT, false),
        ("atttypid", OID, false),
        ("attstattarget", INT4, false),
        ("attlen", INT2, false),
        ("attnum", INT2, false),
        ("attndims", INT4, false),
        ("attcacheoff", INT4, false),
        ("atttypmod", INT4, false),
        ("attbyval", BOOL, false),
        ("attstorage", TEXT, false),
        ("attalign", TEXT, false),
        ("attnotnull", BOOL, false),
        ("atthasdef", BOOL, false),
        ("attidentity", TEXT, false),
        ("attgenerated", TEXT, false),
        ("attisdropped", BOOL, false),
        ("attislocal", BOOL, false),
        ("attinhcount", INT4, false),
        ("attcollation", OID, false),
        ("attacl", TEXT_ARRAY, true),
        ("attoptions", TEXT_ARRAY, true),
    ],
);

/// `pg_type`: the types.
pub const PG_TYPE: BuiltinRelation = pg(
    303,
    "pg_type",
    &[
        ("oid", OID, false),
        ("typname", TEXT, false),
        ("typnamespace", OID, false),
        ("typowner", OID, false),
        ("typlen", INT2, false),
        ("typbyval", BOOL, false),
        ("typtype", TEXT, false),
        ("typcategory", TEXT, false),
        ("typispreferred", BOOL, false),
        ("typisdefined", BOOL, false),
        ("typdelim", TEXT, false),
        ("typrelid", OID, false),
        ("typelem", OID, false),
        ("typarray", OID, false),
        ("typinput", TEXT, false),
        ("typoutput", TEXT, false),
        ("typreceive", TEXT, false),
        ("typsend", TEXT, false),
        ("typnotnull", BOOL, false),
        ("typbasetype", OID, false),
        ("typtypmod", INT4, false),
        ("typndims", INT4, false),
        ("typcollation", OID, false),
        ("typdefault", TEXT, true),
    ],
);

/// `pg_index`: each index and the relation it arranges.
pub const PG_INDEX: BuiltinRelation = pg(
    304,
    "pg_index",
    &[
        ("indexrelid", OID, false),
        ("indrelid", OID, false),
        ("indnatts", INT2, false),
        ("indnkeyatts", INT2, false),
        ("indisunique", BOOL, false),
        ("indisprimary", BOOL, false),
        ("indisexclusion", BOOL, false),
        ("indimmediate", BOOL, false),
        ("indisclustered", BOOL, false),
        ("indisvalid", BOOL, false),
        ("indcheckxmin", BOOL, false),
        ("indisready", BOOL, false),
        ("indislive", BOOL, false),
        ("indisreplident", BOOL, false),
        ("indkey", INT2_ARRAY, false),
        ("indcollation", OID_ARRAY, false),
        ("indclass", OID_ARRAY, false),
        ("indoption", INT2_ARRAY, false),
        ("indexprs", TEXT, true),
        ("indpred", TEXT, true),
    ],
);

/// `pg_am`: access methods; Freshet's one index method is `arrangement`.
pub const PG_AM: BuiltinRelation = pg(
    305,
    "pg_am",
    &[
        ("oid", OID, false),
        ("amname", TEXT, false),
        ("amhandler", TEXT, false),
        ("amtype", TEXT, false),
    ],
);

/// `pg_attrdef`: column defaults, as SQL text in `adbin`.
pub const PG_ATTRDEF: BuiltinRelation = pg(
    306,
    "pg_attrdef",
    &[
        ("oid", OID, false),
        ("adrelid", OID, false),
        ("adnum", INT2, false),
        ("adbin", TEXT, false),
    ],
);

/// `pg_collation`: the default collation.
pub const PG_COLLATION: BuiltinRelation = pg(
    307,
    "pg_collation",
    &[
        ("oid", OID, false),
        ("collname", TEXT, false),
        ("collnamespace", OID, false),
        ("collowner", OID, false),
        ("collprovider", TEXT, false),
        ("collisdeterministic", BOOL, false),
        ("collencoding", INT4, false),
        ("collcollate", TEXT, true),
        ("collctype", TEXT, true),
    ],
);

/// `pg_constraint`: constraints (none are recorded yet).
pub const PG_CONSTRAINT: BuiltinRelation = pg(
    308,
    "pg_constraint",
    &[
        ("oid", OID, false),
        ("conname", TEXT, false),
        ("connamespace", OID, false),
        ("contype", TEXT, false),
        ("condeferrable", BOOL, false),
        ("condeferred", BOOL, false),
        ("convalidated", BOOL, false),
        ("conrelid", OID, false),
        ("contypid", OID, false),
        ("conindid", OID, false),
        ("confrelid", OID, false),
        ("confupdtype", TEXT, false),
        ("confdeltype", TEXT, false),
        ("confmatchtype", TEXT, false),
        ("conislocal", BOOL, false),
        ("coninhcount", INT4, false),
        ("connoinherit", BOOL, false),
        ("conkey", INT2_ARRAY, true),
        ("confkey", INT2_ARRAY, true),
        ("conbin", TEXT, true),
    ],
);

/// `pg_inherits`: table inheritance, which Freshet does not have (empty).
pub const PG_INHERITS: BuiltinRelation = pg(
    309,
    "pg_inherits",
    &[
        ("inhrelid", OID, false),
        ("inhparent", OID, false),
        ("inhseqno", INT4, false),
        ("inhdetachpending", BOOL, false),
    ],
);

/// `pg_policy`: row security policies, which Freshet does not have (empty).
pub const PG_POLICY: BuiltinRelation = pg(
    310,
    "pg_policy",
    &[
        ("oid", OID, false),
        ("polname", TEXT, false),
        ("polrelid", OID, false),
        ("polcmd", TEXT, false),
        ("polpermissive", BOOL, false),
        ("polroles", OID_ARRAY, false),
        ("polqual", TEXT, true),
        ("polwithcheck", TEXT, true),
    ],
);

/// `pg_roles`: roles: the owner of every object and the roles made with
/// `CREATE ROLE`.
pub const PG_ROLES: BuiltinRelation = pg(
    311,
    "pg_roles",
    &[
        ("rolname", TEXT, false),
        ("rolsuper", BOOL, false),
        ("rolinherit", BOOL, false),
        ("rolcreaterole", BOOL, false),
        ("rolcreatedb", BOOL, false),
        ("rolcanlogin", BOOL, false),
        ("rolreplication", BOOL, false),
        ("rolconnlimit", INT4, false),
        ("rolpassword", TEXT, false),
        ("rolvaliduntil", ScalarType::TimestampTz, true),
        ("rolbypassrls", BOOL, false),
        ("rolconfig", TEXT_ARRAY, true),
        ("oid", OID, false),
    ],
);

/// `pg_description`: comments on objects (none yet: Freshet has no
/// `COMMENT ON`).
pub const PG_DESCRIPTION: BuiltinRelation = pg(
    312,
    "pg_description",
    &[
        ("objoid", OID, false),
        ("classoid", OID, false),
        ("objsubid", INT4, false),
        ("description", TEXT, false),
    ],
);

/// `pg_database`: databases.
pub const PG_DATABASE: BuiltinRelation = pg(
    313,
    "pg_database",
    &[
        ("oid", OID, false),
        ("datname", TEXT, false),
        ("datdba", OID, false),
        ("encoding", INT4, false),
        ("datcollate", TEXT, false),
        ("datctype", TEXT, false),
        ("datistemplate", BOOL, false),
        ("datallowconn", BOOL, false),
        ("datconnlimit", INT4, false),
        ("datacl", TEXT_ARRAY, true),
    ],
);

/// `pg_views`: views and their defining queries.
pub const PG_VIEWS: BuiltinRelation = pg(
    314,
    "pg_views",
    &[
        ("schemaname", TEXT, false),
        ("viewname", TEXT, false),
        ("viewowner", TEXT, false),
        ("definition", TEXT, false),
    ],
);

/// `pg_matviews`: materialized views and their defining queries.
pub const PG_MATVIEWS: BuiltinRelation = pg(
    315,
    "pg_matviews",
    &[
        ("schemaname", TEXT, false),
        ("matviewname", TEXT, false),
        ("matviewowner", TEXT, false),
        ("tablespace", TEXT, true),
        ("hasindexes", BOOL, false),
        ("ispopulated", BOOL, false),
        ("definition", TEXT, false),
    ],
);

/// `pg_tables`: tables (sources and subsources included).
pub const PG_TABLES: BuiltinRelation = pg(
    316,
    "pg_tables",
    &[
        ("schemaname", TEXT, false),
        ("tablename", TEXT, false),
        ("tableowner", TEXT, false),
        ("tablespace", TEXT, true),
        ("hasindexes", BOOL, false),
        ("hasrules", BOOL, false),
        ("hastriggers", BOOL, false),
        ("rowsecurity", BOOL, false),
    ],
);

/// `pg_indexes`: indexes with their definitions.
pub const PG_INDEXES: BuiltinRelation = pg(
    317,
    "pg_indexes",
    &[
        ("schemaname", TEXT, false),
        ("tablename", TEXT, false),
        ("indexname", TEXT, false),
        ("tablespace", TEXT, true),
        ("indexdef", TEXT, false),
    ],
);

/// `pg_trigger`: triggers, which Freshet does not have (empty).
pub const PG_TRIGGER: BuiltinRelation = pg(
    318,
    "pg_trigger",
    &[
        ("oid", OID, false),
        ("tgrelid", OID, false),
        ("tgname", TEXT, false),
        ("tgfoid", OID, false),
        ("tgtype", INT2, false),
        ("tgenabled", TEXT, false),
        ("tgisinternal", BOOL, false),
    ],
);

/// `pg_rewrite`: rewrite rules, which Freshet does not have (empty).
pub const PG_REWRITE: BuiltinRelation = pg(
    319,
    "pg_rewrite",
    &[
        ("oid", OID, false),
        ("rulename", TEXT, false),
        ("ev_class", OID, false),
        ("ev_type", TEXT, false),
        ("ev_enabled", TEXT, false),
        ("is_instead", BOOL, false),
    ],
);

/// `pg_auth_members`: role memberships, which Freshet does not have
/// (empty).
pub const PG_AUTH_MEMBERS: BuiltinRelation = pg(
    320,
    "pg_auth_members",
    &[
        ("roleid", OID, false),
        ("member", OID, false),
        ("grantor", OID, false),
        ("admin_option", BOOL, false),
    ],
);

/// `pg_extension`: installed extensions, which Freshet does not have
/// (empty).
pub const PG_EXTENSION: BuiltinRelation = pg(
    321,
    "pg_extension",
    &[
        ("oid", OID, false),
        ("extname", TEXT, false),
        ("extowner", OID, false),
        ("extnamespace", OID, false),
        ("extrelocatable", BOOL, false),
        ("extversion", TEXT, false),
        ("extconfig", OID_ARRAY, true),
        ("extcondition", TEXT_ARRAY, true),
    ],
);
