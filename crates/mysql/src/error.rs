//! What can go wrong talking to MySQL, each case with its SQLSTATE, and a
//! hint saying how to fix it.

use freshet_repr::SqlState;

/// A failure reaching or validating a MySQL server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MySqlError {
    /// The host name does not resolve.
    #[error("failed to resolve MySQL host \"{host}\": {reason}")]
    UnknownHost {
        /// The host.
        host: String,
        /// The resolver's words.
        reason: String,
    },
    /// Nothing listens at the address.
    #[error("cannot connect to MySQL at {host}:{port}: Connection refused")]
    ConnectionRefused {
        /// The host.
        host: String,
        /// The port.
        port: u16,
    },
    /// The server did not answer in time.
    #[error("cannot connect to MySQL at {host}:{port}: timed out after {seconds} s")]
    Timeout {
        /// The host.
        host: String,
        /// The port.
        port: u16,
        /// How long it waited.
        seconds: u64,
    },
    /// Any other network failure.
    #[error("cannot connect to MySQL at {host}:{port}: {reason}")]
    Network {
        /// The host.
        host: String,
        /// The port.
        port: u16,
        /// What failed.
        reason: String,
    },
    /// The server refused the user or password.
    #[error("MySQL refused the credentials: {0}")]
    AccessDenied(String),
    /// TLS could not be set up as `SSL MODE` asks.
    #[error("TLS with MySQL failed: {0}")]
    Tls(String),
    /// The connection's options are inconsistent (e.g. a certificate without its key).
    #[error("invalid MySQL connection: {0}")]
    InvalidOptions(String),
    /// A server setting a source needs has another value.
    #[error("MySQL setting {name} is {found}, but a source needs {expected}")]
    Setting {
        /// The setting (`gtid_mode`).
        name: &'static str,
        /// Its value on the server.
        found: String,
        /// The value needed.
        expected: &'static str,
    },
    /// The user lacks privileges a source needs.
    #[error("MySQL user {user} lacks privileges a source needs: {missing}")]
    MissingPrivileges {
        /// The user, as MySQL names it (`'freshet'@'%'`).
        user: String,
        /// The privileges it lacks, comma-separated.
        missing: String,
    },
    /// A source names tables MySQL does not have (or the user cannot see).
    #[error("referenced tables not found in MySQL: {}", .0.join(", "))]
    TablesNotFound(Vec<String>),
    /// `FOR ALL TABLES` or `FOR SCHEMAS` found nothing to copy.
    #[error("no tables found for {what}")]
    NoTables {
        /// What named them (`FOR ALL TABLES`, `schema shop`).
        what: String,
    },
    /// A `TEXT COLUMNS` or `EXCLUDE COLUMNS` entry does not fit the source.
    #[error("invalid source column option: {0}")]
    ColumnOption(String),
    /// A `TEXT COLUMNS` column is of a type text cannot hold.
    #[error("TEXT COLUMNS cannot hold column {column} of type {upstream_type}")]
    TextColumnType {
        /// The column, `schema.table.column`.
        column: String,
        /// Its MySQL type.
        upstream_type: String,
    },
    /// Columns of types Freshet cannot copy, neither text nor excluded.
    #[error("referenced tables use unsupported types: {}", .0.join(", "))]
    UnsupportedTypes(Vec<String>),
    /// The user may not snapshot some of the source's tables.
    #[error("MySQL user {user} lacks privileges on the source's tables: {}", .missing.join(", "))]
    MissingTablePrivileges {
        /// The user, as MySQL names it.
        user: String,
        /// Each privilege missing, with where (`SELECT ON shop.orders`).
        missing: Vec<String>,
    },
    /// A GTID set's text is not one.
    #[error("invalid GTID set \"{text}\": {reason}")]
    InvalidGtidSet {
        /// The text.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A table's columns on MySQL are no longer those the source copies.
    #[error("incompatible schema change in {table}: {detail}")]
    IncompatibleSchema {
        /// The table, `schema.table`.
        table: String,
        /// What changed.
        detail: String,
    },
    /// A table the source copies no longer exists on MySQL.
    #[error("table {table} was dropped")]
    TableDropped {
        /// The table, `schema.table`.
        table: String,
    },
    /// Rows of a table the source copies changed without row events
    /// (`TRUNCATE PARTITION`, `DROP PARTITION`, `EXCHANGE PARTITION`).
    #[error("{table} lost rows without row events: {statement}")]
    PartitionChanged {
        /// The table, `schema.table`.
        table: String,
        /// The statement, as the binlog has it.
        statement: String,
    },
    /// The binlog is gone past the point the source must resume from.
    #[error("MySQL has purged binlog the source still needs: transactions {missing} are no longer available")]
    BinlogPurged {
        /// The GTIDs the source lacks that the server purged.
        missing: String,
    },
    /// The server lacks transactions the source already ingested.
    #[error("MySQL lacks transactions the source has already ingested: {missing}")]
    TransactionsMissing {
        /// The GTIDs the source has and the server does not.
        missing: String,
    },
    /// A transaction arrived below the frontier of its server: an earlier
    /// transaction was skipped or came out of order.
    #[error("transaction {gtid} arrived after later transactions of its server (up to {frontier})")]
    GtidOutOfOrder {
        /// The transaction.
        gtid: String,
        /// The next transaction number the source expected.
        frontier: u64,
    },
    /// An XA transaction, which a source cannot ingest.
    #[error("XA transaction {gtid} cannot be ingested")]
    XaTransaction {
        /// The transaction.
        gtid: String,
    },
    /// An upstream value that the column's type cannot hold (a TIME beyond
    /// a day, a zero date, text invalid in the column's character set).
    #[error("cannot copy value {value} of column {table}.{column}: {reason}")]
    ValueNotRepresentable {
        /// The table, `schema.table`.
        table: String,
        /// The column.
        column: String,
        /// The value, as MySQL prints it (cut short when long).
        value: String,
        /// Why the type cannot hold it.
        reason: String,
        /// What kind of problem it is.
        problem: crate::decode::ValueProblem,
        /// Whether `TEXT COLUMNS` could copy the column instead.
        text_allowed: bool,
    },
    /// A binlog row image lacks columns the source copies
    /// (`binlog_row_image` is `MINIMAL` or `NOBLOB` where the row changed).
    #[error("binlog row image of {table} lacks columns the source copies: {}", .missing.join(", "))]
    IncompleteRowImage {
        /// The table, `schema.table`.
        table: String,
        /// The columns missing (`@3` where the binlog names none).
        missing: Vec<String>,
    },
    /// A binlog row image holds a partial JSON update, not the whole document.
    #[error("binlog row image of {table} holds a partial update of JSON column {column}")]
    PartialJson {
        /// The table, `schema.table`.
        table: String,
        /// The column.
        column: String,
    },
    /// A row has another number of columns than the table the source copies.
    #[error("row of {table} has {found} columns, but the source copies {expected}")]
    ColumnCount {
        /// The table, `schema.table`.
        table: String,
        /// The number of columns expected.
        expected: usize,
        /// The number the row has.
        found: usize,
    },
    /// `ALTER CONNECTION` would move a source to a server that cannot feed
    /// it: `reason` says why (transactions it lacks, binlog it purged, a
    /// table it does not have as the source copies it).
    #[error("cannot move source \"{name}\" to MySQL at {server}: {reason}")]
    SourceCannotMove {
        /// The source.
        name: String,
        /// The server it would move to, `host:port`.
        server: String,
        /// Why that server cannot feed it.
        reason: Box<MySqlError>,
    },
    /// An established connection broke (reset, closed, or the server
    /// ended the binlog stream).
    #[error("lost the connection to MySQL: {reason}")]
    ConnectionLost {
        /// What happened.
        reason: String,
    },
    /// The binlog stream sent something that cannot be read.
    #[error("cannot read the binlog: {0}")]
    UnreadableBinlog(String),
    /// The server answered a query with an error.
    #[error("MySQL error {code}: {message}")]
    Server {
        /// MySQL's error number.
        code: u16,
        /// Its message.
        message: String,
    },
}

