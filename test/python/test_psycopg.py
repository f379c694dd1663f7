"""Freshet through psycopg 3: the simple and extended query protocols,
prepared statements, binary results, errors and transactions.

libpq's protocol trace shows which messages each call sends, so a test can
check it used the protocol it means to test.
"""

import contextlib
import datetime
import decimal
import shlex
import struct
import tempfile
import uuid

import psycopg
import psycopg.errors
import pytest
from psycopg import pq
from psycopg.types.json import Jsonb

# Type OIDs.
BOOL, BYTEA, INT8, INT2, INT4, TEXT = 16, 17, 20, 21, 23, 25
FLOAT4, FLOAT8, DATE, TIME, TIMESTAMP, TIMESTAMPTZ = 700, 701, 1082, 1083, 1114, 1184
INTERVAL, NUMERIC, UUID, JSONB = 1186, 1700, 2950, 3802


@contextlib.contextmanager
def traced(conn):
    """Collects the protocol messages of the block as (direction, message,
    arguments) triples, direction "F" (to the server) or "B" (from it)."""
    messages = []
    with tempfile.TemporaryFile(mode="w+") as trace:
        conn.pgconn.trace(trace.fileno())
        conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        try:
            yield messages
        finally:
            conn.pgconn.untrace()
            trace.seek(0)
            for line in trace:
                fields = line.rstrip("\n").split("\t")
                messages.append((fields[0], fields[2], fields[3].strip() if len(fields) > 3 else ""))


def sent(messages):
    """The names of the messages sent to the server."""
    return [name for direction, name, _ in messages if direction == "F"]


def test_simple_protocol_without_parameters(conn):
    with traced(conn) as messages:
        row = conn.execute("SELECT 1 + 1, 'x' || 'y', NULL::int").fetchone()
    assert row == (2, "xy", None)
    assert sent(messages) == ["Query"]


def test_simple_protocol_returns_each_statement_of_a_query_string(conn, table_name):
    cur = conn.cursor()
    with traced(conn) as messages:
        cur.execute(
            f"CREATE TABLE {table_name} (a int); INSERT INTO {table_name} VALUES (1), (2); "
            f"SELECT a FROM {table_name} ORDER BY a"
        )
    assert sent(messages) == ["Query"]
    assert cur.statusmessage == "CREATE TABLE"
    assert cur.nextset()
    assert (cur.statusmessage, cur.rowcount) == ("INSERT 0 2", 2)
    assert cur.nextset()
    assert cur.fetchall() == [(1,), (2,)]
    assert not cur.nextset()


def test_client_cursor_binds_parameters_into_a_simple_query(conn, table_name):
    conn.execute(f"CREATE TABLE {table_name} (a int, b text)")
    cur = psycopg.ClientCursor(conn)
    with traced(conn) as messages:
        cur.execute(f"INSERT INTO {table_name} VALUES (%s, %s), (%s, %s)", [1, "it's", 2, None])
        rows = cur.execute(f"SELECT a, b FROM {table_name} WHERE a >= %s ORDER BY a", [1]).fetchall()
    assert rows == [(1, "it's"), (2, None)]
    assert sent(messages) == ["Query", "Query"]
    insert = next(args for direction, name, args in messages if direction == "F" and name == "Query")
    assert "'it''s'" in insert and "NULL" in insert


