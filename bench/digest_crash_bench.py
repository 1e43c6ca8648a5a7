"""Crash safety of digest sending: kill -9 `paperboy digest run` 10 times during 2,000 digests.

    .venv/bin/python bench/digest_crash_bench.py [--subscribers 2000] [--kills 10] [--runs 3]

The crash test (`tests/test_digest_crash.py`) at full size: a real `paperboy digest run` child
process sends to an aiosmtpd sink (a thread of this process) and is SIGKILLed `--kills` times,
each time a seeded random 0–300 ms after it has started sending, and restarted at once; then
children run until the outbox is empty. Reported per run: what the sink received, subscribers
missed (target 0), duplicates (an in-flight message sent again after a kill) and whether every
duplicate carried its first copy's Message-ID.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import harness

sys.path.insert(0, str(harness.REPO))

from tests.support.digest_crash import crash_and_restart, seed_site, write_config
from tests.support.smtp import running_sink


def main() -> None:
    parser = harness.parser(__doc__.splitlines()[0], runs=3)
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args()
    harness.print_header("Digest sending under kill -9")
    rows = []
    for run in range(args.runs):
        workdir = Path(tempfile.mkdtemp(prefix="digest-crash-"))
        with running_sink() as sink:
            config = write_config(workdir, sink, args.connections)
            deps = seed_site(config, args.subscribers)
            report = crash_and_restart(
                config,
                deps,
                sink,
                subscribers=args.subscribers,
                kills=args.kills,
                seed=args.seed + run,
                deadline=600.0,
            )
        same_id = "yes" if not report.duplicates_with_another_id else "NO"
        rows.append(
            f"| {run + 1} | {report.subscribers:,} | {report.kills} | {report.children} "
            f"| {report.received:,} | {len(report.missed)} | {report.duplicates} | {same_id} "
            f"| {report.unsent or 'none'} | {report.seconds:.1f} |"
        )
        print(rows[-1], file=sys.stderr, flush=True)
    print(
        "| run | subscribers | kills | processes | received | missed | duplicates "
        "| duplicates same Message-ID | left unsent | seconds |\n"
        "|---|---|---|---|---|---|---|---|---|---|"
    )
    print("\n".join(rows))
    print(
        f"\n{args.connections} SMTP connections a process; 3 s leases; kills 0–300 ms into sending."
    )
    harness.print_footer()


if __name__ == "__main__":
    main()
