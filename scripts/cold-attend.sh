#!/usr/bin/env bash
# cold-attend.sh: wall time of one `attend` call in a fresh JVM, start to exit, as a user runs it:
# B=8, Nq=Nk=16384, d=dv=64, 4 rounds, clusters of 128 (issue 2's case), on the CPU engine.
#
#   scripts/cold-attend.sh [RUNS]        # default 7 runs; prints each, then min and median
#
# Inputs: standard normal float32 .npy files made once with numpy in $WORK (default
# build/cold-attend). Needs the jar (make jar) and python3 with numpy. Other JVM options go in
# SMYRF4J_JAVA_OPTS, as for scripts/smyrf4j.
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${1:-7}
WORK=${WORK:-build/cold-attend}
mkdir -p "$WORK"
if [[ ! -f "$WORK/v.npy" ]]; then
    python3 - "$WORK" <<'EOF'
import sys
import numpy as np
rng = np.random.default_rng(0)
for name in "qkv":
    np.save(f"{sys.argv[1]}/{name}.npy", rng.standard_normal((8, 16384, 64), dtype=np.float32))
EOF
fi

times=()
for run in $(seq "$RUNS"); do
    start=$(date +%s.%N)
    scripts/smyrf4j attend --q "$WORK/q.npy" --k "$WORK/k.npy" --v "$WORK/v.npy" --out "$WORK/out.npy" \
        --hashes 4 --query-cluster 128 --backend cpu 2> "$WORK/stderr.txt"
    end=$(date +%s.%N)
    wall=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }')
    times+=("$wall")
    echo "run $run: ${wall} s wall; attention $(grep '^attend:' "$WORK/stderr.txt" | sed 's/.*; //')"
done
printf '%s\n' "${times[@]}" | sort -n | awk '{ t[NR] = $1 } END { printf "min %.2f s, median %.2f s over %d runs\n", t[1], t[int((NR + 1) / 2)], NR }'
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
