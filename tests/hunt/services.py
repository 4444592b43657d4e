"""Real Dovecot and PostgreSQL instances for tests: private dirs, 127.0.0.1, high ports.

Both are started by pytest fixtures (tests/hunt/conftest.py, tests/store/conftest.py)
and stopped by PID. A missing binary is an error, never a skip.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

VMAIL_UID = 65534  # nobody: Dovecot refuses to run mail processes as root
VMAIL_GID = 65534
PGBIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {timeout} s")


def _chown_tree(path: Path, uid: int, gid: int) -> None:
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, gid)


@dataclass
class Dovecot:
    """A private Dovecot IMAP server with passwd-file users and Maildirs under ``root``."""

    root: Path
    port: int = 0
    users: dict[str, str] = field(default_factory=dict)  # address -> password
    proc: subprocess.Popen[bytes] | None = None

    @property
    def conf(self) -> Path:
        return self.root / "dovecot.conf"

    def maildir(self, address: str) -> Path:
        local, _, domain = address.partition("@")
        return self.root / "mail" / domain / local

    def add_user(self, address: str, password: str = "secret") -> Path:
        self.users[address] = password
        box = self.maildir(address)
        for sub in ("cur", "new", "tmp"):
            (box / sub).mkdir(parents=True, exist_ok=True)
        self._write_passwd()
        return box

    def deliver_files(self, address: str, messages: list[bytes]) -> None:
        """Drop messages straight into the user's Maildir/new (as an MDA would)."""
        box = self.maildir(address)
        for n, raw in enumerate(messages):
            name = f"{time.time_ns()}.M{n}P{os.getpid()}.test"
            (box / "new" / name).write_bytes(raw)
        _chown_tree(self.root / "mail", VMAIL_UID, VMAIL_GID)

    def _write_passwd(self) -> None:
        lines = [f"{addr}:{{PLAIN}}{pw}\n" for addr, pw in self.users.items()]
        (self.root / "passwd").write_text("".join(lines))

    def start(self) -> None:
        if shutil.which("dovecot") is None:
            raise RuntimeError("dovecot is not installed: run `bash scripts/install-system.sh`")
        self.port = self.port or free_port()
        (self.root / "run").mkdir(exist_ok=True)
        (self.root / "mail").mkdir(exist_ok=True)
        self._write_passwd()
        self.conf.write_text(
            f"""
protocols = imap
listen = 127.0.0.1
base_dir = {self.root}/run
state_dir = {self.root}/state
instance_name = mailward-test-{self.port}
log_path = {self.root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:{self.root}/mail/%d/%n
mail_uid = {VMAIL_UID}
mail_gid = {VMAIL_GID}
first_valid_uid = {VMAIL_UID}
last_valid_uid = {VMAIL_UID}
first_valid_gid = {VMAIL_GID}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root}/passwd
}}
userdb {{
  driver = static
  args = uid={VMAIL_UID} gid={VMAIL_GID} home={self.root}/home/%d/%n
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
"""
        )
        (self.root / "state").mkdir(exist_ok=True)
        (self.root / "home").mkdir(exist_ok=True)
        _chown_tree(self.root / "mail", VMAIL_UID, VMAIL_GID)
        _chown_tree(self.root / "home", VMAIL_UID, VMAIL_GID)
        self.proc = subprocess.Popen(
            ["dovecot", "-F", "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_port(self.port)
        except RuntimeError:
            self.stop()
            log = (self.root / "dovecot.log").read_text() if (self.root / "dovecot.log").exists() else ""
            raise RuntimeError(f"dovecot did not start: {log[-2000:]}") from None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None


def start_dovecot() -> Dovecot:
    root = Path(tempfile.mkdtemp(prefix="mailward-dovecot-"))
    os.chmod(root, 0o755)  # the mail user must reach its Maildir
    server = Dovecot(root)
    server.start()
    return server


@dataclass
class Postgres:
    """A private PostgreSQL 15 cluster (initdb in a temp dir), trust auth on 127.0.0.1."""

    root: Path
    port: int = 0
    proc_pid: int | None = None

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *args],
            check=True,
            capture_output=True,
            text=True,
        )

    def start(self) -> None:
        if not (PGBIN / "initdb").exists():
            raise RuntimeError("PostgreSQL 15 is not installed: run `bash scripts/install-system.sh`")
        self.port = self.port or free_port()
        shutil.chown(self.root, "postgres", "postgres")
        data = self.root / "data"
        self._run(str(PGBIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        self._run(
            str(PGBIN / "pg_ctl"), "-D", str(data), "-l", str(self.root / "log"), "-w", "-t", "60",
            "-o", f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off",
            "start",
        )
        pid_line = (data / "postmaster.pid").read_text().splitlines()[0]
        self.proc_pid = int(pid_line)

    def create_database(self, name: str) -> str:
        self._run(str(PGBIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.url(name)

    def url(self, name: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self.proc_pid is None:
            return
        try:
            self._run(str(PGBIN / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")
        except subprocess.CalledProcessError:
            os.kill(self.proc_pid, signal.SIGTERM)
        self.proc_pid = None


def start_postgres() -> Postgres:
    root = Path(tempfile.mkdtemp(prefix="mailward-pg-"))
    os.chmod(root, 0o755)
    server = Postgres(root)
    server.start()
    return server
