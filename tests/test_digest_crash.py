"""Kill -9 the digest sender at random moments: nobody misses their digest, duplicates are rare.

A real `paperboy digest run` child process sends to a real SMTP server (aiosmtpd, in this
process) and is killed with SIGKILL 5 times while it sends, restarted each time, then run to
the end. Every subscriber must have received their digest; a kill may resend only what was in
flight (accepted by the server, not yet marked sent), and a resent digest carries the same
Message-ID as the first copy, so mail clients show it once.

The child sends over one SMTP connection, so at most one message is in flight at a kill and
duplicates ≤ kills is a guarantee, not a likelihood; with several connections a kill may catch
one in flight on each (`bench/digest_crash_bench.py` runs 4 and reports the duplicates).
"""

from __future__ import annotations

from pathlib import Path

from tests.support.digest_crash import crash_and_restart, seed_site, write_config
from tests.support.smtp import SmtpSink

SUBSCRIBERS = 200
KILLS = 5


def test_kill_9_during_a_run_never_costs_a_subscriber_their_digest(
    tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    config = write_config(tmp_path, smtp_sink, connections=1)
    deps = seed_site(config, SUBSCRIBERS)
    report = crash_and_restart(
        config, deps, smtp_sink, subscribers=SUBSCRIBERS, kills=KILLS, seed=20261127
    )
    assert report.kills == KILLS
    assert report.missed == []
    assert report.unsent == {}
    assert report.duplicates <= report.kills, report.per_kill
    assert report.duplicates_with_another_id == []
    assert report.received == SUBSCRIBERS + report.duplicates
