"""Cancel requests and statement_timeout through psycopg 3.

A query waits deterministically with `AS OF t`: it reads the table as of
millisecond timestamp t, so it waits until the table is complete to t.
The query runs in a thread; the test thread sends cancel requests until the
query ends. A cancel request that arrives before the query started is
ignored by the server (as in PostgreSQL), hence the retries.
"""

import threading
import time

import psycopg
import psycopg.errors
import pytest
from psycopg import pq

# How long a query may run, or a cancel take to land, before the test fails.
DEADLINE_S = 60
# A timestamp the table never reaches.
NEVER = 9999999999999


class Background:
    """Runs `fn` in a daemon thread (so a hang fails the test instead of
    blocking it; the session's server is killed at the end)."""

    def __init__(self, fn):
        self.value = None
        self.error = None
        self.done = threading.Event()

        def run():
            try:
                self.value = fn()
            except BaseException as err:  # noqa: BLE001 (reported by the test)
                self.error = err
            finally:
                self.done.set()

        threading.Thread(target=run, daemon=True).start()

    def wait(self):
        assert self.done.wait(DEADLINE_S), f"no answer within {DEADLINE_S} s"
        return self


def within_deadline(fn):
    """`fn()`, failing the test if it takes longer than the deadline."""
    call = Background(fn).wait()
    if call.error is not None:
        raise call.error
    return call.value


def cancel_until_done(conn, query):
    """Sends cancel requests for `conn` until `query` (a Background) ends;
    returns how many it took."""
    deadline = time.monotonic() + DEADLINE_S
    sent = 0
    while not query.done.is_set():
        assert time.monotonic() < deadline, f"the query did not end within {DEADLINE_S} s of cancel requests"
        conn.cancel_safe()
        sent += 1
    return sent


def make_table(conn, table_name):
    conn.execute(f"CREATE TABLE {table_name} (a int)")
    conn.execute(f"INSERT INTO {table_name} VALUES (1)")


def test_cancel_stops_a_simple_query(conn, table_name):
    make_table(conn, table_name)
    # Without parameters, psycopg sends a simple Query.
    query = Background(lambda: conn.execute(f"SELECT a FROM {table_name} AS OF {NEVER}").fetchall())
    assert cancel_until_done(conn, query) >= 1
    assert isinstance(query.error, psycopg.errors.QueryCanceled), f"{query.value!r} {query.error!r}"
    assert query.error.diag.sqlstate == "57014"
    assert query.error.diag.message_primary == "canceling statement due to user request"
    assert conn.info.transaction_status == pq.TransactionStatus.IDLE
    # The statement stopped: the connection answers the next one.
    assert within_deadline(lambda: conn.execute(f"SELECT a FROM {table_name}").fetchall()) == [(1,)]


def test_cancel_stops_an_extended_query(conn, table_name):
    make_table(conn, table_name)
    # A binary cursor uses the extended protocol even without parameters.
    query = Background(
        lambda: conn.cursor(binary=True).execute(f"SELECT a FROM {table_name} AS OF {NEVER}").fetchall()
    )
    assert cancel_until_done(conn, query) >= 1
    assert isinstance(query.error, psycopg.errors.QueryCanceled), f"{query.value!r} {query.error!r}"
    assert query.error.diag.sqlstate == "57014"
    assert conn.info.transaction_status == pq.TransactionStatus.IDLE
    # The connection still works, with both protocols.
    assert within_deadline(lambda: conn.execute(f"SELECT a FROM {table_name}").fetchall()) == [(1,)]
    assert within_deadline(lambda: conn.execute("SELECT %s::int + 1", [1]).fetchone()) == (2,)


def test_a_canceled_statement_fails_its_transaction(conn, table_name):
    make_table(conn, table_name)
    with pytest.raises(psycopg.errors.InFailedSqlTransaction):
        with conn.transaction():
            assert conn.execute(f"SELECT a FROM {table_name}").fetchall() == [(1,)]
            query = Background(lambda: conn.execute(f"SELECT a FROM {table_name} AS OF {NEVER}").fetchall())
            cancel_until_done(conn, query)
            assert isinstance(query.error, psycopg.errors.QueryCanceled), f"{query.value!r} {query.error!r}"
            assert conn.info.transaction_status == pq.TransactionStatus.INERROR
            within_deadline(lambda: conn.execute("SELECT 1"))
    assert conn.info.transaction_status == pq.TransactionStatus.IDLE
    assert within_deadline(lambda: conn.execute("SELECT 1").fetchone()) == (1,)


def test_statement_timeout_stops_a_query(conn, table_name):
    make_table(conn, table_name)
    conn.execute("SET statement_timeout = '100ms'")
    for run in (
        lambda: conn.execute(f"SELECT a FROM {table_name} AS OF {NEVER}"),
        lambda: conn.cursor(binary=True).execute(f"SELECT a FROM {table_name} AS OF {NEVER}"),
    ):
        with pytest.raises(psycopg.errors.QueryCanceled) as err:
            within_deadline(run)
        assert err.value.diag.message_primary == "canceling statement due to statement timeout"
    conn.execute("SET statement_timeout = 0")
    assert within_deadline(lambda: conn.execute(f"SELECT a FROM {table_name}").fetchall()) == [(1,)]


def test_cancel_of_one_connection_leaves_the_others_alone(server, conn, table_name):
    make_table(conn, table_name)
    with server.connect(autocommit=True) as other:
        query = Background(
            lambda: conn.cursor(binary=True).execute(f"SELECT a FROM {table_name} AS OF {NEVER}").fetchall()
        )
        # While `conn` waits, `other` works; canceling `conn` does not touch it.
        assert within_deadline(lambda: other.execute(f"SELECT a FROM {table_name}").fetchall()) == [(1,)]
        cancel_until_done(conn, query)
        assert isinstance(query.error, psycopg.errors.QueryCanceled), f"{query.value!r} {query.error!r}"
        assert within_deadline(lambda: other.execute("SELECT 2").fetchone()) == (2,)
