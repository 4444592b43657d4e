"""The store: scanned messages, sender history, campaigns, hunt progress, indicators.

SQLite in the data directory by default, PostgreSQL by URL. ``open_store(url)``
upgrades the schema (Alembic, shipped in the package) before returning.
"""

from __future__ import annotations

from .records import (
    Campaign,
    CampaignHit,
    Indicator,
    MessageRecord,
    Person,
    StoredMessage,
    Target,
)
from .store import ClusterInput, FileState, Store, StoreError, default_url, open_store

__all__ = [
    "Campaign",
    "CampaignHit",
    "ClusterInput",
    "FileState",
    "Indicator",
    "MessageRecord",
    "Person",
    "Store",
    "StoreError",
    "StoredMessage",
    "Target",
    "default_url",
    "open_store",
]
