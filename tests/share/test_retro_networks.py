"""IP network indicators in the retro-match: ranges of the facts index, exactly the
addresses ``ipaddress`` puts in the network (IPv4 by dotted prefixes, IPv6 compared)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import random

from sqlalchemy import insert, select

from mailward.share.retromatch import _dotted_prefixes, match_all
from mailward.store import open_store
from mailward.store.models import IndicatorRow, IntelMatchRow, MessageFactRow, MessageRow

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
NETWORKS = ("10.4.0.0/14", "1.2.3.0/30", "1.2.3.4/32", "192.0.2.0/24", "172.16.0.0/12", "2001:db8::/64",
            "9.0.0.0/9")


def test_dotted_prefixes_cover_the_network_and_nothing_else():
    rng = random.Random(3)
    for text in (*NETWORKS[:-2], "9.0.0.0/9", "0.0.0.0/0", "128.0.0.0/1"):
        net = ipaddress.ip_network(text)
        prefixes = _dotted_prefixes(net)  # type: ignore[arg-type]
        for _ in range(2000):
            ip = ipaddress.IPv4Address(int(net.network_address) + rng.randrange(net.num_addresses))
            assert any(str(ip).startswith(p) for p in prefixes)
            other = ipaddress.IPv4Address(rng.getrandbits(32))
            if other not in net:
                assert not any(str(other).startswith(p) and (p.endswith(".") or str(other) == p) for p in prefixes)


def test_network_matches_equal_ipaddress_membership(tmp_path):
    rng = random.Random(5)
    ips = ["10.5.1.1", "10.8.0.1", "1.2.3.3", "1.2.3.4", "1.2.3.40", "1.2.3.999", "192.0.2.255", "192.0.20.1",
           "172.31.255.255", "172.32.0.1", "2001:db8::1", "2001:db8:0:1::1", "9.127.0.1", "9.128.0.1"]
    ips += [str(ipaddress.IPv4Address(rng.getrandbits(32))) for _ in range(300)]
    with open_store(f"sqlite:///{tmp_path / 'n.db'}") as store:
        with store.engine.begin() as conn:
            conn.execute(insert(MessageRow), [
                {"id": pk, "source": f"n/{pk}", "sha256": "0" * 64, "verdict": "clean", "scanned_at": NOW}
                for pk in range(1, len(ips) + 1)])
            conn.execute(insert(MessageFactRow), [{"kind": "ip", "value": ip, "message_pk": pk}
                                                  for pk, ip in enumerate(ips, 1)])
            conn.execute(insert(IndicatorRow), [
                {"id": i, "kind": "ipv6" if ":" in n else "ipv4", "value": n, "match_key": "", "source": "t",
                 "confidence": 80, "created_at": NOW} for i, n in enumerate(NETWORKS, 1)])
            assert match_all(conn, NOW)["ip-network"] > 5
            got = set(conn.execute(select(IntelMatchRow.message_pk, IntelMatchRow.indicator_id)).all())
    expected = set()
    for pk, ip in enumerate(ips, 1):
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            continue
        expected.update((pk, i) for i, n in enumerate(NETWORKS, 1) if address in ipaddress.ip_network(n))
    assert got == expected
    assert (6, 2) not in got  # 1.2.3.999 is no address, whatever its prefix
