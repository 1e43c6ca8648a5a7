"""Rebuild the bundled sample from the real daily-papers files (run from the repository root).

    python scripts/make_sample.py ../shared/data/hf-daily-papers/latest --days 30

Writes paperboy/sample/daily-papers.json.gz: {"YYYY-MM-DD": [items as in /api/daily_papers]}.
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

DROP = {"thumbnail", "organization", "isAuthorParticipating"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--out", type=Path, default=Path("paperboy/sample/daily-papers.json.gz"))
    args = parser.parse_args()
    days: dict[str, list[object]] = {}
    for path in sorted(args.folder.glob("*.json"), reverse=True):
        data = json.loads(path.read_text())
        if not isinstance(data, list) or not all(isinstance(i, dict) for i in data):
            continue
        days[path.stem] = [{k: v for k, v in item.items() if k not in DROP} for item in data]
        if len(days) == args.days:
            break
    payload = json.dumps(dict(sorted(days.items())), separators=(",", ":")).encode()
    args.out.write_bytes(gzip.compress(payload, mtime=0))
    count = sum(len(v) for v in days.values())
    print(f"{args.out}: {len(days)} days, {count} papers, {args.out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
