"""Re-clustering after some messages changed, without reading the whole store.

The retro-match changes only the messages it matched (their campaign keys gain
``intel:`` keys, their verdicts may change). ``recluster_changed`` gives the same
campaigns as ``mailward.hunt.campaigns.recluster`` (a test compares them, on both
databases) while reading only:

* every attack message (few: found by the ``verdict`` index) and clustering them
  exactly as the full pass does: what the full pass takes from ordinary mail, how
  often it uses each key and indicator the attack mail uses, the database counts in
  one pass over the JSON columns (``Store.benign_usage``), without a row reaching
  Python;
* the bulk-mail (benign) groups of the changed messages, summarised again from
  their stored members.

When a changed message joins a bulk-mail group that has no stored campaign (fewer
than three members before), the other members are unknown without reading the
store: it falls back to the full re-clustering (``ClusterStats.timings["full"]``),
as it does when the store holds no campaign at all (never clustered).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from mailward.store import Campaign, Store

from .campaigns import (
    _ATTACK_VERDICTS,
    BenignStats,
    ClusterParams,
    ClusterStats,
    benign_groups,
    benign_key,
    cluster_attack,
    is_benign,
    recluster,
)

State = tuple[str, Mapping[str, Any]]  # a message's verdict and campaign features


def group_of(state: State | None) -> str:
    """The bulk-mail group a message belongs to ("" for none)."""
    if state is None or not is_benign(state[0]):
        return ""
    return benign_key(*state)


def recluster_changed(store: Store, before: Mapping[int, State], after: Mapping[int, State] | None = None,
                      params: ClusterParams | None = None) -> ClusterStats:
    """Re-cluster after the messages of ``before`` (their verdict and features before the
    change) changed; ``after``: the same now (read from the store when not given)."""
    params = params or ClusterParams()
    stats = ClusterStats()
    started = time.perf_counter()
    if after is None:
        after = store.states(list(before))
    attack_ids = store.campaign_ids("attack")
    # never clustered (no campaign stored): the bulk-mail groups are unknown too
    benign = _benign_groups(store, before, after, stats) if attack_ids or store.campaign_ids("benign") else None
    if benign is None:
        full = recluster(store, params)
        full.timings["full"] = time.perf_counter() - started
        return full
    remove_benign, new_benign = benign
    stats.timings["benign_groups"] = time.perf_counter() - started

    t0 = time.perf_counter()
    # a colleague's forward of a lure is left out, as ``cluster`` leaves it out (features.forwarded)
    attack = [item for item in store.attack_inputs(sorted(_ATTACK_VERDICTS)) if not item.features.get("forwarded")]
    keys = {k for item in attack for k in item.features.get("keys", ())}
    indicators = {(str(i.get("kind", "")), str(i.get("value", ""))) for item in attack for i in item.indicators}
    stats.timings["load_attack"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    key_counts, indicator_counts = store.benign_usage(keys, indicators)
    stats.timings["benign_usage"] = time.perf_counter() - t0
    campaigns = cluster_attack(attack, BenignStats(key_counts, indicator_counts), params, stats)

    t0 = time.perf_counter()
    store.swap_campaigns([*attack_ids, *remove_benign], [*campaigns, *new_benign])
    stats.timings["write"] = time.perf_counter() - t0
    stats.seconds = time.perf_counter() - started
    return stats


def _benign_groups(store: Store, before: Mapping[int, State], after: Mapping[int, State],
                   stats: ClusterStats) -> tuple[list[str], list[Campaign]] | None:
    """The stored bulk-mail groups the changed messages were in, and those groups
    summarised again; None when a group's members cannot be known without a full pass."""
    stored = store.campaigns_of(list(before))
    # group key -> stored campaign id, from the changed messages that were in one
    group_ids: dict[str, str] = {}
    joining: dict[str, set[int]] = {}
    leaving: dict[str, set[int]] = {}
    for pk, old in before.items():
        was, now = group_of(old), group_of(after.get(pk))
        cid, kind = stored.get(pk, ("", ""))
        if was and kind == "benign":
            group_ids[was] = cid
        if was != now:
            if was:
                leaving.setdefault(was, set()).add(pk)
            if now:
                joining.setdefault(now, set()).add(pk)
        elif was:
            joining.setdefault(was, set())  # same group: summarised again (its verdict may have changed)
    if any(key not in group_ids for key in joining if joining[key]):
        joined_stored = _stored_groups(store, {k for k in joining if joining[k] and k not in group_ids})
        if joined_stored is None:
            return None
        group_ids.update(joined_stored)
    members = store.member_ids(group_ids.values())
    wanted: dict[str, set[int]] = {}
    for key in set(joining) | set(leaving):
        if key not in group_ids:
            continue  # a group of fewer than three, unchanged in membership
        wanted[key] = (set(members.get(group_ids[key], ())) | joining.get(key, set())) - leaving.get(key, set())
    inputs = store.inputs_by_id(sorted({pk for pks in wanted.values() for pk in pks}))
    groups = [(key, [inputs[pk] for pk in sorted(pks) if pk in inputs]) for key, pks in sorted(wanted.items())]
    return [group_ids[k] for k in wanted], benign_groups(groups, stats)


def _stored_groups(store: Store, keys: set[str]) -> dict[str, str] | None:
    """The stored campaign of each bulk-mail group key; None if one has none (it had
    fewer than three members, whom only a full pass finds)."""
    found: dict[str, str] = {}
    for campaign in store.campaigns(kind="benign"):
        if campaign.links and campaign.links[0] in keys:
            found[campaign.links[0]] = campaign.id
    return found if set(found) == keys else None
