//! The errors of parsing and planning.

use freshet_expr::EvalError;
use freshet_repr::SqlState;

/// The clause of a statement that names its subsources, for hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameClause {
    /// `CREATE SOURCE … FOR TABLES (…)`
    ForTables,
    /// `ALTER SOURCE … ADD SUBSOURCE …`
    AddSubsource,
}

impl NameClause {
    /// How the clause names `table`'s subsource `name`.
    fn rename(self, table: &str, name: &str) -> String {
        match self {
            NameClause::ForTables => format!("FOR TABLES ({table} AS {name})"),
            NameClause::AddSubsource => format!("ADD SUBSOURCE {table} AS {name}"),
        }
    }
}

/// An error parsing or planning a statement.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// The text is not valid SQL.
    #[error("{message}")]
    Parse {
        /// PostgreSQL-style message (`syntax error at or near "x"`).
        message: String,
        /// What the parser expected, as a sentence.
        detail: Option<String>,
        /// The 1-based character position of the error in the query text.
        position: Option<usize>,
    },
    /// A statement or feature Freshet does not implement (yet).
    #[error("feature not supported: {0}")]
    Unsupported(String),
    /// A database that does not exist.
    #[error("database \"{0}\" does not exist")]
    UnknownDatabase(String),
    /// A schema that does not exist.
    #[error("schema \"{0}\" does not exist")]
    UnknownSchema(String),
    /// A table or other relation that does not exist.
    #[error("relation \"{0}\" does not exist")]
    UnknownRelation(String),
    /// An item named by `DROP TABLE` or `DROP VIEW` that does not exist.
    #[error("{kind} \"{name}\" does not exist")]
    UnknownItem {
        /// `table`, `view` or `index`.
        kind: &'static str,
        /// The name as given.
        name: String,
    },
    /// A cluster that does not exist.
    #[error("unknown cluster '{0}'")]
    UnknownCluster(String),
    /// A cluster size that does not exist.
    #[error("unknown cluster size {0}")]
    InvalidClusterSize(String),
    /// A column that does not exist.
    #[error("column \"{0}\" does not exist")]
    UnknownColumn(String),
    /// A column qualified by a table the query does not read.
    #[error("missing FROM-clause entry for table \"{0}\"")]
    MissingFromEntry(String),
    /// A column name that more than one input column answers to.
    #[error("column reference \"{0}\" is ambiguous")]
    AmbiguousColumn(String),
    /// A type name that does not exist.
    #[error("type \"{0}\" does not exist")]
    UnknownType(String),
    /// A collation other than the default one.
    #[error("collation \"{0}\" for encoding \"UTF8\" does not exist")]
    UnknownCollation(String),
    /// A function that does not exist for the given argument types.
    #[error("function {name}({args}) does not exist")]
    UnknownFunction {
        /// The function's name.
        name: String,
        /// The argument types, comma-separated.
        args: String,
    },
    /// An operator that does not exist for the given operand types.
    #[error("operator does not exist: {0}")]
    UnknownOperator(String),
    /// A function call that several overloads fit equally well.
    #[error("function {name}({args}) is not unique")]
    AmbiguousFunction {
        /// The function's name.
        name: String,
        /// The argument types, comma-separated.
        args: String,
    },
    /// An operator that several overloads fit equally well.
    #[error("operator is not unique: {0}")]
    AmbiguousOperator(String),
    /// An object created without a schema, and no schema of the search path exists.
    #[error("no schema has been selected to create in")]
    NoSchemaSelected,
    /// An attempt to create or drop objects in a builtin schema.
    #[error("system schema \"{0}\" cannot be modified")]
    SystemSchema(String),
    /// A column named twice.
    #[error("column \"{0}\" specified more than once")]
    DuplicateColumn(String),
    /// A column of `JOIN … USING` that one side does not have.
    #[error("column \"{column}\" specified in USING clause does not exist in {side} table")]
    UnknownUsingColumn {
        /// The column.
        column: String,
        /// `left` or `right`.
        side: &'static str,
    },
    /// A column of `JOIN … USING` that one side has several of.
    #[error("common column name \"{column}\" appears more than once in {side} table")]
    AmbiguousUsingColumn {
        /// The column.
        column: String,
        /// `left` or `right`.
        side: &'static str,
    },
    /// A column named twice in `JOIN … USING`.
    #[error("column name \"{0}\" appears more than once in USING clause")]
    DuplicateUsingColumn(String),
    /// Two items of one `FROM` clause under the same name.
    #[error("table name \"{0}\" specified more than once")]
    DuplicateAlias(String),
    /// Two queries of one `WITH` clause under the same name.
    #[error("WITH query name \"{0}\" specified more than once")]
    DuplicateCteName(String),
    /// A qualified column whose table is in the `FROM` clause but cannot be
    /// seen where the column is written (a sibling of a derived table, a
    /// table outside the join whose `ON` names it).
    #[error("invalid reference to FROM-clause entry for table \"{0}\"")]
    InvisibleFromEntry(String),
    /// An output name an `ORDER BY` item matches several output columns of.
    #[error("{clause} \"{name}\" is ambiguous")]
    AmbiguousOutputName {
        /// The clause (`ORDER BY`).
        clause: &'static str,
        /// The name.
        name: String,
    },
    /// An `ORDER BY` over `UNION`, `INTERSECT` or `EXCEPT` that is neither an
    /// output column's name nor its position.
    #[error("invalid UNION/INTERSECT/EXCEPT ORDER BY clause")]
    SetOperationOrderBy,
    /// A second `PRIMARY KEY` in one `CREATE TABLE`.
    #[error("multiple primary keys for table \"{0}\" are not allowed")]
    MultiplePrimaryKeys(String),
    /// A `PRIMARY KEY` or `UNIQUE` constraint naming a column the table
    /// does not have.
    #[error("column \"{0}\" named in key does not exist")]
    UnknownKeyColumn(String),
    /// A `PRIMARY KEY` or `UNIQUE` constraint naming a column twice.
    #[error("column \"{column}\" appears twice in {constraint} constraint")]
    DuplicateKeyColumn {
        /// The column.
        column: String,
        /// The kind of constraint: `primary key` or `unique`.
        constraint: &'static str,
    },
    /// A constraint name already taken by the table or another of its
    /// constraints (PostgreSQL names each key's index after its constraint,
    /// so the names share the namespace of relations).
    #[error("relation \"{0}\" already exists")]
    DuplicateConstraintName(String),
    /// A conversion that does not exist.
    #[error("cannot cast type {from} to {to}")]
    InvalidCast {
        /// The source type.
        from: String,
        /// The target type.
        to: String,
    },
    /// Types that do not fit where they are used.
    #[error("{0}")]
    DatatypeMismatch(String),
    /// An invalid value for an option or type modifier.
    #[error("{0}")]
    InvalidParameter(String),
    /// An object of another kind than the statement acts on.
    #[error("\"{name}\" is not {expected}")]
    WrongObjectType {
        /// The object's name.
        name: String,
        /// The kind the statement needs, with its article (`a table`).
        expected: &'static str,
    },
    /// An `INSERT` whose values do not line up with its columns.
    #[error("INSERT has {0}")]
    InsertArity(&'static str),
    /// A `LIMIT` that is not a non-negative integer.
    #[error("LIMIT must not be negative")]
    NegativeLimit,
    /// An `OFFSET` that is not a non-negative integer.
    #[error("OFFSET must not be negative")]
    NegativeOffset,
    /// An `ORDER BY` position beyond the select list.
    #[error("ORDER BY position {0} is not in select list")]
    OrderByPosition(i64),
    /// A misuse of grouping or aggregates (a column neither grouped nor
    /// aggregated, an aggregate in `WHERE`).
    #[error("{0}")]
    Grouping(String),
    /// A misuse of window functions (one in `WHERE`, or nested in another).
    #[error("{0}")]
    Windowing(String),
    /// `OVER` after a function that is neither a window function nor an
    /// aggregate.
    #[error("OVER specified, but {0} is not a window function nor an aggregate function")]
    NotWindowFunction(String),
    /// Set operation or `ORDER BY` references that do not fit the query
    /// (`ORDER BY` of a column not in a `DISTINCT` select list).
    #[error("{0}")]
    InvalidColumnReference(String),
    /// A subquery returning the wrong number of columns.
    #[error("{0}")]
    SubqueryColumns(String),
    /// A parameter (`$n`) where the statement has none: outside a prepared
    /// statement, or in a definition that is stored (`CREATE VIEW`).
    #[error("there is no parameter ${0}")]
    UndefinedParameter(usize),
    /// A parameter whose type neither the client nor the statement gives
    /// (`$1` unused while `$2` is).
    #[error("could not determine data type of parameter ${0}")]
    IndeterminateParameter(usize),
    /// A parameter that two places of the statement give different types.
    #[error("inconsistent types deduced for parameter ${index}")]
    InconsistentParameter {
        /// Its 1-based number.
        index: usize,
        /// The type it was given first.
        first: String,
        /// The type another place gives it.
        second: String,
    },
    /// Two upstream tables of one source would get the same subsource name.
    #[error("multiple subsources would be named \"{name}\": {}", .tables.join(", "))]
    SubsourceNameClash {
        /// The name.
        name: String,
        /// The upstream tables, `schema.table` each.
        tables: Vec<String>,
        /// The clause that names them.
        clause: NameClause,
    },
    /// A subsource's name is taken by an existing object.
    #[error("relation \"{name}\" already exists")]
    SubsourceExists {
        /// The name.
        name: String,
        /// The upstream table it copies (`None` for the progress subsource).
        table: Option<String>,
        /// The clause that names it.
        clause: NameClause,
    },
    /// An upstream table named twice in one `ALTER SOURCE … ADD SUBSOURCE`.
    #[error("table \"{0}\" is named more than once")]
    DuplicateUpstreamTable(String),
    /// `DROP SOURCE` of a progress subsource without its source.
    #[error("source \"{name}\" is a progress subsource and cannot be dropped alone")]
    ProgressSubsourceDrop {
        /// The progress subsource.
        name: String,
        /// Its source.
        source_name: String,
    },
    /// A new name taken by another item of the schema.
    #[error("relation \"{0}\" already exists")]
    ItemExists(String),
    /// `CREATE OR REPLACE` of an item whose new definition reads the item
    /// it replaces.
    #[error("cannot replace {kind} {name}: depended upon by new {name} definition")]
    ReplaceSelfDependent {
        /// The replaced item's kind (`view`).
        kind: &'static str,
        /// Its qualified name.
        name: String,
    },
    /// A rename that would leave a definition naming the item meaning
    /// something else, or nothing.
    #[error("cannot rename {name}: the definition of {kind} {user} would no longer plan")]
    RenameBreaksDefinition {
        /// The renamed item's qualified name.
        name: String,
        /// The kind of the item whose definition names it.
        kind: &'static str,
        /// That item's qualified name.
        user: String,
        /// Why its rewritten definition fails.
        reason: String,
    },
    /// An error evaluating a constant while planning (`'abc'::int`).
    #[error(transparent)]
    Eval(#[from] EvalError),
}

impl PlanError {
    /// The SQLSTATE sent to clients for this error.
    pub fn code(&self) -> SqlState {
        match self {
            PlanError::Parse { .. } | PlanError::InsertArity(_) => SqlState::SyntaxError,
            PlanError::Unsupported(_) => SqlState::FeatureNotSupported,
            PlanError::UnknownDatabase(_) => SqlState::InvalidCatalogName,
            PlanError::UnknownSchema(_) | PlanError::NoSchemaSelected => SqlState::InvalidSchemaName,
            PlanError::UnknownItem { kind: "index", .. } | PlanError::UnknownCluster(_) => SqlState::UndefinedObject,
            PlanError::InvalidClusterSize(_) => SqlState::InvalidParameterValue,
            PlanError::UnknownRelation(_) | PlanError::UnknownItem { .. } | PlanError::MissingFromEntry(_) => {
                SqlState::UndefinedTable
            }
            PlanError::UnknownColumn(_) | PlanError::UnknownUsingColumn { .. } => SqlState::UndefinedColumn,
            PlanError::AmbiguousColumn(_) | PlanError::AmbiguousUsingColumn { .. } => SqlState::AmbiguousColumn,
            PlanError::UnknownType(_) | PlanError::UnknownCollation(_) => SqlState::UndefinedObject,
            PlanError::UnknownFunction { .. } | PlanError::UnknownOperator(_) => SqlState::UndefinedFunction,
            PlanError::AmbiguousFunction { .. } | PlanError::AmbiguousOperator(_) => SqlState::AmbiguousFunction,
            PlanError::SystemSchema(_) => SqlState::InsufficientPrivilege,
            PlanError::DuplicateColumn(_)
            | PlanError::DuplicateKeyColumn { .. }
            | PlanError::DuplicateUsingColumn(_) => SqlState::DuplicateColumn,
            PlanError::DuplicateAlias(_) | PlanError::DuplicateCteName(_) => SqlState::DuplicateAlias,
            PlanError::InvisibleFromEntry(_) => SqlState::UndefinedTable,
            PlanError::AmbiguousOutputName { .. } => SqlState::AmbiguousColumn,
            PlanError::SetOperationOrderBy => SqlState::FeatureNotSupported,
            PlanError::MultiplePrimaryKeys(_) => SqlState::InvalidTableDefinition,
            PlanError::UnknownKeyColumn(_) => SqlState::UndefinedColumn,
            PlanError::DuplicateConstraintName(_) => SqlState::DuplicateTable,
            PlanError::InvalidCast { .. } => SqlState::CannotCoerce,
            PlanError::DatatypeMismatch(_) => SqlState::DatatypeMismatch,
            PlanError::InvalidParameter(_) => SqlState::InvalidParameterValue,
            PlanError::WrongObjectType { .. } => SqlState::WrongObjectType,
            PlanError::NegativeLimit => SqlState::InvalidRowCountInLimitClause,
            PlanError::NegativeOffset => SqlState::InvalidRowCountInResultOffsetClause,
            PlanError::OrderByPosition(_) | PlanError::InvalidColumnReference(_) => SqlState::InvalidColumnReference,
            PlanError::Grouping(_) => SqlState::GroupingError,
            PlanError::Windowing(_) => SqlState::WindowingError,
            PlanError::NotWindowFunction(_) => SqlState::WrongObjectType,
            PlanError::SubqueryColumns(_) => SqlState::SyntaxError,
            PlanError::UndefinedParameter(_) => SqlState::UndefinedParameter,
            PlanError::IndeterminateParameter(_) => SqlState::IndeterminateDatatype,
            PlanError::InconsistentParameter { .. } => SqlState::AmbiguousParameter,
            PlanError::SubsourceNameClash { .. } => SqlState::DuplicateObject,
            PlanError::SubsourceExists { .. } => SqlState::DuplicateTable,
            PlanError::DuplicateUpstreamTable(_) => SqlState::DuplicateObject,
            PlanError::ProgressSubsourceDrop { .. } => SqlState::WrongObjectType,
            PlanError::ItemExists(_) => SqlState::DuplicateTable,
            PlanError::ReplaceSelfDependent { .. } => SqlState::InvalidObjectDefinition,
            PlanError::RenameBreaksDefinition { .. } => SqlState::DependentObjectsStillExist,
            PlanError::Eval(e) => e.code(),
        }
    }

    /// A sentence of detail, where one helps.
    pub fn detail(&self) -> Option<String> {
        match self {
            PlanError::Parse { detail, .. } => detail.clone(),
            PlanError::SetOperationOrderBy => {
                Some("Only result column names can be used, not expressions or functions.".into())
            }
            PlanError::InconsistentParameter { first, second, .. } => Some(format!("{first} versus {second}")),
            PlanError::RenameBreaksDefinition { reason, .. } => Some(format!("With the new name: {reason}.")),
            PlanError::Eval(e) => e.detail(),
            _ => None,
        }
    }

    /// A sentence suggesting a fix, where one helps.
    pub fn hint(&self) -> Option<String> {
        match self {
            PlanError::InvalidClusterSize(_) => Some(format!(
                "A size is a number of worker threads from 1 to {}, or one of {}.",
                crate::MAX_CLUSTER_WORKERS,
                crate::CLUSTER_SIZES
                    .iter()
                    .map(|(name, _)| format!("'{name}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            PlanError::UnknownFunction { .. } => Some(
                "No function matches the given name and argument types. You might need to add explicit type casts."
                    .into(),
            ),
            PlanError::UnknownOperator(_) => Some(
                "No operator matches the given name and argument types. You might need to add explicit type casts."
                    .into(),
            ),
            PlanError::AmbiguousFunction { .. } => {
                Some("Could not choose a best candidate function. You might need to add explicit type casts.".into())
            }
            PlanError::AmbiguousOperator(_) => {
                Some("Could not choose a best candidate operator. You might need to add explicit type casts.".into())
            }
            PlanError::NoSchemaSelected => Some("Create a schema, or set search_path to an existing one.".into()),
            PlanError::InvisibleFromEntry(table) => Some(format!(
                "There is an entry for table \"{table}\", but it cannot be referenced from this part of the query."
            )),
            PlanError::SetOperationOrderBy => {
                Some("Add the expression/function to every SELECT, or move the UNION into a FROM clause.".into())
            }
            PlanError::SubsourceNameClash { tables, clause, .. } => Some(format!(
                "Name them apart with AS, e.g. {}.",
                clause.rename(&tables[0], &tables[0].replace('.', "_"))
            )),
            PlanError::SubsourceExists {
                table: Some(table),
                clause: NameClause::ForTables,
                ..
            } => Some(format!(
                "Give the subsource another name with {}, or create the source in another schema.",
                NameClause::ForTables.rename(table, "other_name")
            )),
            PlanError::SubsourceExists {
                table: Some(table),
                clause: NameClause::AddSubsource,
                ..
            } => Some(format!(
                "Give the subsource another name with {}.",
                NameClause::AddSubsource.rename(table, "other_name")
            )),
            PlanError::SubsourceExists { table: None, .. } => {
                Some("Name the progress subsource with EXPOSE PROGRESS AS other_name.".into())
            }
            PlanError::RenameBreaksDefinition { kind, user, .. } => Some(format!(
                "Drop or replace {kind} {user} first, or give the name it reads an alias of its own."
            )),
            PlanError::ProgressSubsourceDrop { source_name, .. } => {
                Some(format!("Drop the source instead: DROP SOURCE {source_name}."))
            }
            PlanError::Eval(e) => e.hint(),
            _ => None,
        }
    }

    /// The 1-based character position in the query text the error points at.
    pub fn position(&self) -> Option<usize> {
        match self {
            PlanError::Parse { position, .. } => *position,
            _ => None,
        }
    }
}
