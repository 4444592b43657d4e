#!/usr/bin/env python3
"""Install, configure, start and stop the peer scanners for benchmarks.

    python bench/peers/peers.py install          # apt-get the packages in bench/system.list
    python bench/peers/peers.py start [--dir D]  # rspamd on 127.0.0.1:11333, spamd on 127.0.0.1:7830
    python bench/peers/peers.py status [--dir D]
    python bench/peers/peers.py stop [--dir D]   # by the PIDs recorded at start

Both daemons run from a private directory (default var/bench/peers) with network
look-ups off:

- rspamd uses the Debian configuration in /etc/rspamd with a private LOCAL_CONFDIR
  (local.d/override.d written here), DBDIR, RUNDIR and LOGDIR; every module that
  asks the network (RBLs, SPF, DKIM, DMARC, ARC, ASN, fuzzy, MX, DCC, Redis-backed
  modules) is disabled, DNS points at a closed local port with a 0.1 s timeout, and
  the phishing module keeps its local checks (phishtank/openphish feeds off).
- spamd runs with ``-L`` (local tests only: no DNS blocklists, Razor, Pyzor, DCC),
  a private site configuration (a copy of /etc/spamassassin plus a local.cf that
  turns Bayes and auto-learning off so that results do not drift between runs) and
  exactly two children.

The PIDs go to DIR/pids.json; ``stop`` signals only those PIDs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DIR = REPO / "var" / "bench" / "peers"
SYSTEM_LIST = REPO / "bench" / "system.list"

RSPAMD_PORT = 11333
RSPAMD_CONTROLLER_PORT = 11334
RSPAMD_PROXY_PORT = 11336  # away from 11332, where a milter bench may listen
SPAMD_PORT = 7830
# seconds a daemon may take to answer after its start; rspamd loads its Lua
# configuration for minutes on a crowded machine, so it can be raised
START_TIMEOUT = float(os.environ.get("MAILWARD_PEERS_START_TIMEOUT", "300"))

# rspamd modules that would ask the network (DNS lists, Redis, HTTP services)
RSPAMD_NETWORK_MODULES = (
    "rbl", "surbl", "fuzzy_check", "spf", "dkim", "dmarc", "arc", "asn", "mx_check",
    "multimap", "neural", "ratelimit", "greylist", "reputation", "url_redirector",
    "bimi", "dcc", "emails", "history_redis", "replies", "clickhouse", "elastic",
    "metadata_exporter", "rspamd_update", "p0f", "antivirus", "external_services",
    "spamtrap", "dkim_signing",
)


def log(msg: str) -> None:
    print(f"peers: {msg}", file=sys.stderr, flush=True)


# -- install ------------------------------------------------------------------


def packages() -> list[str]:
    out = []
    for line in SYSTEM_LIST.read_text().splitlines():
        name = line.split("#", 1)[0].strip()
        if name:
            out.append(name)
    return out


def missing_packages() -> list[str]:
    missing = []
    for pkg in packages():
        res = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True, text=True, check=False
        )
        if "install ok installed" not in res.stdout:
            missing.append(pkg)
    return missing


def install() -> None:
    missing = missing_packages()
    if not missing:
        log("rspamd and SpamAssassin are installed")
        return
    if os.geteuid() != 0:
        raise SystemExit(f"peers: need root to install {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    policy = Path("/usr/sbin/policy-rc.d")
    if not policy.exists():  # apt must not start the Debian services: we run our own
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
    log(f"installing {' '.join(missing)}")
    lock = ["-o", "DPkg::Lock::Timeout=600"]
    subprocess.run(["apt-get", *lock, "update", "-qq"], env=env, check=False)
    for attempt in range(10):
        res = subprocess.run(
            ["apt-get", *lock, "install", "-y", "-qq", "--no-install-recommends", *missing],
            env=env, check=False,
        )
        if res.returncode == 0:
            return
        log(f"apt-get install failed (attempt {attempt + 1}); retrying in 10 s")
        time.sleep(10)
    raise SystemExit("peers: could not install the peer packages")


# -- configuration ------------------------------------------------------------


def write_rspamd_config(base: Path) -> dict[str, Path]:
    conf = base / "rspamd" / "conf"
    dirs = {name: base / "rspamd" / name for name in ("db", "run", "log")}
    for sub in ("local.d", "override.d"):
        (conf / sub).mkdir(parents=True, exist_ok=True)
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
        shutil.chown(d, "_rspamd", "_rspamd")
    override = conf / "override.d"
    local = conf / "local.d"
    (override / "worker-normal.inc").write_text(
        f'bind_socket = "127.0.0.1:{RSPAMD_PORT}";\n'
        "count = 2;  # one per core, as mailward --jobs 2\n"
    )
    (override / "worker-controller.inc").write_text(
        f'bind_socket = "127.0.0.1:{RSPAMD_CONTROLLER_PORT}";\n'
        'password = "";\nsecure_ip = "127.0.0.1";\n'
    )
    (override / "worker-proxy.inc").write_text(
        f'bind_socket = "127.0.0.1:{RSPAMD_PROXY_PORT}";\nmilter = yes;\n'
        'upstream "local" { default = yes; hosts = "127.0.0.1:11333"; }\n'
    )
    (override / "worker-fuzzy.inc").write_text('count = -1;\nbind_socket = "127.0.0.1:11435";\n')
    (local / "options.inc").write_text(
        "# network look-ups off: every DNS query goes to a closed local port and times out at once\n"
        'dns { nameserver = ["127.0.0.1:1"]; timeout = 0.02s; retransmits = 1; }\n'
    )
    (override / "logging.inc").write_text('type = "file";\nlevel = "error";\n')
    for module in RSPAMD_NETWORK_MODULES:
        (local / f"{module}.conf").write_text("enabled = false;\n")
    (local / "phishing.conf").write_text(
        "# keep the local URL/text mismatch checks, not the network feeds\n"
        "openphish_enabled = false;\nphishtank_enabled = false;\n"
    )
    (local / "classifier-bayes.conf").write_text("enabled = false;\n")
    (local / "statistic.conf").write_text("# no Bayes: it needs Redis\n")
    return {"conf": conf, **dirs}


def write_spamd_config(base: Path) -> Path:
    site = base / "spamassassin" / "site"
    home = base / "spamassassin" / "home"
    if site.exists():
        shutil.rmtree(site)
    shutil.copytree("/etc/spamassassin", site)
    (site / "zz_mailward_bench.cf").write_text(
        "# benchmark settings: deterministic, no network, no learning\n"
        "use_bayes 0\nbayes_auto_learn 0\nskip_rbl_checks 1\n"
        "use_razor2 0\nuse_pyzor 0\n"
    )
    home.mkdir(parents=True, exist_ok=True)
    shutil.chown(home, "debian-spamd", "debian-spamd")
    return site


# -- start / stop -------------------------------------------------------------


def _wait(check, timeout: float, what: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"peers: {what} exited with {proc.returncode} while starting")
        if check():
            return
        time.sleep(0.5)
    raise SystemExit(f"peers: {what} not ready after {timeout:.0f} s")


def _rspamd_ping() -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{RSPAMD_PORT}/ping", timeout=2) as r:
            return r.read().strip().startswith(b"pong")
    except OSError:
        return False


def _spamd_ping() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", SPAMD_PORT), timeout=2) as s:
            s.sendall(b"PING SPAMC/1.5\r\n\r\n")
            return b"PONG" in s.recv(100)
    except OSError:
        return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and ") Z" not in stat.read_text()


def read_pids(base: Path) -> dict[str, int]:
    path = base / "pids.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    return {k: int(v) for k, v in data.items() if _pid_alive(int(v))}


def start(base: Path, which: tuple[str, ...] = ("rspamd", "spamassassin")) -> dict[str, int]:
    base.mkdir(parents=True, exist_ok=True)
    pids = read_pids(base)
    procs: dict[str, subprocess.Popen[bytes]] = {}
    if "rspamd" in which and "rspamd" not in pids:
        if _rspamd_ping():
            raise SystemExit(f"peers: something else already answers on 127.0.0.1:{RSPAMD_PORT}")
        paths = write_rspamd_config(base)
        argv = [
            "rspamd", "-f", "-u", "_rspamd", "-g", "_rspamd", "-c", "/etc/rspamd/rspamd.conf",
            f"--var=LOCAL_CONFDIR={paths['conf']}", f"--var=DBDIR={paths['db']}",
            f"--var=RUNDIR={paths['run']}", f"--var=LOGDIR={paths['log']}",
        ]
        out = open(base / "rspamd.out", "ab")
        procs["rspamd"] = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log(f"rspamd started, pid {procs['rspamd'].pid} (first start compiles hyperscan: ~30 s)")
    if "spamassassin" in which and "spamassassin" not in pids:
        if _spamd_ping():
            raise SystemExit(f"peers: something else already answers on 127.0.0.1:{SPAMD_PORT}")
        site = write_spamd_config(base)
        argv = [
            "spamd", "-L", f"--listen=127.0.0.1:{SPAMD_PORT}", "--allowed-ips=127.0.0.1",
            "-u", "debian-spamd", "-g", "debian-spamd", "-x",
            "-H", str(base / "spamassassin" / "home"), f"--siteconfigpath={site}",
            "--max-children=2", "--min-children=2", "--min-spare=0", "--max-spare=2",
            "--max-conn-per-child=1000000", "-s", "stderr",
        ]
        out = open(base / "spamd.out", "ab")
        procs["spamassassin"] = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log(f"spamd started, pid {procs['spamassassin'].pid}")
    for name, proc in procs.items():
        pids[name] = proc.pid
    (base / "pids.json").write_text(json.dumps(pids))
    try:
        if "rspamd" in procs:
            _wait(_rspamd_ping, START_TIMEOUT, "rspamd", procs["rspamd"])
            log(f"rspamd answers on 127.0.0.1:{RSPAMD_PORT}")
        if "spamassassin" in procs:
            _wait(_spamd_ping, START_TIMEOUT, "spamd", procs["spamassassin"])
            log(f"spamd answers on 127.0.0.1:{SPAMD_PORT}")
    except SystemExit:
        stop(base)
        raise
    return pids


def stop(base: Path, only: str | None = None) -> None:
    path = base / "pids.json"
    pids = read_pids(base)
    if only:
        keep = {k: v for k, v in pids.items() if k != only}
        pids = {k: v for k, v in pids.items() if k == only}
    for name, pid in pids.items():
        log(f"stopping {name} (pid {pid})")
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    for name, pid in pids.items():
        while _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _pid_alive(pid):
            log(f"{name} (pid {pid}) still alive; sending SIGKILL")
            os.kill(pid, signal.SIGKILL)
        try:  # reap it if we are its parent
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
    if only:
        path.write_text(json.dumps(keep))
    elif path.exists():
        path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["install", "start", "stop", "status"])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="private state directory")
    parser.add_argument("--only", choices=["rspamd", "spamassassin"], help="start or stop only this peer")
    args = parser.parse_args()
    if args.action == "install":
        install()
    elif args.action == "start":
        which = (args.only,) if args.only else ("rspamd", "spamassassin")
        pids = start(args.dir.resolve(), which)
        print(json.dumps(pids))
    elif args.action == "stop":
        stop(args.dir.resolve(), args.only)
    else:
        pids = read_pids(args.dir.resolve())
        print(json.dumps({"pids": pids, "rspamd": _rspamd_ping(), "spamassassin": _spamd_ping()}))


if __name__ == "__main__":
    main()