def test_extended_protocol_infers_parameter_types(conn, table_name):
    conn.execute(f"CREATE TABLE {table_name} (a int NOT NULL, b text, c numeric(10,2))")
    pgconn = conn.pgconn

    # Parse with no declared types, then Describe: the server's inferred types.
    assert pgconn.prepare(b"infer_select", b"SELECT $1 + 1::int8, $2 || 'x'").status == pq.ExecStatus.COMMAND_OK
    described = pgconn.describe_prepared(b"infer_select")
    assert [described.param_type(i) for i in range(described.nparams)] == [INT8, TEXT]
    assert [described.ftype(i) for i in range(described.nfields)] == [INT8, TEXT]
    insert = f"INSERT INTO {table_name} VALUES ($1, $2, $3)".encode()
    assert pgconn.prepare(b"infer_insert", insert).status == pq.ExecStatus.COMMAND_OK
    described = pgconn.describe_prepared(b"infer_insert")
    assert [described.param_type(i) for i in range(described.nparams)] == [INT4, TEXT, NUMERIC]
    assert described.nfields == 0

    # psycopg sends str parameters untyped: the inferred types parse them.
    with traced(conn) as messages:
        cur = conn.execute(f"INSERT INTO {table_name} VALUES (%s, %s, %s)", ["5", "five", "1.5"])
        assert cur.rowcount == 1
        rows = conn.execute(f"SELECT a, b, c, a + %s FROM {table_name} WHERE a = %s", [10, 5]).fetchall()
    assert rows == [(5, "five", decimal.Decimal("1.50"), 15)]
    assert sent(messages) == ["Parse", "Bind", "Describe", "Execute", "Sync"] * 2


def test_prepared_statements_are_parsed_once_and_bound_many_times(conn, table_name):
    conn.execute(f"CREATE TABLE {table_name} (a int8, b text)")
    with traced(conn) as messages:
        for i in range(5):
            conn.execute(f"INSERT INTO {table_name} VALUES (%s, %s)", [i, f"v{i}"], prepare=True)
        found = [
            conn.execute(f"SELECT b FROM {table_name} WHERE a = %s", [i], prepare=True).fetchone()[0]
            for i in range(5)
        ]
    assert found == [f"v{i}" for i in range(5)]
    parses = [args for direction, name, args in messages if direction == "F" and name == "Parse"]
    binds = [args for direction, name, args in messages if direction == "F" and name == "Bind"]
    # One named statement per query text, each bound five times.
    assert len(parses) == 2 and all(p.startswith('"_pg3_') for p in parses), parses
    names = {p.split(" ")[0] for p in parses}
    assert len(binds) == 10
    assert {b.split(" ")[1] for b in binds} == names


# Values of every type Freshet serves, as SQL and as Python sees them.
VALUES = [
    ("1::int2", INT2, 1),
    ("(-32768)::int2", INT2, -32768),
    ("2::int4", INT4, 2),
    ("(-2147483648)::int4", INT4, -2147483648),
    ("9223372036854775807::int8", INT8, 9223372036854775807),
    ("(-9223372036854775808)::int8", INT8, -9223372036854775808),
    ("1.5::float4", FLOAT4, 1.5),
    ("2.5::float8", FLOAT8, 2.5),
    ("'-Infinity'::float8", FLOAT8, float("-inf")),
    ("1234.5::numeric", NUMERIC, decimal.Decimal("1234.5")),
    ("0::numeric", NUMERIC, decimal.Decimal("0")),
    ("-0.001::numeric", NUMERIC, decimal.Decimal("-0.001")),
    (
        "123456789012345678901234567890.123::numeric",
        NUMERIC,
        decimal.Decimal("123456789012345678901234567890.123"),
    ),
    ("1e-20::numeric", NUMERIC, decimal.Decimal("1e-20")),
    ("'x'::text", TEXT, "x"),
    ("''::text", TEXT, ""),
    ("'ünï ☃'::text", TEXT, "ünï ☃"),
    ("true", BOOL, True),
    ("false", BOOL, False),
    ("'2000-01-02'::date", DATE, datetime.date(2000, 1, 2)),
    ("'0001-01-01'::date", DATE, datetime.date(1, 1, 1)),
    ("'00:00:01.5'::time", TIME, datetime.time(0, 0, 1, 500000)),
    ("'2000-01-01 00:00:02.5'::timestamp", TIMESTAMP, datetime.datetime(2000, 1, 1, 0, 0, 2, 500000)),
    ("'1999-12-31 23:59:59.999999'::timestamp", TIMESTAMP, datetime.datetime(1999, 12, 31, 23, 59, 59, 999999)),
    (
        "'1900-06-01 12:00:00-03'::timestamptz",
        TIMESTAMPTZ,
        datetime.datetime(1900, 6, 1, 15, 0, tzinfo=datetime.timezone.utc),
    ),
    ("'1 mon 2 days 00:00:04'::interval", INTERVAL, datetime.timedelta(days=32, seconds=4)),
    ("'-1 day -00:00:03.5'::interval", INTERVAL, -datetime.timedelta(days=1, seconds=3.5)),
    ("'\\x01ff'::bytea", BYTEA, b"\x01\xff"),
    ("''::bytea", BYTEA, b""),
    ("'{\"a\": [1, null, 1.5]}'::jsonb", JSONB, {"a": [1, None, 1.5]}),
    ("'\"s\"'::jsonb", JSONB, "s"),
    (
        "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid",
        UUID,
        uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    ),
    ("NULL::int4", INT4, None),
    ("NULL::numeric", NUMERIC, None),
    ("NULL::jsonb", JSONB, None),
]


