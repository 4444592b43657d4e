"""Tell the people a campaign targeted: one notice per person (.eml and printable HTML).

``build_notices(store, campaign, config)`` makes them; ``write_notices`` writes them to a
directory; ``send_notices`` hands them to the ``[smtp]`` relay after an analyst's
confirmation and records the sending in the audit log. The text is Jinja2 templates
a site can replace or translate (``[notify] templates``).
"""

from __future__ import annotations

from .notices import (
    Notice,
    NotifyError,
    NotifySettings,
    build_notices,
    defang,
    send_notices,
    write_notices,
)

__all__ = ["Notice", "NotifyError", "NotifySettings", "build_notices", "defang", "send_notices", "write_notices"]
