//! The extended query protocol, message by message, against the scripted
//! backend: `param` is a statement with one `int4` parameter that returns
//! it; `select` returns two rows; `fail` fails.

use super::Server;
use super::raw::{RawClient, cstr};

/// A `Parse` of `sql` as statement `name`, declaring `oids`.
fn parse(name: &str, sql: &str, oids: &[i32]) -> Vec<u8> {
    let mut body = [cstr(name), cstr(sql)].concat();
    body.extend_from_slice(&i16::try_from(oids.len()).expect("few").to_be_bytes());
    for oid in oids {
        body.extend_from_slice(&oid.to_be_bytes());
    }
    body
}

/// A `Bind` of statement `statement` to portal `portal`.
fn bind(
    portal: &str,
    statement: &str,
    param_formats: &[i16],
    values: &[Option<&[u8]>],
    result_formats: &[i16],
) -> Vec<u8> {
    let mut body = [cstr(portal), cstr(statement)].concat();
    let short = |n: usize| i16::try_from(n).expect("few").to_be_bytes();
    body.extend_from_slice(&short(param_formats.len()));
    for f in param_formats {
        body.extend_from_slice(&f.to_be_bytes());
    }
    body.extend_from_slice(&short(values.len()));
    for value in values {
        match value {
            None => body.extend_from_slice(&(-1i32).to_be_bytes()),
            Some(bytes) => {
                body.extend_from_slice(&i32::try_from(bytes.len()).expect("small").to_be_bytes());
                body.extend_from_slice(bytes);
            }
        }
    }
    body.extend_from_slice(&short(result_formats.len()));
    for f in result_formats {
        body.extend_from_slice(&f.to_be_bytes());
    }
    body
}

/// A `Describe` of a statement (`S`) or portal (`P`).
fn describe(kind: u8, name: &str) -> Vec<u8> {
    [vec![kind], cstr(name)].concat()
}

/// An `Execute` of `portal`, at most `max_rows` rows (0: all).
fn execute(portal: &str, max_rows: i32) -> Vec<u8> {
    [cstr(portal), max_rows.to_be_bytes().to_vec()].concat()
}

async fn login() -> (Server, RawClient) {
    let server = Server::start().await;
    let (client, _) = server.login("alice").await;
    (server, client)
}

#[tokio::test]
async fn prepared_statements_describe_bind_and_execute() {
    let (_server, mut client) = login().await;
    client.send(b'P', &parse("s", "param", &[0])).await;
    client.send(b'D', &describe(b'S', "s")).await;
    client.send(b'B', &bind("", "s", &[], &[Some(b"7")], &[])).await;
    client.send(b'D', &describe(b'P', "")).await;
    client.send(b'E', &execute("", 0)).await;
    client.send(b'S', &[]).await;
    assert_eq!(
        client.until_ready().await,
        ["1", "t 23", "T p:23", "2", "T p:23", "D 7", "C SELECT 1", "Z I"]
    );
    // The statement outlives the batch; binary parameters and results.
    client
        .send(b'B', &bind("", "s", &[1], &[Some(&(-2i32).to_be_bytes())], &[1]))
        .await;
    client.send(b'D', &describe(b'P', "")).await;
    client.send(b'E', &execute("", 0)).await;
    client.send(b'S', &[]).await;
    let minus_two = format!("D {}", String::from_utf8_lossy(&(-2i32).to_be_bytes()));
    assert_eq!(
        client.until_ready().await,
        ["2", "T p:23:binary", minus_two.as_str(), "C SELECT 1", "Z I"]
    );
    // A NULL parameter, and a statement without rows described as NoData.
    client.send(b'B', &bind("", "s", &[], &[None], &[])).await;
    client.send(b'E', &execute("", 0)).await;
    client.send(b'P', &parse("i", "insert", &[])).await;
    client.send(b'D', &describe(b'S', "i")).await;
    client.send(b'S', &[]).await;
    assert_eq!(
        client.until_ready().await,
        ["2", "D NULL", "C SELECT 1", "1", "t ", "n", "Z I"]
    );
}

