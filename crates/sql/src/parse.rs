//! Parsing: SQL text into [`Statement`]s.
//!
//! Statements sqlparser knows are parsed by sqlparser (PostgreSQL dialect).
//! Freshet's own statements (the Materialize surface: `SHOW SOURCES`,
//! `CREATE SOURCE`, `SUBSCRIBE`, …) are tried first by a thin grammar of our
//! own on the same token stream, which rewinds when a statement is not one of
//! ours; sqlparser is wrapped, never forked.

mod cluster;
mod connection;
mod cursor;
mod extension;
mod materialized_view;
mod source;
mod subscribe;

pub use cluster::{AlterCluster, ClusterOptions};
pub use connection::{AlterConnection, ConnectionOption, CreateConnection, OptionValue};
pub use cursor::{Declare, Fetch};
pub use materialized_view::CreateMaterializedView;
pub use source::{AlterSourceAddSubsources, CreateSource, CreateSubsource, SourceTables, SubsourceColumn, SubsourceOf};
pub use subscribe::{Subscribe, SubscribeRelation};

use std::fmt;

use sqlparser::ast;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

use crate::PlanError;

/// One parsed statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// A statement of sqlparser's grammar.
    Sql(Box<ast::Statement>),
    /// `SHOW DATABASES`, `SHOW SCHEMAS [FROM db]`, `SHOW TABLES [FROM schema]`.
    Show(ShowObjects),
    /// A query read at a chosen time: `SELECT … AS OF [AT LEAST] ts`.
    AsOf {
        /// The query.
        query: Box<ast::Query>,
        /// The time expression.
        as_of: Box<ast::Expr>,
        /// `AT LEAST`: the time is a lower bound, not exact.
        at_least: bool,
    },
    /// `CREATE [DEFAULT] INDEX …`
    CreateIndex(CreateIndex),
    /// `EXPLAIN [[OPTIMIZED] PLAN FOR] MATERIALIZED VIEW | INDEX name`: the
    /// plan a maintained object's dataflow runs.
    ExplainItem {
        /// The kind of object named.
        kind: crate::catalog::ItemKind,
        /// Its name.
        name: ast::ObjectName,
    },
    /// `SHOW CREATE TABLE|VIEW|MATERIALIZED VIEW|INDEX|SOURCE|CONNECTION|SECRET
    /// name`: the stored definition.
    ShowCreate {
        /// The kind of object named.
        kind: crate::catalog::ItemKind,
        /// Its name.
        name: ast::ObjectName,
    },
    /// `SHOW CREATE CLUSTER name`: a statement that makes the cluster as it is.
    ShowCreateCluster {
        /// The cluster.
        name: ast::Ident,
    },
    /// `CREATE SECRET [IF NOT EXISTS] name AS value`
    CreateSecret {
        /// The secret's name.
        name: ast::ObjectName,
        /// Succeed with a notice if it exists.
        if_not_exists: bool,
        /// The value.
        value: ast::Expr,
    },
    /// `ALTER SECRET [IF EXISTS] name AS value`
    AlterSecret {
        /// The secret's name.
        name: ast::ObjectName,
        /// Succeed with a notice if it does not exist.
        if_exists: bool,
        /// The new value.
        value: ast::Expr,
    },
    /// `CREATE CONNECTION … TO MYSQL (…)`
    CreateConnection(CreateConnection),
    /// `CREATE CLUSTER name (SIZE = 'size' [, REPLICATION FACTOR = n])`
    CreateCluster {
        /// The cluster's name.
        name: ast::Ident,
        /// `SIZE`, if given.
        size: Option<String>,
        /// `REPLICATION FACTOR`, if given.
        replication_factor: Option<u64>,
    },
    /// `ALTER CLUSTER [IF EXISTS] name SET (SIZE = 'size', REPLICATION FACTOR = n)`
    AlterCluster(AlterCluster),
    /// `DROP CLUSTER [IF EXISTS] name, … [CASCADE | RESTRICT]`
    DropClusters {
        /// The clusters.
        names: Vec<ast::Ident>,
        /// Skip, with a notice, names of no cluster.
        if_exists: bool,
        /// Drop the indexes in them too.
        cascade: bool,
    },
    /// `ALTER CONNECTION … SET (…) | RESET (…)`
    AlterConnection(AlterConnection),
    /// `CREATE SOURCE … FROM MYSQL CONNECTION …`
    CreateSource(CreateSource),
    /// `CREATE SUBSOURCE …`: only in the catalog's stored definitions.
    CreateSubsource(CreateSubsource),
    /// `ALTER SOURCE … ADD SUBSOURCE …`
    AlterSourceAddSubsources(AlterSourceAddSubsources),
    /// `VALIDATE CONNECTION name`
    ValidateConnection {
        /// The connection.
        name: ast::ObjectName,
    },
    /// `DROP kind [IF EXISTS] name, … [CASCADE | RESTRICT]`, for the kinds
    /// sqlparser does not know (`SECRET`).
    DropObjects {
        /// The kind of the objects named.
        kind: crate::catalog::ItemKind,
        /// Their names.
        names: Vec<ast::ObjectName>,
        /// Skip, with a notice, names of nothing.
        if_exists: bool,
        /// Drop what depends on them too.
        cascade: bool,
    },
    /// `SUBSCRIBE …` or `COPY (SUBSCRIBE …) TO STDOUT`
    Subscribe(Subscribe),
    /// `DECLARE name CURSOR FOR …`
    Declare(Declare),
    /// `CREATE MATERIALIZED VIEW …`
    CreateMaterializedView(CreateMaterializedView),
    /// `FETCH … name`
    Fetch(Fetch),
    /// `ALTER kind [IF EXISTS] name RENAME TO new_name`
    AlterRename {
        /// The kind of object the statement names.
        kind: crate::catalog::ItemKind,
        /// The object.
        name: ast::ObjectName,
        /// Succeed with a notice if it does not exist.
        if_exists: bool,
        /// Its new name, in the same schema.
        to: ast::Ident,
    },
    /// A statement of the Materialize surface recognized by its leading
    /// keywords but not implemented yet: answered with `feature not supported`.
    NotYetSupported {
        /// The statement's kind, e.g. `CREATE SOURCE`.
        feature: String,
    },
}