impl From<mysql_async::Error> for MySqlError {
    /// A driver error: the server's answer, or the network failing.
    fn from(err: mysql_async::Error) -> MySqlError {
        crate::validate::server_error(err)
    }
}

impl MySqlError {
    /// The SQLSTATE reported to the client.
    pub fn code(&self) -> SqlState {
        match self {
            MySqlError::UnknownHost { .. }
            | MySqlError::ConnectionRefused { .. }
            | MySqlError::Timeout { .. }
            | MySqlError::Network { .. }
            | MySqlError::Tls(_) => SqlState::SqlclientUnableToEstablishSqlconnection,
            MySqlError::AccessDenied(_) => SqlState::InvalidPassword,
            MySqlError::InvalidOptions(_) => SqlState::InvalidParameterValue,
            MySqlError::Setting { .. } => SqlState::ObjectNotInPrerequisiteState,
            MySqlError::MissingPrivileges { .. } => SqlState::InsufficientPrivilege,
            MySqlError::Server { .. } | MySqlError::ConnectionLost { .. } | MySqlError::UnreadableBinlog(_) => {
                SqlState::ConnectionException
            }
            MySqlError::TablesNotFound(_) | MySqlError::NoTables { .. } => SqlState::UndefinedTable,
            MySqlError::ColumnOption(_) => SqlState::InvalidParameterValue,
            MySqlError::TextColumnType { .. } | MySqlError::UnsupportedTypes(_) => SqlState::FeatureNotSupported,
            MySqlError::MissingTablePrivileges { .. } => SqlState::InsufficientPrivilege,
            MySqlError::InvalidGtidSet { .. } => SqlState::InvalidTextRepresentation,
            MySqlError::IncompatibleSchema { .. }
            | MySqlError::TableDropped { .. }
            | MySqlError::PartitionChanged { .. }
            | MySqlError::BinlogPurged { .. }
            | MySqlError::TransactionsMissing { .. }
            | MySqlError::GtidOutOfOrder { .. } => SqlState::ObjectNotInPrerequisiteState,
            MySqlError::XaTransaction { .. } => SqlState::FeatureNotSupported,
            MySqlError::ValueNotRepresentable { problem, .. } => problem.code(),
            MySqlError::IncompleteRowImage { .. } | MySqlError::PartialJson { .. } | MySqlError::ColumnCount { .. } => {
                SqlState::ObjectNotInPrerequisiteState
            }
            MySqlError::SourceCannotMove { reason, .. } => reason.code(),
        }
    }