#[tokio::test]
async fn portals_return_rows_up_to_the_limit() {
    let (_server, mut client) = login().await;
    client.send(b'P', &parse("", "select", &[])).await;
    client.send(b'B', &bind("p", "", &[], &[], &[])).await;
    client.send(b'E', &execute("p", 1)).await;
    client.send(b'E', &execute("p", 1)).await;
    client.send(b'E', &execute("p", 1)).await;
    client.send(b'S', &[]).await;
    assert_eq!(
        client.until_ready().await,
        [
            "1",
            "2",
            "D 1|x|18446744073709551615",
            "s",
            "D NULL|NULL|0",
            "s",
            "C SELECT 0",
            "Z I"
        ]
    );
}

#[tokio::test]
async fn bad_parameters_fail_the_batch_until_sync() {
    let (_server, mut client) = login().await;
    client.send(b'P', &parse("s", "param", &[])).await;
    client.send(b'B', &bind("", "s", &[], &[Some(b"abc")], &[])).await;
    client.send(b'E', &execute("", 0)).await;
    client.send(b'S', &[]).await;
    assert_eq!(
        client.until_ready().await,
        [
            "1",
            "E ERROR 22P02 invalid input syntax for type integer: \"abc\"",
            "Z I"
        ]
    );
    client.send(b'B', &bind("", "s", &[], &[], &[])).await;
    client.send(b'S', &[]).await;
    assert_eq!(
        client.until_ready().await,
        [
            "E ERROR 08P01 bind message supplies 0 parameters, but prepared statement \"s\" requires 1",
            "Z I"
        ]
    );
    // The session goes on.
    client.send(b'B', &bind("", "s", &[], &[Some(b"1")], &[])).await;
    client.send(b'E', &execute("", 0)).await;
    client.send(b'S', &[]).await;
    assert_eq!(client.until_ready().await, ["2", "D 1", "C SELECT 1", "Z I"]);
}

#[tokio::test]
async fn errors_skip_to_sync_and_fail_transactions() {
    let (_server, mut client) = login().await;
    // An error in the middle of a batch: the rest up to Sync is skipped.
    client.send(b'P', &parse("", "fail", &[])).await;
    client.send(b'B', &bind("", "", &[], &[], &[])).await;
    client.send(b'E', &execute("", 0)).await;
    client.send(b'P', &parse("", "insert", &[])).await;
    client.send(b'B', &bind("", "", &[], &[], &[])).await;
    client.send(b'E', &execute("", 0)).await;
    client.send(b'S', &[]).await;
    assert_eq!(
        client.until_ready().await,
        [
            "1",
            "2",
            "N NOTICE 00000 careful",
            "E ERROR 42704 unrecognized configuration parameter \"nope\"",
            "Z I"
        ]
    );
    // BEGIN through the extended protocol, then a parameter that does not
    // decode: the transaction fails, as in PostgreSQL.
    client.send(b'P', &parse("b", "begin", &[])).await;
    client.send(b'B', &bind("", "b", &[], &[], &[])).await;
    client.send(b'E', &execute("", 0)).await;
    client.send(b'S', &[]).await;
    assert_eq!(client.until_ready().await, ["1", "2", "C BEGIN", "Z T"]);
    client.send(b'P', &parse("s", "param", &[])).await;
    client.send(b'B', &bind("", "s", &[1], &[Some(b"x")], &[])).await;
    client.send(b'S', &[]).await;
    assert_eq!(
        client.until_ready().await,
        [
            "1",
            "E ERROR 22P03 incorrect binary data format in bind parameter 1",
            "Z E"
        ]
    );
    assert_eq!(client.simple("commit").await, ["C ROLLBACK", "Z I"]);
}
