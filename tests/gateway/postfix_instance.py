"""A private Postfix and a mailward milter on 127.0.0.1, for the gateway tests and benchmark.

Postfix runs from its own config directory (``postfix -c DIR``), queue and data
directory, listens on a high port, delivers ``*@test.local`` into Maildirs, and
passes every message to the milter. A second listener without milters plays the
release next hop. Nothing here touches the system's own Postfix configuration.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

POSTFIX = Path("/usr/sbin/postfix")
POSTCONF = Path("/usr/sbin/postconf")
MASTER_CF = Path("/usr/share/postfix/master.cf.dist")
REPO = Path(__file__).resolve().parents[2]
USERS = ("alice", "bob", "carol")


class SetupError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SetupError(f"process exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise SetupError(f"nothing listening on 127.0.0.1:{port} after {timeout} s")


def _run(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SetupError(f"{' '.join(args)} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


class Milter:
    """``mailward milter`` as a child process (so tests can SIGKILL it)."""

    def __init__(self, config: Path, port: int, log: Path) -> None:
        self.config, self.port, self.log = config, port, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", "from mailward.cli import main; main()", "milter",
                 "--listen", f"inet:127.0.0.1:{self.port}", "--config", str(self.config)],
                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        try:
            wait_port(self.port, timeout, self.proc)
        except SetupError as exc:
            raise SetupError(f"milter did not start: {exc}\n{self.log.read_text()[-3000:]}") from None

    def kill(self) -> None:
        """SIGKILL the milter and its scanning processes (its own process group)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.kill()
        try:  # scanning workers left behind, if any
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid


class PrivatePostfix:
    """Postfix in a fresh directory under /tmp (pytest's own tmp dirs are 0700, and
    Postfix's daemons run as the postfix user); removed again by ``stop``."""

    def __init__(self, *, milter_port: int, extra: dict[str, str] | None = None) -> None:
        if not POSTFIX.exists():
            raise SetupError(
                "/usr/sbin/postfix is missing: run `bash scripts/install-system.sh` (make test does) "
                "to install Debian's postfix"
            )
        self.root = root = Path(tempfile.mkdtemp(prefix="mailward-postfix-"))
        self.etc = root / "etc"
        self.queue = root / "queue"
        self.data = root / "data"
        self.mail = root / "mail"
        self.maillog = root / "maillog"
        self.smtp_port = free_port()
        self.release_port = free_port()
        self.milter_port = milter_port
        self.extra = extra or {}
        self.proc: subprocess.Popen[bytes] | None = None

    def postconf(self, *args: str) -> str:
        return _run(str(POSTCONF), "-c", str(self.etc), *args)

    def configure(self) -> None:
        pf = pwd.getpwnam("postfix")
        nobody = pwd.getpwnam("nobody")
        for path in (self.etc, self.queue, self.mail):
            path.mkdir(parents=True, exist_ok=True)
        self.data.mkdir(parents=True, exist_ok=True)
        os.chown(self.data, pf.pw_uid, pf.pw_gid)
        os.chown(self.mail, nobody.pw_uid, nobody.pw_gid)
        os.chmod(self.root, 0o755)
        (self.etc / "main.cf").write_text("")
        shutil.copy(MASTER_CF, self.etc / "master.cf")
        (self.etc / "vmailbox").write_text("".join(f"{u}@test.local test.local/{u}/\n" for u in USERS))
        settings = {
            "compatibility_level": "3.6",
            "config_directory": str(self.etc),
            "queue_directory": str(self.queue),
            "data_directory": str(self.data),
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            "myhostname": "mx.test.local",
            "inet_interfaces": "127.0.0.1",
            "inet_protocols": "ipv4",
            "mydestination": "",
            "mynetworks": "127.0.0.0/8",
            "default_transport": "error:outbound disabled",
            "relay_transport": "error:outbound disabled",
            "virtual_mailbox_domains": "test.local",
            "virtual_mailbox_base": str(self.mail),
            "virtual_mailbox_maps": f"texthash:{self.etc / 'vmailbox'}",
            "virtual_uid_maps": f"static:{nobody.pw_uid}",
            "virtual_gid_maps": f"static:{nobody.pw_gid}",
            "virtual_mailbox_limit": "0",
            "message_size_limit": "52428800",
            "smtpd_milters": f"inet:127.0.0.1:{self.milter_port}",
            "non_smtpd_milters": "$smtpd_milters",
            "milter_protocol": "6",
            "milter_default_action": "tempfail",
            "milter_connect_timeout": "5s",
            "milter_command_timeout": "30s",
            "milter_content_timeout": "60s",
            "maillog_file": str(self.maillog),
            "maillog_file_prefixes": str(self.root),
            "smtpd_banner": "$myhostname ESMTP",
            "biff": "no",
            "smtputf8_enable": "no",
            "queue_run_delay": "1s",
            "minimal_backoff_time": "1s",
            "maximal_backoff_time": "2s",
            "smtpd_client_connection_count_limit": "0",
            "default_process_limit": "100",
            "in_flow_delay": "0",
            **self.extra,
        }
        self.postconf("-e", *(f"{k}={v}" for k, v in settings.items()))
        self.postconf("-M#", "smtp/inet")
        self.postconf("-M", f"127.0.0.1:{self.smtp_port}/inet=127.0.0.1:{self.smtp_port} inet n - n - - smtpd")
        # the release next hop: same Postfix, no milter (as docs/deploy-postfix.md recommends)
        self.postconf("-M", f"127.0.0.1:{self.release_port}/inet=127.0.0.1:{self.release_port} inet n - n - - smtpd"
                      " -o smtpd_milters= -o non_smtpd_milters= -o receive_override_options=no_milters")
        self.postconf("-F", "*/*/chroot=n")

    def start(self) -> None:
        self.configure()
        _run(str(POSTFIX), "-c", str(self.etc), "check")
        self.proc = subprocess.Popen([str(POSTFIX), "-c", str(self.etc), "start-fg"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_port(self.smtp_port, 30, self.proc)
            wait_port(self.release_port, 30, self.proc)
        except SetupError as exc:
            log = self.maillog.read_text()[-3000:] if self.maillog.exists() else ""
            self.stop()
            raise SetupError(f"postfix did not start: {exc}\n{log}") from None

    def stop(self) -> None:
        if self.proc is None:
            return
        subprocess.run([str(POSTFIX), "-c", str(self.etc), "stop"], capture_output=True, check=False)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None
        shutil.rmtree(self.root, ignore_errors=True)

    def maildir(self, user: str) -> Path:
        return self.mail / "test.local" / user / "new"

    def delivered(self, user: str) -> list[bytes]:
        folder = self.maildir(user)
        if not folder.is_dir():
            return []
        return [f.read_bytes() for f in sorted(folder.iterdir(), key=lambda f: f.stat().st_mtime_ns)]

    def wait_delivered(self, user: str, count: int, timeout: float = 20) -> list[bytes]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.delivered(user)
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"{user} has {len(self.delivered(user))} messages after {timeout} s, expected {count}")

    def clear_mail(self) -> None:
        for user in USERS:
            folder = self.maildir(user)
            if folder.is_dir():
                for f in folder.iterdir():
                    f.unlink()

    def queue_ids(self) -> str:
        return _run(str(POSTCONF), "-c", str(self.etc), "-h", "queue_directory")


def write_milter_config(path: Path, root: Path, release_port: int, **gateway: object) -> None:
    lines = ["[mailward]", f'data_dir = "{root / "data"}"', "", "[gateway]"]
    values = {"scanner": "tests.gateway.fake_scanner:PinnedScanner", "workers": 2, "timeout": 10.0,
              "release_port": release_port, "quarantine_dir": str(root / "quarantine"),
              "audit_log": str(root / "audit.jsonl"), **gateway}
    for key, value in values.items():
        if isinstance(value, str):
            lines.append(f'{key} = "{value}"')
        elif isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        else:
            lines.append(f"{key} = {value}")
    path.write_text("\n".join(lines) + "\n")
