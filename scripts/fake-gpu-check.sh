#!/usr/bin/env bash
# fake-gpu-check.sh: a rehearsal of scripts/gpu-check.sh on a machine without a GPU. The stand-in
# libcuda.so.1 of `make fakecuda` (src/test/cpp/fake_libcuda.cpp: the driver API the engine uses,
# kernels on the CPU emulation) goes first on LD_LIBRARY_PATH, so info, the probe, the gpu tests
# and the benchmark all take their "CUDA usable" paths through JCuda, for real.
#
#   make bundle fakecuda && scripts/fake-gpu-check.sh
#
# The emulation runs a 1024-thread sort block as 1024 OS threads, so the run keeps to small work:
# the golden cases, a few random cases (4 on the tensor-core kernel), dense and auto modes, the
# quick CudaEngineTest methods, the CUDA layer on the kernel pack's GEMM (CudaLayerTest; its cuBLAS
# cases skip) (FAKE_TESTS replaces the selection) and a tiny benchmark (both kernels); about 6
# minutes on 2 cores.
# Afterwards every JVM's counters from the stand-in must balance (contexts, allocations,
# modules, streams) with no call refused. Logs in build/fake-gpu-check/ (or $OUT).
set -uo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)
LIBRARY="$REPO/target/fakecuda/libcuda.so.1"
if [[ ! -f "$LIBRARY" ]]; then
    echo "error: no stand-in driver at $LIBRARY: run make fakecuda first"
    exit 2
fi

export OUT=${OUT:-$REPO/build/fake-gpu-check}
mkdir -p "$OUT"
export FAKECUDA_REPORT="$OUT/fakecuda-report.txt"
rm -f "$FAKECUDA_REPORT"
export LD_LIBRARY_PATH="$REPO/target/fakecuda${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

ENGINE=org.smyrf4j.cuda.CudaEngineTest
export TEST_SELECT=${FAKE_TESTS:-"--select-class org.smyrf4j.cuda.CudaParityTest --select-class org.smyrf4j.cuda.CudaLayerTest \
--select-method $ENGINE#badTensorsAreRefused --select-method $ENGINE#closingFreesTensorsAndRefusesCalls \
--select-method $ENGINE#headDimBeyondSharedMemoryIsRefused --select-method $ENGINE#attentionEngineRunsOnCuda \
--select-method $ENGINE#repeatedCallsAreBitIdentical \
--select-method $ENGINE#extensionsRunOnDeviceTensorsAndRefuseWhatDoesNotFit"}
# The tensor-core cases run the emulated wmma (each lane the whole tile): about 10 s each here.
export TEST_JVM_FLAGS="-Dsmyrf4j.test.randomCases=12 -Dsmyrf4j.test.extensionCases=6 -Dsmyrf4j.test.tensorCoreCases=4 \
-Dsmyrf4j.test.largeCases=false"
export QUICK_TIMINGS=1
# The native driver would look for a real GPU behind the stand-in library.
export NATIVE=0
export STAGE_BENCH_ARGS="--sizes 256 --runs 1"
export BENCH_ARGS="--batch 2 --dim 16 --hashes 2 --cluster 32 --lengths 256 --warmup 1 --repeats 2 --dense-budget 60"
export TEST_TIMEOUT=${TEST_TIMEOUT:-1500}
export STAGE_TIMEOUT=${STAGE_TIMEOUT:-600}
export BENCH_TIMEOUT=${BENCH_TIMEOUT:-600}
export STEP_TIMEOUT=${STEP_TIMEOUT:-60}

scripts/gpu-check.sh
rc=$?

echo
echo "===== stand-in driver counters (one line per JVM) ====="
if [[ ! -s "$FAKECUDA_REPORT" ]]; then
    echo "no counters: the JVMs did not load the stand-in driver"
    exit 1
fi
cat "$FAKECUDA_REPORT"
# Taken and given back must balance; refusals, leaks and threads ending with a context pushed must be 0.
if ! awk '
    {
        for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        bad = ""
        if (v["retains"] != v["releases"]) bad = bad " retains/releases"
        if (v["pushes"] != v["pops"]) bad = bad " pushes/pops"
        if (v["allocations"] != v["frees"]) bad = bad " allocations/frees"
        if (v["modules_loaded"] != v["modules_unloaded"]) bad = bad " modules"
        if (v["streams_created"] != v["streams_destroyed"]) bad = bad " streams"
        if (v["events_created"] != v["events_destroyed"]) bad = bad " events"
        if (v["errors"] != 0) bad = bad " errors"
        if (v["live_allocations"] != 0) bad = bad " live_allocations"
        if (v["unbalanced_threads"] != 0) bad = bad " unbalanced_threads"
        if (v["leaked_at_reset"] != 0) bad = bad " leaked_at_reset"
        if (bad != "") { print "line " NR " does not balance:" bad; failed = 1 }
    }
    END { exit failed }' "$FAKECUDA_REPORT"; then
    echo "stand-in driver counters: FAILED"
    exit 1
fi
echo "stand-in driver counters: balanced"
exit "$rc"