    /// A sentence on how to fix it, where one helps.
    pub fn hint(&self) -> Option<String> {
        match self {
            MySqlError::UnknownHost { .. } => Some("Check the connection's HOST.".into()),
            MySqlError::ConnectionRefused { .. } => {
                Some("Check that MySQL is running and listens on the connection's HOST and PORT.".into())
            }
            MySqlError::Timeout { .. } | MySqlError::Network { .. } => {
                Some("Check that the MySQL server is reachable from Freshet's host.".into())
            }
            MySqlError::AccessDenied(_) => Some("Check the connection's USER and PASSWORD secret.".into()),
            MySqlError::Tls(_) => Some(
                "Check the connection's SSL MODE and SSL CERTIFICATE AUTHORITY, and that MySQL serves a certificate for this host."
                    .into(),
            ),
            MySqlError::InvalidOptions(_) => None,
            MySqlError::Setting { name, expected, .. } => Some(format!(
                "Set {name} = {expected} in MySQL's configuration (or with SET PERSIST where the setting allows it)."
            )),
            MySqlError::MissingPrivileges { user, missing } => {
                Some(format!("Run GRANT {missing} ON *.* TO {user}; on MySQL."))
            }
            MySqlError::Server { .. } | MySqlError::ColumnOption(_) | MySqlError::UnreadableBinlog(_) => None,
            MySqlError::ConnectionLost { .. } => Some(
                "Freshet reconnects and resumes by itself; if this repeats, check the network and MySQL's error log."
                    .into(),
            ),
            MySqlError::TablesNotFound(_) => Some(
                "Check the names (MySQL compares them case-sensitively) and that the connection's user can see the tables."
                    .into(),
            ),
            MySqlError::NoTables { .. } => {
                Some("Create the tables first, or check that the connection's user can see them.".into())
            }
            MySqlError::TextColumnType { .. } => Some(
                "TEXT COLUMNS takes enum, set, year, json, date, datetime, timestamp and time columns; leave others out with EXCLUDE COLUMNS."
                    .into(),
            ),
            MySqlError::UnsupportedTypes(_) => Some(
                "Name enum, set and year columns in TEXT COLUMNS, and leave other columns out with EXCLUDE COLUMNS.".into(),
            ),
            MySqlError::InvalidGtidSet { .. } => None,
            MySqlError::IncompatibleSchema { .. } | MySqlError::TableDropped { .. } => Some(
                "Drop the subsource with DROP SOURCE and add the table again with ALTER SOURCE … ADD SUBSOURCE.".into(),
            ),
            MySqlError::PartitionChanged { .. } => Some(
                "Use DELETE instead of partition maintenance on tables a source copies; to recover, drop the subsource with DROP SOURCE and add the table again with ALTER SOURCE … ADD SUBSOURCE."
                    .into(),
            ),
            MySqlError::BinlogPurged { .. } => Some(
                "Keep binlogs longer on MySQL (binlog_expire_logs_seconds), then drop and re-create the source to take a new snapshot.".into(),
            ),
            MySqlError::TransactionsMissing { .. } => Some(
                "Point the connection at a server that has executed every transaction the source ingested (check @@gtid_executed).".into(),
            ),
            MySqlError::GtidOutOfOrder { .. } => Some(
                "When reading from a replica, set replica_preserve_commit_order = ON on it; then drop and re-create the source.".into(),
            ),
            MySqlError::XaTransaction { .. } => {
                Some("Write the source's tables with ordinary transactions, not XA.".into())
            }
            MySqlError::ValueNotRepresentable {
                table,
                column,
                text_allowed,
                ..
            } => Some(if *text_allowed {
                format!(
                    "Name {table}.{column} in the source's TEXT COLUMNS to copy its values as MySQL prints them, or leave it out with EXCLUDE COLUMNS."
                )
            } else {
                format!("Change the value on MySQL, or leave {table}.{column} out with the source's EXCLUDE COLUMNS.")
            }),
            MySqlError::IncompleteRowImage { .. } => Some(
                "Set binlog_row_image = FULL on MySQL, globally and in every session that writes the table (SET PERSIST binlog_row_image = FULL)."
                    .into(),
            ),
            MySqlError::PartialJson { .. } => Some(
                "Set binlog_row_value_options = '' on MySQL, globally and in every session that writes the table, so that JSON updates are logged whole."
                    .into(),
            ),
            MySqlError::ColumnCount { .. } => Some(
                "The table's columns changed on MySQL: drop the subsource with DROP SOURCE and add the table again with ALTER SOURCE … ADD SUBSOURCE."
                    .into(),
            ),
            MySqlError::SourceCannotMove { server, reason, .. } => match reason.as_ref() {
                MySqlError::TransactionsMissing { .. } => Some(format!(
                    "Let MySQL at {server} catch up first, for example by making it replicate from the source's current server (SOURCE_AUTO_POSITION = 1) until its @@gtid_executed holds these transactions; then run ALTER CONNECTION again."
                )),
                MySqlError::BinlogPurged { .. } => Some(
                    "Move the source to a server whose binlog still holds these transactions, or drop and re-create the source to take a new snapshot."
                        .into(),
                ),
                reason => reason.hint(),
            },
            MySqlError::MissingTablePrivileges { user, missing } => {
                let schemas: std::collections::BTreeSet<&str> = missing
                    .iter()
                    .filter_map(|m| m.split_once(" ON ").map(|(_, on)| on.split('.').next().unwrap_or(on)))
                    .collect();
                let grants: Vec<String> = schemas
                    .into_iter()
                    .map(|schema| format!("GRANT SELECT, LOCK TABLES ON {schema}.* TO {user};"))
                    .collect();
                Some(format!("Run {} on MySQL.", grants.join(" ")))
            }
        }
    }