/// `CREATE [DEFAULT] INDEX [IF NOT EXISTS] [name] [IN CLUSTER c] ON obj [(key, …)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateIndex {
    /// The index's name; derived from the object and key when not given.
    pub name: Option<ast::Ident>,
    /// Succeed with a notice if an index of that name exists.
    pub if_not_exists: bool,
    /// The cluster it runs in.
    pub cluster: Option<ast::Ident>,
    /// The table or view it indexes.
    pub on: ast::ObjectName,
    /// The key expressions; `None` for `CREATE DEFAULT INDEX`.
    pub key: Option<Vec<ast::Expr>>,
}

impl fmt::Display for CreateIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.key.is_some() {
            "CREATE INDEX "
        } else {
            "CREATE DEFAULT INDEX "
        })?;
        if self.if_not_exists {
            f.write_str("IF NOT EXISTS ")?;
        }
        if let Some(name) = &self.name {
            write!(f, "{name} ")?;
        }
        if let Some(cluster) = &self.cluster {
            write!(f, "IN CLUSTER {cluster} ")?;
        }
        write!(f, "ON {}", self.on)?;
        if let Some(key) = &self.key {
            let key: Vec<String> = key.iter().map(ToString::to_string).collect();
            write!(f, " ({})", key.join(", "))?;
        }
        Ok(())
    }
}

/// The item kinds `SHOW <plural> [FROM schema]` lists, by their plural.
pub(crate) const SHOWN_ITEMS: &[(&str, crate::catalog::ItemKind)] = &[
    ("TABLES", crate::catalog::ItemKind::Table),
    ("VIEWS", crate::catalog::ItemKind::View),
    ("SECRETS", crate::catalog::ItemKind::Secret),
    ("CONNECTIONS", crate::catalog::ItemKind::Connection),
];

/// The rows a `SHOW` keeps: `LIKE 'pattern'` (on the name) or `WHERE expr`
/// (over the columns it prints).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShowFilter {
    /// `LIKE 'pattern'`
    Like(String),
    /// `WHERE expr`
    Where(Box<ast::Expr>),
}

