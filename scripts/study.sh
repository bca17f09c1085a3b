#!/usr/bin/env bash
# The Fashion-MNIST study of docs/results.md: dense vs spline-eb vs eb-bn vs prune-after
# (slimming) vs random at ratios 0.3/0.5/0.7, two seeds, plus a P ablation of the spline
# criterion. Usage: scripts/study.sh [DB] ; then: node scripts/studyReport.mjs DB > docs/results.md
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:-study.db}
DATASET=${DATASET:-builtin:fashion-mini}
EPOCHS=${EPOCHS:-10}
SEEDS=${SEEDS:-2}
EXTRA=${EXTRA:-}
CLI="node bin/spline-lab.mjs"
COMMON="--dataset $DATASET --model cnn --epochs $EPOCHS --batch 64 --db $DB --json $EXTRA"
$CLI sweep $COMMON --methods dense,spline-eb,eb-bn,prune-after --ratios 0.3,0.5,0.7 --seeds "$SEEDS" --name main > /dev/null
$CLI sweep $COMMON --methods spline-eb --criteria random --ratios 0.3,0.5,0.7 --seeds "$SEEDS" --name random > /dev/null
$CLI sweep $COMMON --methods spline-eb --criteria spline --ratios 0.5 --Ps 0,0.25,0.75,1 --seeds "$SEEDS" --name P-ablation > /dev/null
echo "study finished: $DB"
