#!/usr/bin/env bash
# The performance gate CI runs: a short form of bench/scale.sh on two generated forums, 5,000
# and 50,000 posts (made in seconds and kept), every hot page side by side with nginx serving
# the same bytes. It fails when, at 50,000 posts,
#   - a page's ratio to nginx falls below half of its ratio in bench/baseline.txt, or
#   - a page costs more than twice what it cost at 5,000 posts (cost: nginx's rate over
#     Stoa's, both from the same run, so a busy machine slows both alike). Search looks for a
#     word in as many posts at both sizes (the 50th word of the small forum, the 500th of the
#     big one): what it costs grows with the posts that hold the word, as it must, and must
#     not grow with the forum.
# Ratios, not rates: CI's machine is shared and noisy.
#
#   bench/gate.sh                      run the gate
#   bench/gate.sh --baseline           print the 50,000-post ratios as a new baseline
#   STOA_GATE_SECS, STOA_GATE_RUNS     seconds per run (2) and runs per page (3)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${STOA_GATE_SECS:-2}
runs=${STOA_GATE_RUNS:-3}
pages="topic latest category topic-json latest-json member-topic search member-search"
export STOA_BENCH_CONNECTIONS=16 STOA_BENCH_PAGES="$pages"

# "page ratio" for each page of a scale.sh table.
ratios() { awk -F'|' '$2 ~ /[a-z]/ && $8 ~ /[0-9]/ { gsub(/ /, "", $2); gsub(/ /, "", $8); print $2, $8 }'; }

small=$(STOA_BENCH_WORD_RANK=50 bench/scale.sh 5000 "$secs" "$runs")
echo "5,000 posts:"; echo "$small"
big=$(STOA_BENCH_WORD_RANK=500 bench/scale.sh 50000 "$secs" "$runs")
echo "50,000 posts:"; echo "$big"

if [ "${1:-}" = --baseline ]; then
  echo "# Ratios to nginx at 50,000 posts, 16 connections (bench/gate.sh --baseline, $(date -u +%F))."
  echo "$big" | ratios
  exit 0
fi

failed=0
while read -r page ratio; do
  base=$(awk -v p="$page" '$1 == p {print $2}' bench/baseline.txt)
  at5k=$(echo "$small" | ratios | awk -v p="$page" '$1 == p {print $2}')
  if [ -z "$base" ] || [ -z "$at5k" ]; then
    echo "FAIL $page: no baseline or no 5,000-post figure"; failed=1; continue
  fi
  verdict=$(awk -v r="$ratio" -v b="$base" -v s="$at5k" 'BEGIN {
    if (r < b / 2) print "FAIL: under half its baseline " b;
    else if (r < s / 2) print "FAIL: costs more than twice what it cost at 5,000 posts (" s ")";
    else print "ok" }')
  echo "$page: $ratio of nginx at 50,000 posts (baseline $base, at 5,000 posts $at5k): $verdict"
  [[ $verdict == ok ]] || failed=1
done < <(echo "$big" | ratios)
exit "$failed"
