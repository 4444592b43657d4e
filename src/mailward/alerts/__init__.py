"""Alerts: tell the security team when a campaign is found or grows.

``events`` computes what changed between two clusterings; ``channels`` delivers
events through a JSON webhook, syslog or email, from a bounded background queue
(``dispatch``) so that scanning never waits for a receiver.
"""

from __future__ import annotations

from .events import CampaignEvent, rebuild_and_report, snapshot

__all__ = ["CampaignEvent", "rebuild_and_report", "snapshot"]
