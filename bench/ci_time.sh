#!/usr/bin/env bash
# How long CI takes: `.ci/run` with CI=true in a fresh clone of the committed main, as CI runs it.
#   bench/ci_time.sh                 clones into /tmp/ci-clone (removed first)
#   bench/ci_time.sh /tmp/elsewhere  another clone folder
# Only committed work is measured (a clone has no uncommitted files). The clone installs its own
# .venv, so the time includes the install step a fresh CI machine pays. Prints a Markdown table.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
clone="${1:-/tmp/ci-clone}"
log="$(mktemp /tmp/ci-time.XXXXXX.log)"

echo "# CI time"
echo
echo '```'
echo "\$ bench/ci_time.sh $*"
echo "\$ git clone -q $repo $clone && cd $clone && time CI=true bash .ci/run"
echo '```'
echo
echo "- when: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "- cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- python: $(python3 --version 2>&1)"
echo "- commit: $(git -C "$repo" log -1 --format='%h %s' | cut -c1-70)"
echo "- log: $log"
echo

rm -rf "$clone"
git clone -q "$repo" "$clone"
if [ ! -f "$clone/.ci/run" ]; then
  echo "no .ci/run in the committed tree: nothing to time" >&2
  exit 2
fi

cd "$clone"
start=$(date +%s.%N)
set +e
CI=true bash .ci/run </dev/null >"$log" 2>&1
status=$?
set -e
end=$(date +%s.%N)
seconds=$(python3 -c "print(f'{$end - $start:.0f}')")

summary=$(grep -E '^(=+ )?[0-9]+ (passed|failed)|passed|failed' "$log" | tail -n 3 | tr '\n' ' ' | sed 's/|/\\|/g')
ten_min=$([ "$seconds" -le 600 ] && echo yes || echo "**NO**")
ci_limit=$([ "$seconds" -le 5400 ] && echo yes || echo "**NO**")
green=$([ "$status" -eq 0 ] && echo yes || echo "**NO**")

echo "| what | measured | target | met? |"
echo "|---|---|---|---|"
echo "| \`CI=true bash .ci/run\` wall time | ${seconds} s | ≤ 600 s (house style: well under 10 min on 2 cores) | $ten_min |"
echo "| same, against CI's hard limit | ${seconds} s | ≤ 5,400 s | $ci_limit |"
echo "| exit status | $status | 0 | $green |"
echo "| last summary lines | ${summary:-(none found)} | | |"
echo
echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "Last 15 lines of the log:"
echo
echo '```'
tail -n 15 "$log"
echo '```'
exit "$status"