    /// Whether trying again later may succeed (the network, a server
    /// restarting); otherwise the configuration must change first.
    pub fn is_transient(&self) -> bool {
        match self {
            MySqlError::ConnectionRefused { .. }
            | MySqlError::Timeout { .. }
            | MySqlError::Network { .. }
            | MySqlError::ConnectionLost { .. }
            | MySqlError::UnreadableBinlog(_)
            | MySqlError::Server { .. } => true,
            MySqlError::SourceCannotMove { reason, .. } => reason.is_transient(),
            MySqlError::UnknownHost { .. }
            | MySqlError::AccessDenied(_)
            | MySqlError::Tls(_)
            | MySqlError::InvalidOptions(_)
            | MySqlError::Setting { .. }
            | MySqlError::MissingPrivileges { .. }
            | MySqlError::TablesNotFound(_)
            | MySqlError::NoTables { .. }
            | MySqlError::ColumnOption(_)
            | MySqlError::TextColumnType { .. }
            | MySqlError::UnsupportedTypes(_)
            | MySqlError::MissingTablePrivileges { .. }
            | MySqlError::InvalidGtidSet { .. }
            | MySqlError::IncompatibleSchema { .. }
            | MySqlError::TableDropped { .. }
            | MySqlError::PartitionChanged { .. }
            | MySqlError::BinlogPurged { .. }
            | MySqlError::TransactionsMissing { .. }
            | MySqlError::GtidOutOfOrder { .. }
            | MySqlError::XaTransaction { .. }
            | MySqlError::ValueNotRepresentable { .. }
            | MySqlError::IncompleteRowImage { .. }
            | MySqlError::PartialJson { .. }
            | MySqlError::ColumnCount { .. } => false,
        }
    }
}