impl fmt::Display for ShowFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShowFilter::Like(pattern) => write!(f, "LIKE {}", ast::Value::SingleQuotedString(pattern.clone())),
            ShowFilter::Where(expr) => write!(f, "WHERE {expr}"),
        }
    }
}

/// What a `SHOW` of a kind of object lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShowObjects {
    /// `SHOW DATABASES [LIKE 'p' | WHERE expr]`
    Databases {
        /// The rows kept.
        filter: Option<ShowFilter>,
    },
    /// `SHOW SCHEMAS [FROM database] [LIKE 'p' | WHERE expr]`
    Schemas {
        /// The database, default the session's.
        from: Option<ast::ObjectName>,
        /// The rows kept.
        filter: Option<ShowFilter>,
    },
    /// `SHOW TABLES|VIEWS|SECRETS|CONNECTIONS [FROM schema] [LIKE 'p' |
    /// WHERE expr]`: the items of one kind.
    Items {
        /// The kind listed.
        kind: crate::catalog::ItemKind,
        /// The schema, default the first existing one of the search path.
        from: Option<ast::ObjectName>,
        /// The rows kept.
        filter: Option<ShowFilter>,
    },
    /// `SHOW MATERIALIZED VIEWS [FROM schema] [IN CLUSTER c] [LIKE 'p' |
    /// WHERE expr]`
    MaterializedViews {
        /// The schema, default the first existing one of the search path.
        from: Option<ast::ObjectName>,
        /// Only the views maintained in this cluster.
        cluster: Option<ast::Ident>,
        /// The rows kept.
        filter: Option<ShowFilter>,
    },
    /// `SHOW CLUSTERS [LIKE 'p' | WHERE …]`
    Clusters {
        /// The rows kept.
        filter: Option<ShowFilter>,
    },
    /// `SHOW CLUSTER REPLICAS [LIKE 'p' | WHERE …]`
    ClusterReplicas {
        /// The rows kept.
        filter: Option<ShowFilter>,
    },
    /// `SHOW SOURCES [FROM schema] [LIKE 'p' | WHERE …]`: sources,
    /// subsources and progress subsources, with their type and cluster.
    Sources {
        /// The schema, default the first existing one of the search path.
        from: Option<ast::ObjectName>,
        /// The rows kept.
        filter: Option<ShowFilter>,
    },
    /// `SHOW SUBSOURCES [FROM schema | ON source] [LIKE 'p' | WHERE …]`
    Subsources {
        /// The schema, default the first existing one of the search path.
        from: Option<ast::ObjectName>,
        /// Only the subsources of this source.
        on: Option<ast::ObjectName>,
        /// The rows kept.
        filter: Option<ShowFilter>,
    },
    /// `SHOW INDEXES [FROM schema | ON object] [IN CLUSTER cluster] [LIKE
    /// 'p' | WHERE …]`
    Indexes {
        /// The schema, default the first existing one of the search path.
        from: Option<ast::ObjectName>,
        /// Only the indexes of this table or view.
        on: Option<ast::ObjectName>,
        /// Only the indexes in this cluster.
        cluster: Option<ast::Ident>,
        /// The rows kept.
        filter: Option<ShowFilter>,
    },
    /// `SHOW COLUMNS FROM relation [LIKE 'p' | WHERE …]`: its columns in
    /// order, with whether they may be `NULL` and their type.
    Columns {
        /// The relation.
        of: ast::ObjectName,
        /// The rows kept.
        filter: Option<ShowFilter>,
    },
}

