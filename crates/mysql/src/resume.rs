//! Whether a server can feed a source that has already ingested
//! transactions: it has executed every one of them, its binlog still holds
//! everything after them, and it has the tables the source copies. Checked
//! whenever ingestion connects, and before `ALTER CONNECTION` moves a
//! source to another server (a failover).

use freshet_repr::UpstreamTable;
use mysql_async::prelude::Queryable;

use crate::validate::server_error;
use crate::{GtidSet, MySqlError, check_schema, current_columns};

/// A server's GTID history: the transactions it has executed, and those of
/// them its binlog no longer holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerGtids {
    /// `@@GLOBAL.gtid_executed`.
    pub executed: GtidSet,
    /// `@@GLOBAL.gtid_purged`.
    pub purged: GtidSet,
}

impl ServerGtids {
    /// Reads them from the server behind `conn`.
    pub async fn read(conn: &mut mysql_async::Conn) -> Result<ServerGtids, MySqlError> {
        let (executed, purged): (String, String) = conn
            .query_first("SELECT @@GLOBAL.gtid_executed, @@GLOBAL.gtid_purged")
            .await
            .map_err(server_error)?
            .unwrap_or_default();
        Ok(ServerGtids {
            executed: GtidSet::parse(&executed)?,
            purged: GtidSet::parse(&purged)?,
        })
    }

    /// Checks that a binlog stream from this server can resume a source
    /// that has ingested `ours`: the server has executed every transaction
    /// of `ours` ([`MySqlError::TransactionsMissing`] names those it lacks),
    /// and purged none outside it ([`MySqlError::BinlogPurged`] names those
    /// the source would never see).
    pub fn check_resume(&self, ours: &GtidSet) -> Result<(), MySqlError> {
        let missing = ours.difference(&self.executed);
        if !missing.is_empty() {
            return Err(MySqlError::TransactionsMissing {
                missing: missing.to_string(),
            });
        }
        let gone = self.purged.difference(ours);
        if !gone.is_empty() {
            return Err(MySqlError::BinlogPurged {
                missing: gone.to_string(),
            });
        }
        Ok(())
    }
}

/// Checks that the server behind `conn` has each of `tables` with the
/// columns a source copies from it ([`check_schema`]); a table it lacks is
/// [`MySqlError::TablesNotFound`].
pub async fn check_tables(conn: &mut mysql_async::Conn, tables: &[&UpstreamTable]) -> Result<(), MySqlError> {
    let current = current_columns(conn, tables).await?;
    let mut missing = Vec::new();
    for table in tables {
        match check_schema(
            table,
            current
                .get(&(table.schema.clone(), table.name.clone()))
                .map(Vec::as_slice),
        ) {
            Ok(()) => {}
            Err(MySqlError::TableDropped { table }) => missing.push(table),
            Err(e) => return Err(e),
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(MySqlError::TablesNotFound(missing))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "474ac6f9-8a6e-11ee-b703-0242ac110002";
    const B: &str = "974ac6f9-8a6e-11ee-b703-0242ac110003";

    fn server(executed: &str, purged: &str) -> Result<ServerGtids, MySqlError> {
        Ok(ServerGtids {
            executed: GtidSet::parse(executed)?,
            purged: GtidSet::parse(purged)?,
        })
    }

    #[test]
    fn a_server_with_everything_ingested_and_its_binlog_can_resume() -> Result<(), MySqlError> {
        let ours = GtidSet::parse(&format!("{A}:1-10,{B}:1-3"))?;
        // Ahead of the source, with the binlog after it: fine.
        server(&format!("{A}:1-20,{B}:1-3"), "")?.check_resume(&ours)?;
        // Purged only what the source has: fine.
        server(&format!("{A}:1-20,{B}:1-3"), &format!("{A}:1-10"))?.check_resume(&ours)?;
        // Nothing ingested yet, nothing purged: fine.
        server(&format!("{A}:1-20"), "")?.check_resume(&GtidSet::new())?;
        Ok(())
    }

    #[test]
    fn a_server_lacking_transactions_is_refused_with_them() -> Result<(), MySqlError> {
        // The old primary, which never saw the replica's own transactions
        // (written after a failover).
        let ours = GtidSet::parse(&format!("{A}:1-10,{B}:1-3"))?;
        let error = server(&format!("{A}:1-12"), "")?.check_resume(&ours);
        assert_eq!(
            error,
            Err(MySqlError::TransactionsMissing {
                missing: format!("{B}:1-3")
            })
        );
        // A gap counts too.
        let error = server(&format!("{A}:1-4:6-12,{B}:1-3"), "")?.check_resume(&ours);
        assert_eq!(
            error,
            Err(MySqlError::TransactionsMissing {
                missing: format!("{A}:5")
            })
        );
        Ok(())
    }

    #[test]
    fn a_server_that_purged_what_the_source_needs_is_refused_with_it() -> Result<(), MySqlError> {
        let ours = GtidSet::parse(&format!("{A}:1-10"))?;
        let error = server(&format!("{A}:1-20"), &format!("{A}:1-12"))?.check_resume(&ours);
        assert_eq!(
            error,
            Err(MySqlError::BinlogPurged {
                missing: format!("{A}:11-12")
            })
        );
        Ok(())
    }
}