def test_binary_results_equal_text_results(conn):
    query = "SELECT " + ", ".join(sql for sql, _, _ in VALUES)
    text_cur = conn.cursor()
    text_row = text_cur.execute(query).fetchone()
    binary_cur = conn.cursor(binary=True)
    with traced(conn) as messages:
        binary_row = binary_cur.execute(query).fetchone()
    # Every result column was asked for, and came back, in binary.
    bind = next(args for direction, name, args in messages if direction == "F" and name == "Bind")
    assert bind.endswith(" 1 1"), bind
    described = shlex.split(
        next(args for direction, name, args in messages if direction == "B" and name == "RowDescription")
    )
    # The column count, then per column: name, table, column, type, size, modifier, format.
    assert int(described[0]) == len(VALUES)
    assert described[7::7] == ["1"] * len(VALUES), described
    assert [c.type_code for c in binary_cur.description] == [oid for _, oid, _ in VALUES]
    assert [c.type_code for c in text_cur.description] == [oid for _, oid, _ in VALUES]
    for (sql, oid, expected), text, binary in zip(VALUES, text_row, binary_row):
        assert text == expected, sql
        assert binary == expected, sql


def test_binary_float4_is_the_float4_value(conn):
    # Text shows the shortest decimal that reads back as the same float4;
    # binary sends the float4 itself: the two agree once rounded to float4.
    text = conn.execute("SELECT 3.4e38::float4, 0.1::float4").fetchone()
    binary = conn.cursor(binary=True).execute("SELECT 3.4e38::float4, 0.1::float4").fetchone()
    for t, b in zip(text, binary):
        assert struct.pack("<f", t) == struct.pack("<f", b)


@pytest.mark.parametrize("placeholder", ["%b", "%t"])
def test_parameters_round_trip_in_binary_and_text(conn, placeholder):
    values = [
        7,
        2**40,
        1.25,
        decimal.Decimal("-12.345"),
        "héllo",
        True,
        b"\x00\xff",
        datetime.date(2024, 2, 29),
        datetime.datetime(2000, 1, 1, 0, 0, 2, 123456),
        datetime.datetime(2000, 1, 1, 0, 0, 3, tzinfo=datetime.timezone.utc),
        datetime.timedelta(days=3, seconds=4, microseconds=5),
        uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
        None,
    ]
    query = "SELECT " + ", ".join([placeholder] * len(values)) + ", " + placeholder
    row = conn.cursor(binary=True).execute(query, [*values, Jsonb({"k": [1, "v"]})]).fetchone()
    assert list(row) == [*values, {"k": [1, "v"]}]