impl fmt::Display for ShowObjects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (from, on, cluster, filter) = match self {
            ShowObjects::Databases { filter } => {
                f.write_str("SHOW DATABASES")?;
                (None, None, None, filter)
            }
            ShowObjects::Schemas { from, filter } => {
                f.write_str("SHOW SCHEMAS")?;
                (from.as_ref(), None, None, filter)
            }
            ShowObjects::Items { kind, from, filter } => {
                let plural = SHOWN_ITEMS.iter().find(|(_, k)| k == kind).map_or("ITEMS", |(p, _)| *p);
                write!(f, "SHOW {plural}")?;
                (from.as_ref(), None, None, filter)
            }
            ShowObjects::MaterializedViews { from, cluster, filter } => {
                f.write_str("SHOW MATERIALIZED VIEWS")?;
                (from.as_ref(), None, cluster.as_ref(), filter)
            }
            ShowObjects::Clusters { filter } => {
                f.write_str("SHOW CLUSTERS")?;
                (None, None, None, filter)
            }
            ShowObjects::ClusterReplicas { filter } => {
                f.write_str("SHOW CLUSTER REPLICAS")?;
                (None, None, None, filter)
            }
            ShowObjects::Sources { from, filter } => {
                f.write_str("SHOW SOURCES")?;
                (from.as_ref(), None, None, filter)
            }
            ShowObjects::Subsources { from, on, filter } => {
                f.write_str("SHOW SUBSOURCES")?;
                (from.as_ref(), on.as_ref(), None, filter)
            }
            ShowObjects::Indexes {
                from,
                on,
                cluster,
                filter,
            } => {
                f.write_str("SHOW INDEXES")?;
                (from.as_ref(), on.as_ref(), cluster.as_ref(), filter)
            }
            ShowObjects::Columns { of, filter } => {
                write!(f, "SHOW COLUMNS FROM {of}")?;
                (None, None, None, filter)
            }
        };
        from.iter().try_for_each(|n| write!(f, " FROM {n}"))?;
        on.iter().try_for_each(|n| write!(f, " ON {n}"))?;
        cluster.iter().try_for_each(|c| write!(f, " IN CLUSTER {c}"))?;
        filter.iter().try_for_each(|filter| write!(f, " {filter}"))
    }
}

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Statement::Sql(stmt) => write!(f, "{stmt}"),
            Statement::Show(show) => write!(f, "{show}"),
            Statement::AsOf { query, as_of, at_least } => {
                write!(f, "{query} AS OF {}{as_of}", if *at_least { "AT LEAST " } else { "" })
            }
            Statement::CreateIndex(create) => write!(f, "{create}"),
            Statement::ShowCreate { kind, name } => {
                write!(f, "SHOW CREATE {} {name}", kind.name().to_uppercase())
            }
            Statement::ShowCreateCluster { name } => write!(f, "SHOW CREATE CLUSTER {name}"),
            Statement::ExplainItem { kind, name } => {
                write!(f, "EXPLAIN {} {name}", kind.name().to_uppercase())
            }
            // A secret's value is never printed.
            Statement::CreateSecret {
                name, if_not_exists, ..
            } => write!(
                f,
                "CREATE SECRET {}{name} AS '********'",
                if *if_not_exists { "IF NOT EXISTS " } else { "" }
            ),
            Statement::AlterSecret { name, if_exists, .. } => write!(
                f,
                "ALTER SECRET {}{name} AS '********'",
                if *if_exists { "IF EXISTS " } else { "" }
            ),
            Statement::CreateConnection(create) => write!(f, "{create}"),
            Statement::ValidateConnection { name } => write!(f, "VALIDATE CONNECTION {name}"),
            Statement::AlterConnection(alter) => write!(f, "{alter}"),
            Statement::CreateSource(create) => write!(f, "{create}"),
            Statement::CreateSubsource(create) => write!(f, "{create}"),
            Statement::AlterSourceAddSubsources(alter) => write!(f, "{alter}"),
            Statement::CreateCluster {
                name,
                size,
                replication_factor,
            } => {
                let mut options = Vec::new();
                if let Some(size) = size {
                    options.push(format!("SIZE = {}", ast::Value::SingleQuotedString(size.clone())));
                }
                if let Some(n) = replication_factor {
                    options.push(format!("REPLICATION FACTOR = {n}"));
                }
                write!(f, "CREATE CLUSTER {name} ({})", options.join(", "))
            }
            Statement::AlterCluster(alter) => write!(f, "{alter}"),
            Statement::DropClusters {
                names,
                if_exists,
                cascade,
            } => write_drop(f, "CLUSTER", names, *if_exists, *cascade),
            Statement::DropObjects {
                kind,
                names,
                if_exists,
                cascade,
            } => write_drop(f, &kind.name().to_uppercase(), names, *if_exists, *cascade),
            Statement::Subscribe(subscribe) => write!(f, "{subscribe}"),
            Statement::Declare(declare) => write!(f, "{declare}"),
            Statement::CreateMaterializedView(create) => write!(f, "{create}"),
            Statement::Fetch(fetch) => write!(f, "{fetch}"),
            Statement::AlterRename {
                kind,
                name,
                if_exists,
                to,
            } => write!(
                f,
                "ALTER {} {}{name} RENAME TO {to}",
                kind.name().to_uppercase(),
                if *if_exists { "IF EXISTS " } else { "" }
            ),
            Statement::NotYetSupported { feature } => write!(f, "<not yet supported: {feature}>"),
        }
    }
}

