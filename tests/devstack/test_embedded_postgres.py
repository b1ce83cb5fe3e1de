"""The embedded PostgreSQL is a real server: it keeps data, recovers from a crash, and hangs when paused."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import psutil
import psycopg
import pytest

from devstack.embedded import PG_SYSTEM_USER, EmbeddedPostgres, EmbeddedServerError

StartPostgres = Callable[..., EmbeddedPostgres]


def _rows(url: str) -> list[tuple[int, str]]:
    with psycopg.connect(url, connect_timeout=5) as conn:
        return conn.execute("SELECT id, note FROM notes ORDER BY id").fetchall()


def _system_identifier(url: str) -> int:
    """Changes only when initdb runs again."""
    with psycopg.connect(url, connect_timeout=5) as conn:
        row = conn.execute("SELECT system_identifier FROM pg_control_system()").fetchone()
        assert row is not None
        return int(row[0])


def _create_notes(url: str, notes: list[str]) -> None:
    with psycopg.connect(url, connect_timeout=5, autocommit=True) as conn:
        conn.execute("CREATE TABLE notes (id serial PRIMARY KEY, note text NOT NULL)")
        for note in notes:  # one committed transaction each
            conn.execute("INSERT INTO notes (note) VALUES (%s)", [note])


def test_session_server_serves_the_brickguard_database_over_tcp_and_socket(
    postgres_server: EmbeddedPostgres, database_url: str
) -> None:
    assert database_url == f"postgresql://postgres@127.0.0.1:{postgres_server.port}/brickguard"
    with psycopg.connect(database_url, connect_timeout=5) as conn:
        row = conn.execute("SELECT current_database(), inet_server_port(), current_setting('fsync')").fetchone()
    assert row == ("brickguard", postgres_server.port, "off")
    with psycopg.connect(postgres_server.socket_url, connect_timeout=5) as conn:
        row = conn.execute("SELECT current_database(), inet_server_addr()").fetchone()
    assert row == ("brickguard", None)  # no inet address: the unix socket was used


def test_server_runs_unprivileged_and_listens_on_loopback_only(postgres_server: EmbeddedPostgres) -> None:
    assert postgres_server.pid is not None
    owner = psutil.Process(postgres_server.pid).username()
    expected = PG_SYSTEM_USER if os.geteuid() == 0 else psutil.Process().username()
    assert owner == expected
    listening = {
        conn.laddr.ip
        for conn in psutil.net_connections("inet")
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port == postgres_server.port
    }
    assert listening == {"127.0.0.1"}


def test_restart_keeps_data_and_does_not_rerun_initdb(dedicated_postgres: StartPostgres) -> None:
    pg = dedicated_postgres()
    _create_notes(pg.url, ["first", "second"])
    identifier, old_pid = _system_identifier(pg.url), pg.pid

    pg.restart()

    assert pg.pid != old_pid
    assert _rows(pg.url) == [(1, "first"), (2, "second")]
    assert _system_identifier(pg.url) == identifier


def test_stop_is_idempotent_and_refuses_connections_until_started(dedicated_postgres: StartPostgres) -> None:
    pg = dedicated_postgres()
    pg.stop()
    pg.stop()
    assert not pg.is_running and pg.pid is None
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(pg.url, connect_timeout=2)
    pg.start()
    assert _system_identifier(pg.url) > 0


def test_kill_then_start_recovers_every_committed_row(dedicated_postgres: StartPostgres) -> None:
    pg = dedicated_postgres()
    notes = [f"note {number}" for number in range(50)]
    _create_notes(pg.url, notes)
    crashed_pid = pg.pid
    assert crashed_pid is not None

    pg.kill()

    assert not pg.is_running
    assert not psutil.pid_exists(crashed_pid) or psutil.Process(crashed_pid).status() == psutil.STATUS_ZOMBIE
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(pg.url, connect_timeout=2)
    pg.start()
    assert [note for _, note in _rows(pg.url)] == notes
    assert "automatic recovery in progress" in pg.log_path.read_text()


@pytest.mark.fault
def test_pause_hangs_clients_and_resume_answers_them(dedicated_postgres: StartPostgres) -> None:
    pg = dedicated_postgres()
    results: list[object] = []
    open_conn = psycopg.connect(pg.url, connect_timeout=5, autocommit=True)

    def query_on_open_connection() -> None:
        try:
            results.append(open_conn.execute("SELECT 42").fetchone())
        except psycopg.Error as error:
            results.append(error)

    pg.pause()
    try:
        assert pg.is_paused
        with pytest.raises(psycopg.OperationalError, match="timeout"):
            psycopg.connect(pg.url, connect_timeout=2)
        hung = threading.Thread(target=query_on_open_connection, daemon=True)
        hung.start()
        hung.join(1.0)
        assert hung.is_alive() and results == []  # no answer while the server is stopped
    finally:
        pg.resume()
    hung.join(30)
    assert results == [(42,)]
    open_conn.close()
    assert _system_identifier(pg.url) > 0


def test_start_failure_names_the_cause_from_the_server_log(postgres_data_dir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        pg = EmbeddedPostgres(postgres_data_dir, port=taken.getsockname()[1], durable=False)
        with pytest.raises(EmbeddedServerError, match="Address already in use"):
            pg.start()
    assert not pg.is_running


def test_second_server_on_a_live_data_dir_is_refused(dedicated_postgres: StartPostgres) -> None:
    pg = dedicated_postgres()
    intruder = EmbeddedPostgres(pg.data_dir, durable=False)
    with pytest.raises(EmbeddedServerError, match=f"pid {pg.pid}"):
        intruder.start()
    assert _system_identifier(pg.url) > 0


def test_long_data_dir_puts_the_socket_in_a_short_directory(postgres_data_dir: Path) -> None:
    data_dir = postgres_data_dir / ("x" * 60) / ("y" * 60)
    with EmbeddedPostgres(data_dir, durable=False) as pg:
        assert pg.socket_dir != data_dir
        assert len(str(pg.socket_dir)) < 60
        with psycopg.connect(pg.socket_url, connect_timeout=5) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("brickguard",)
    assert not pg.socket_dir.exists()  # the fallback directory is removed on stop


def _modes(*paths: Path) -> dict[Path, int]:
    return {path: path.stat().st_mode for directory in paths for path in (directory, *directory.parents)}


def test_no_directory_brickguard_does_not_own_is_loosened(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A data dir behind a private (0700) directory, like a home directory under root."""
    import shutil
    import tempfile

    from devstack.embedded import postgres_bin_path

    private = Path(tempfile.mkdtemp(prefix="brickguard-private-"))  # 0700 and not brickguard's
    before = _modes(private, postgres_bin_path())
    try:
        with EmbeddedPostgres(private / "project" / "pgdata", durable=False) as pg:
            with psycopg.connect(pg.url, connect_timeout=5) as conn:
                assert conn.execute("SELECT 1").fetchone() == (1,)
            cluster = pg.data_dir
        assert _modes(private, postgres_bin_path()) == before
        if os.geteuid() == 0:  # the service user cannot enter `private`: the cluster lives elsewhere
            assert private not in cluster.parents
    finally:
        shutil.rmtree(private, ignore_errors=True)
        if os.geteuid() == 0:
            shutil.rmtree(cluster, ignore_errors=True)


def test_constraint_errors_do_not_write_the_values_to_the_server_log(dedicated_postgres: StartPostgres) -> None:
    pg = dedicated_postgres()
    secret = "title-" + os.urandom(6).hex()
    with psycopg.connect(pg.url, connect_timeout=5, autocommit=True) as conn:
        conn.execute("CREATE TABLE mocs (user_id text, title text, UNIQUE (user_id, title))")
        conn.execute("INSERT INTO mocs VALUES ('someone', %s)", [secret])
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("INSERT INTO mocs VALUES ('someone', %s)", [secret])
    pg.stop()  # flushes and closes the log
    log = (pg.data_dir / "postgres.log").read_text()
    assert "duplicate key value violates unique constraint" in log  # the error is logged…
    assert secret not in log and "someone" not in log  # …without the row's values or the statement
