#!/usr/bin/env bash
# The equal-FLOPs criterion study of docs/results.md, in one command: Fashion-MNIST (imported from
# $DATASET), a cnn, every criterion at the same pruned MACs per ratio (a sweep with --equal-macs),
# dense runs of the same budget beside, ≥ 5 seeds, and a P ablation of the spline criterion; then
# the Markdown tables (mean ± std, paired 95 % intervals against random and l1, the checklist) on
# stdout. Progress and notes go to stderr.
#
#   scripts/study.sh [DB] > study.md
#
# Every setting can be changed from the environment (defaults in brackets): DATASET
# [/usr/share/datasets/fashion-mnist], MODEL [cnn], WIDTH [0.5], METHOD [spline-eb], EPOCHS [10],
# BATCH [64], TRAIN_LIMIT [5000], TEST_LIMIT [2000], SEEDS [5], RATIOS [0.3,0.5,0.7], CRITERIA
# [spline,bn-slimming,l1,loss-preservation,grasp,random], PS (the ablation's other P values)
# [0,0.25,0.5,1], EQUAL (layerwise: identical widths; target: each run's ratio solved for the MACs
# of layerwise pruning) [layerwise], EXTRA (more run flags) []. The spline criterion runs at its
# default P in the main sweep; network slimming trains with its BN-L1 sparsity (1e-4) on its own.
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:-study.db}
DATASET=${DATASET:-/usr/share/datasets/fashion-mnist}
MODEL=${MODEL:-cnn}
WIDTH=${WIDTH:-0.5}
METHOD=${METHOD:-spline-eb}
EPOCHS=${EPOCHS:-10}
BATCH=${BATCH:-64}
TRAIN_LIMIT=${TRAIN_LIMIT:-5000}
TEST_LIMIT=${TEST_LIMIT:-2000}
SEEDS=${SEEDS:-5}
RATIOS=${RATIOS:-0.3,0.5,0.7}
CRITERIA=${CRITERIA:-spline,bn-slimming,l1,loss-preservation,grasp,random}
PS=${PS-0,0.25,0.5,1}
EQUAL=${EQUAL:-layerwise}
EXTRA=${EXTRA:-}
# Node 24 (the project's node devDependency when the system's is older)
NODE=${NODE:-$([ -x node_modules/.bin/node ] && echo node_modules/.bin/node || echo node)}
CLI="$NODE bin/spline-lab.mjs"

# the folder's import is cached in the database's data folder: later runs reuse it
ID=$($CLI import "$DATASET" --db "$DB" --json | tail -n 1 | $NODE -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).id))')
echo "dataset $DATASET → $ID" >&2
COMMON="--dataset $ID --model $MODEL --width $WIDTH --epochs $EPOCHS --batch $BATCH --train-limit $TRAIN_LIMIT --test-limit $TEST_LIMIT --db $DB --json $EXTRA"
sweep() { $CLI sweep $COMMON "$@" | tail -n 1 | $NODE -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).sweepId))'; }

MAIN=$(sweep --methods "dense,$METHOD" --criteria "$CRITERIA" --ratios "$RATIOS" --seeds "$SEEDS" --equal-macs "$EQUAL" --name "equal-MACs study")
echo "sweep $MAIN finished" >&2
IDS="$MAIN"
if [ -n "$PS" ]; then
  ABLATION=$(sweep --methods "$METHOD" --criteria spline --Ps "$PS" --ratios "$RATIOS" --seeds "$SEEDS" --equal-macs "$EQUAL" --name "P ablation")
  echo "sweep $ABLATION finished" >&2
  IDS="$IDS $ABLATION"
fi
echo "<!-- scripts/study.sh: DATASET=$DATASET MODEL=$MODEL WIDTH=$WIDTH METHOD=$METHOD EPOCHS=$EPOCHS BATCH=$BATCH TRAIN_LIMIT=$TRAIN_LIMIT TEST_LIMIT=$TEST_LIMIT SEEDS=$SEEDS RATIOS=$RATIOS CRITERIA=$CRITERIA PS=$PS EQUAL=$EQUAL EXTRA=$EXTRA; sweeps $IDS in $DB -->"
# shellcheck disable=SC2086
$CLI export $IDS --format md --out - --db "$DB"