/// `DROP kind [IF EXISTS] name, … [CASCADE]`.
fn write_drop<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    kind: &str,
    names: &[T],
    if_exists: bool,
    cascade: bool,
) -> fmt::Result {
    let names: Vec<String> = names.iter().map(ToString::to_string).collect();
    write!(
        f,
        "DROP {kind} {}{}{}",
        if if_exists { "IF EXISTS " } else { "" },
        names.join(", "),
        if cascade { " CASCADE" } else { "" }
    )
}

/// Parses every statement of `sql`, separated by semicolons.
pub fn parse(sql: &str) -> Result<Vec<Statement>, PlanError> {
    let dialect = PostgreSqlDialect {};
    let mut parser = Parser::new(&dialect)
        .try_with_sql(sql)
        .map_err(|e| parse_error(sql, e))?;
    let mut statements = Vec::new();
    loop {
        while parser.consume_token(&Token::SemiColon) {}
        if parser.peek_token_ref().token == Token::EOF {
            break;
        }
        let statement = match extension::parse(&mut parser).map_err(|e| parse_error(sql, e))? {
            Some(statement) => statement,
            None => Statement::Sql(Box::new(parser.parse_statement().map_err(|e| parse_error(sql, e))?)),
        };
        statements.push(statement);
        match parser.peek_token_ref().token {
            Token::SemiColon | Token::EOF => {}
            _ => {
                let found = parser.peek_token();
                return Err(parse_error(
                    sql,
                    ParserError::ParserError(format!(
                        "Expected: end of statement, found: {} at Line: {}, Column: {}",
                        found.token, found.span.start.line, found.span.start.column
                    )),
                ));
            }
        }
    }
    Ok(statements)
}

/// Turns sqlparser's error (`Expected: X, found: Y at Line: l, Column: c`)
/// into PostgreSQL's shape: `syntax error at or near "Y"`, the expectation as
/// detail, and the character position.
fn parse_error(sql: &str, e: ParserError) -> PlanError {
    let text = match e {
        ParserError::TokenizerError(s) | ParserError::ParserError(s) => s,
        ParserError::RecursionLimitExceeded => {
            return PlanError::Parse {
                message: "statement is too deeply nested".into(),
                detail: None,
                position: None,
            };
        }
    };
    let (body, location) = match text.rfind(" at Line: ") {
        Some(i) => (&text[..i], Some(&text[i + " at Line: ".len()..])),
        None => (text.as_str(), None),
    };
    let position = location.and_then(|loc| {
        let (line, column) = loc.split_once(", Column: ")?;
        let line: usize = line.trim().parse().ok()?;
        let column: usize = column.trim().parse().ok()?;
        let before: usize = sql
            .split('\n')
            .take(line.saturating_sub(1))
            .map(|l| l.chars().count() + 1)
            .sum();
        Some(before + column)
    });
    match body
        .strip_prefix("Expected: ")
        .and_then(|rest| rest.split_once(", found: "))
    {
        Some((expected, found)) => {
            let near = if found == "EOF" {
                "syntax error at end of input".to_owned()
            } else {
                format!("syntax error at or near \"{found}\"")
            };
            PlanError::Parse {
                message: near,
                detail: Some(format!("Expected {expected}.")),
                position,
            }
        }
        None => PlanError::Parse {
            message: lowercase_first(body),
            detail: None,
            position,
        },
    }
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
