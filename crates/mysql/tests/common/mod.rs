//! What the real-MySQL tests of this crate share: a MySQL server of their
//! own, started with `bin/mysql`, and a table's decoder and rows as text.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

use freshet_mysql::{MySqlConnection, SslMode, TableDecoder};
use freshet_repr::{RelationDesc, Row, UpstreamTable, format_datum};
use mysql_async::prelude::Queryable;

/// `bin/mysql`, from this crate's folder: the one `cargo test` names at
/// run time (a test binary may have been built by another checkout
/// sharing the target directory), else the one it was built from.
fn bin_mysql() -> PathBuf {
    let crate_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from);
    crate_dir.join("../../bin/mysql")
}

/// A MySQL server started for one test, in a folder of its own; stopped
/// when dropped.
pub(crate) struct MySql {
    run: tempfile::TempDir,
    name: String,
    port: u16,
}

impl MySql {
    /// Starts server `name` with the mysqld options `flags`.
    pub(crate) fn start(name: &str, server_id: u32, flags: &[&str]) -> anyhow::Result<MySql> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mysql = MySql {
            run: tempfile::tempdir()?,
            name: name.to_owned(),
            port,
        };
        let output = mysql
            .command()
            .args([
                "start",
                name,
                "--port",
                &port.to_string(),
                "--server-id",
                &server_id.to_string(),
            ])
            .args(flags)
            .output()?;
        anyhow::ensure!(
            output.status.success(),
            "bin/mysql start {name} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(mysql)
    }

    fn command(&self) -> Command {
        let mut command = Command::new(bin_mysql());
        command.env("FRESHET_MYSQL_RUN", self.run.path());
        command
    }

    /// Runs SQL as root, in a session of its own.
    pub(crate) fn root(&self, sql: &str) -> anyhow::Result<()> {
        let output = self.command().args(["client", &self.name, "-e", sql]).output()?;
        anyhow::ensure!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        Ok(())
    }

    /// The options of the `freshet` user `bin/mysql` creates.
    pub(crate) fn options(&self) -> MySqlConnection {
        MySqlConnection {
            host: "127.0.0.1".into(),
            port: self.port,
            user: "freshet".into(),
            password: Some("freshet".into()),
            ssl_mode: SslMode::Disabled,
            ssl_ca: None,
            ssl_cert: None,
            ssl_key: None,
        }
    }
}

impl Drop for MySql {
    fn drop(&mut self) {
        let _ = self.command().args(["stop", &self.name]).output();
    }
}

/// A table's decoder, with the character sets MySQL reports.
pub(crate) async fn decoder(conn: &mut mysql_async::Conn, table: &UpstreamTable) -> anyhow::Result<TableDecoder> {
    conn.query_drop("SET SESSION show_gipk_in_create_table_and_information_schema = ON")
        .await?;
    let charsets: Vec<Option<String>> = conn
        .exec(
            "SELECT CAST(CHARACTER_SET_NAME AS CHAR) FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
            (&table.schema, &table.name),
        )
        .await?;
    anyhow::ensure!(charsets.len() == table.columns.len());
    Ok(TableDecoder::new(table, &charsets))
}

/// A row as text, `NULL` for nulls.
pub(crate) fn texts(row: &Row, desc: &RelationDesc) -> Vec<String> {
    row.iter()
        .zip(desc.iter())
        .map(|(datum, (_, typ))| {
            if datum.is_null() {
                return "NULL".to_owned();
            }
            let mut out = String::new();
            format_datum(datum, &typ.scalar_type, &mut out);
            out
        })
        .collect()
}
