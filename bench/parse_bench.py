"""Parser throughput and defect counts over a corpus directory.

    python bench/parse_bench.py DIR [DIR...]

Prints messages, CPU time per message (parse_message only, including HTML
extraction) and the most common MIME defects.
"""

from __future__ import annotations

import collections
import sys
import time

from mailward.parse import parse_message
from mailward.sources import RawMessage, iter_sources


def main(paths: list[str]) -> None:
    defects: collections.Counter[str] = collections.Counter()
    count = failed = 0
    cpu = 0.0
    for item in iter_sources(paths):
        if not isinstance(item, RawMessage):
            continue
        start = time.process_time()
        message = parse_message(item.data)
        cpu += time.process_time() - start
        count += 1
        failed += bool(message.extra.get("parse_failed"))
        defects.update(d.kind for d in message.defects)
    if not count:
        print("no messages found")
        return
    print(f"{count} messages, {cpu / count * 1000:.2f} ms CPU per message ({count / cpu:.0f} msg/s), {failed} unparsable")
    for kind, number in defects.most_common(15):
        print(f"  {kind:32} {number}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["."])
