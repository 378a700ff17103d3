"""`transaction`: the block's statements committed together, or none of them, and the real error raised."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.lib.warehouse import transaction


@pytest.fixture
def con():
    with duckdb.connect() as con:
        con.execute("create table t (i integer primary key)")
        yield con


def test_the_block_commits_or_rolls_back_as_a_whole(con):
    with transaction(con):
        con.execute("insert into t values (1)")
    with pytest.raises(duckdb.ConstraintException), transaction(con):
        con.execute("insert into t values (2)")
        con.execute("insert into t values (1)")  # breaks the key: 2 goes too
    assert con.execute("select i from t").fetchall() == [(1,)]


def test_a_failed_commit_is_the_error_raised(con):
    # Another connection commits the same key first: this commit fails, and DuckDB ends the
    # transaction with it. The rollback that follows finds none; its complaint must not replace
    # the commit's error (a full disk would otherwise read "no transaction is active").
    other = con.cursor()
    other.execute("begin transaction")
    other.execute("insert into t values (7)")
    with pytest.raises(duckdb.TransactionException, match="duplicate key"), transaction(con):
        con.execute("insert into t values (7)")
        other.execute("commit")
    assert con.execute("select count(*) from t").fetchone() == (1,)