def test_errors_carry_sqlstate(conn):
    with pytest.raises(psycopg.errors.UndefinedTable) as err:
        conn.execute("SELECT * FROM no_such_table")
    assert err.value.sqlstate == "42P01"
    assert err.value.diag.sqlstate == "42P01"
    assert err.value.diag.severity == "ERROR"
    assert "no_such_table" in err.value.diag.message_primary

    # The same error through the extended protocol (Parse fails).
    with pytest.raises(psycopg.errors.UndefinedTable) as err:
        conn.execute("SELECT * FROM no_such_table WHERE 1 = %s", [1])
    assert err.value.diag.sqlstate == "42P01"

    with pytest.raises(psycopg.errors.SyntaxError) as err:
        conn.execute("SELEC 1")
    assert err.value.diag.sqlstate == "42601"
    assert err.value.diag.statement_position == "1"
    with pytest.raises(psycopg.errors.UndefinedColumn) as err:
        conn.execute("SELECT no_such_column")
    assert err.value.diag.sqlstate == "42703"
    # Errors at execution, after Bind.
    with pytest.raises(psycopg.errors.DivisionByZero) as err:
        conn.execute("SELECT 1 / %s::int", [0])
    assert err.value.diag.sqlstate == "22012"
    with pytest.raises(psycopg.errors.InvalidTextRepresentation) as err:
        conn.execute("SELECT %s::int", ["not a number"])
    assert err.value.diag.sqlstate == "22P02"

    # The connection is still usable, through both protocols.
    assert conn.info.transaction_status == pq.TransactionStatus.IDLE
    assert conn.execute("SELECT 'still here'").fetchone() == ("still here",)
    assert conn.execute("SELECT %s::text", ["still here"]).fetchone() == ("still here",)


def values_in(conn, table_name):
    return [a for (a,) in conn.execute(f"SELECT a FROM {table_name} ORDER BY a").fetchall()]


def test_transactions_commit_and_roll_back(conn, table_name):
    conn.execute(f"CREATE TABLE {table_name} (a int)")
    with conn.transaction():
        conn.execute(f"INSERT INTO {table_name} VALUES (%s)", [1])
        conn.execute(f"INSERT INTO {table_name} VALUES (2)")
        assert conn.info.transaction_status == pq.TransactionStatus.INTRANS
    assert conn.info.transaction_status == pq.TransactionStatus.IDLE
    assert values_in(conn, table_name) == [1, 2]

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon):
        with conn.transaction():
            conn.execute(f"INSERT INTO {table_name} VALUES (3)")
            raise Abandon()
    assert values_in(conn, table_name) == [1, 2]


def test_a_failed_transaction_refuses_statements_until_it_ends(conn, table_name):
    conn.execute(f"CREATE TABLE {table_name} (a int)")
    with pytest.raises(psycopg.errors.InFailedSqlTransaction) as err:
        with conn.transaction():
            conn.execute(f"INSERT INTO {table_name} VALUES (1)")
            with pytest.raises(psycopg.errors.DivisionByZero):
                conn.execute("SELECT 1 / 0")
            assert conn.info.transaction_status == pq.TransactionStatus.INERROR
            conn.execute("SELECT 1")
    assert err.value.diag.sqlstate == "25P02"
    # psycopg rolled the transaction back: its insert is gone.
    assert conn.info.transaction_status == pq.TransactionStatus.IDLE
    assert values_in(conn, table_name) == []


def test_a_transaction_either_reads_or_writes(conn, table_name):
    conn.execute(f"CREATE TABLE {table_name} (a int)")
    with pytest.raises(psycopg.errors.InvalidTransactionState) as err:
        with conn.transaction():
            conn.execute(f"INSERT INTO {table_name} VALUES (1)")
            conn.execute(f"SELECT a FROM {table_name}")
    assert err.value.diag.sqlstate == "25000"
    assert values_in(conn, table_name) == []


def test_implicit_transactions_without_autocommit(server, table_name):
    with server.connect(autocommit=True) as setup:
        setup.execute(f"CREATE TABLE {table_name} (a int)")
    with server.connect() as writer, server.connect(autocommit=True) as reader:
        writer.execute(f"INSERT INTO {table_name} VALUES (1)")
        assert writer.info.transaction_status == pq.TransactionStatus.INTRANS
        writer.rollback()
        assert values_in(reader, table_name) == []
        writer.execute(f"INSERT INTO {table_name} VALUES (2)")
        assert values_in(reader, table_name) == []
        writer.commit()
        assert values_in(reader, table_name) == [2]
