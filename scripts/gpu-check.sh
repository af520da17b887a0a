#!/usr/bin/env bash
# gpu-check.sh: everything worth knowing about smyrf4j on a GPU machine, in one short run.
#
# Run from the repository root with the bundle built by `make bundle` (.bundle/: a JRE, the
# jar, the test classes, JUnit's console launcher; the golden data comes from the checkout), so
# the machine needs no Java and no Maven:
#
#   scripts/gpu-check.sh            # machine facts, info, probe, gpu tests, benchmark
#   SKIP_BENCH=1 scripts/gpu-check.sh
#
# Logs go to $OUT (when set, e.g. on the device machine) or build/gpu-check/: gpu-check.log,
# junit/ (JUnit XML reports), stages.txt, bench.txt + bench-cuda.csv (the bench command, SMYRF on
# CUDA cores and on tensor cores, mode smyrf-tc; no --plot: the bundled JRE has no java.desktop),
# sdpa.csv (PyTorch) and gpu-table.md (the two side by side, scripts/gpu_table.py).
# Each step has a time limit (390 s in all, plus the machine facts), so the whole run stays under 7
# minutes; the exit status is 0 when the gpu tests pass (or skip, where no GPU is usable). With
# nvcc on the machine, the native driver (smyrf-gpu, built there in the background) checks the
# kernels in the time left, or instead of the Java steps where no JVM starts: native-build.log,
# and its output in gpu-check.log.
#
# For rehearsals on a stand-in driver (scripts/fake-gpu-check.sh): TEST_SELECT replaces the test
# selection (default: the package), TEST_JVM_FLAGS adds JVM flags to the test run,
# STAGE_BENCH_ARGS, BENCH_ARGS and SDPA_ARGS replace the arguments of the three benchmarks.
set -uo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)
BUNDLE=${SMYRF4J_BUNDLE:-$REPO/.bundle}
LOG_DIR=${OUT:-$REPO/build/gpu-check}
TEST_TIMEOUT=${TEST_TIMEOUT:-150}
STAGE_TIMEOUT=${STAGE_TIMEOUT:-40}
# The bench runs every SMYRF case twice (--tensor-cores both): 7 x 13 more calls of a few ms, and
# the warm-up of the second kernel; dense and the input sets still take most of its time.
BENCH_TIMEOUT=${BENCH_TIMEOUT:-120}
STEP_TIMEOUT=${STEP_TIMEOUT:-30}
SDPA_TIMEOUT=${SDPA_TIMEOUT:-60}
read -r -a TEST_SELECT <<< "${TEST_SELECT:---select-package org.smyrf4j.cuda}"
read -r -a TEST_JVM_FLAGS <<< "${TEST_JVM_FLAGS:-}"
read -r -a STAGE_BENCH_ARGS <<< "${STAGE_BENCH_ARGS:-}"
# The sweep of issue 5 on the GPU; SDPA on the same shapes (rows = batch x heads).
read -r -a BENCH_ARGS <<< "${BENCH_ARGS:---batch 16 --dim 64 --hashes 4 --cluster 128 --lengths 1k,2k,4k,8k,16k,32k,64k --warmup 3 --repeats 10 --dense-budget 25}"
read -r -a SDPA_ARGS <<< "${SDPA_ARGS:---rows 16 --dim 64 --lengths 1024,2048,4096,8192,16384,32768,65536}"

# The native driver (src/test/cpp/kernel_driver.cpp built with nvcc on the machine) checks the
# kernels without Java: it stands in when no JVM starts here, and otherwise uses the time left
# before TIME_BUDGET (seconds from the start) for its self-check and compute-sanitizer on the
# local window kernel. NATIVE=0 turns it off (the stand-in driver rehearsal does).
NATIVE=${NATIVE:-1}
TIME_BUDGET=${TIME_BUDGET:-420}
NATIVE_DIR="$REPO/build/gpu-check-native"
NATIVE_BIN="$NATIVE_DIR/smyrf-gpu"

mkdir -p "$LOG_DIR"
LOG="$LOG_DIR/gpu-check.log"

section() { printf '\n===== %s =====\n' "$*"; }

# The first of the named CUDA tools on PATH or in the usual install folders.
cuda_tool() {
    command -v "$1" 2>/dev/null && return 0
    local dir
    for dir in /usr/local/cuda/bin /usr/local/cuda-*/bin /opt/cuda/bin; do
        [[ -x "$dir/$1" ]] && { echo "$dir/$1"; return 0; }
    done
    return 1
}

# Builds smyrf-gpu in the background while the Java steps run (about 30 s of one core).
NATIVE_BUILD_PID=""
start_native_build() {
    [[ "$NATIVE" == 0 ]] && return 0
    local nvcc arch
    if ! nvcc=$(cuda_tool nvcc); then
        echo "native driver: no nvcc here, so no native checks"
        return 0
    fi
    arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d ' .')
    [[ "$arch" =~ ^[0-9]+$ ]] || arch=90
    mkdir -p "$NATIVE_DIR"
    echo "native driver: building $NATIVE_BIN for sm_$arch with $nvcc in the background"
    ( "$nvcc" -x cu -arch="sm_$arch" -O2 -Isrc/main/cuda -Isrc/test/cpp -o "$NATIVE_BIN" \
        src/test/cpp/kernel_driver.cpp src/main/cuda/*.cu >"$LOG_DIR/native-build.log" 2>&1 ) &
    NATIVE_BUILD_PID=$!
}

seconds_left() { echo $(( started + TIME_BUDGET - $(date +%s) )); }

# One native step under a time limit of at most $1 seconds, and only if that much time is left
# (minus a margin for the summary).
native_step() {
    local cap=$1; shift
    local left=$(( $(seconds_left) - 10 ))
    if (( left < 20 )); then
        echo "skipped, out of time: $*"
        return 0
    fi
    (( cap > left )) && cap=$left
    echo "--- $* (limit ${cap} s)"
    local step_start=$(date +%s)
    timeout -k 5 "$cap" "$@"
    local rc=$?
    echo "exit status: $rc ($(( $(date +%s) - step_start )) s)"
    return $rc
}

# The kernels through the native driver, most telling first, each while time is left: every
# shape of the self-check against the serial reference (the tensor-core, extension and window
# kernels included), the per-stage timings (`--bench`: issue 5's largest shape, the tensor-core
# rounds beside the CUDA-core ones), then compute-sanitizer: racecheck on the tensor-core kernel
# (warps share its tiles), synccheck on the local window kernel (its threads reach barriers after
# -inf logits, which only the hardware can judge), racecheck on it, memcheck on both.
native_checks() {
    section "native driver (kernel_driver.cpp through nvcc: the kernels without Java)"
    if [[ -z "$NATIVE_BUILD_PID" ]]; then
        echo "skipped: not built (NATIVE=$NATIVE)"
        return 0
    fi
    if ! wait "$NATIVE_BUILD_PID" || [[ ! -x "$NATIVE_BIN" ]]; then
        echo "the build failed:"
        tail -20 "$LOG_DIR/native-build.log"
        return 1
    fi
    native_step 90 "$NATIVE_BIN" --self-check --more
    native_rc=$?
    native_step 60 "$NATIVE_BIN" --bench | tee "$LOG_DIR/native-bench.txt"
    local sanitizer
    if ! sanitizer=$(cuda_tool compute-sanitizer); then
        echo "no compute-sanitizer here"
        return "$native_rc"
    fi
    native_step 60 "$sanitizer" --tool racecheck --error-exitcode 3 "$NATIVE_BIN" --self-check --only tensor
    native_step 60 "$sanitizer" --tool synccheck --error-exitcode 3 "$NATIVE_BIN" --self-check --only window
    native_step 60 "$sanitizer" --tool racecheck --error-exitcode 3 "$NATIVE_BIN" --self-check --only window
    native_step 60 "$sanitizer" --tool memcheck --error-exitcode 3 "$NATIVE_BIN" --self-check --only tensor
    native_step 60 "$sanitizer" --tool memcheck --error-exitcode 3 "$NATIVE_BIN" --self-check --only window
    return "$native_rc"
}

# The whole run; its output goes to the terminal and to $LOG.
check() {
    started=$(date +%s)

    # The bundled JRE was linked on the build machine (it needs glibc 2.34 or newer): try it
    # first, and say why when it cannot start here.
    if [[ -x "$BUNDLE/jre/bin/java" ]] && "$BUNDLE/jre/bin/java" -version >/dev/null 2>&1; then
        JAVA="$BUNDLE/jre/bin/java"
    elif command -v java >/dev/null; then
        JAVA=java
        if [[ -x "$BUNDLE/jre/bin/java" ]]; then
            echo "warning: the bundled JRE does not start here: $("$BUNDLE/jre/bin/java" -version 2>&1 | head -2)"
        else
            echo "warning: no bundled JRE at $BUNDLE/jre (make bundle)"
        fi
        echo "warning: using $(command -v java)"
    elif [[ -x "$BUNDLE/jre/bin/java" ]]; then
        echo "error: the bundled JRE does not start here and no java is on PATH:"
        "$BUNDLE/jre/bin/java" -version 2>&1 | head -5
        ldd --version 2>&1 | head -1
        nvidia-smi 2>/dev/null
        start_native_build
        native_checks
        return 2
    else
        echo "error: no bundled JRE at $BUNDLE/jre and no java on PATH: run make bundle first"
        ldd --version 2>&1 | head -1
        nvidia-smi 2>/dev/null
        start_native_build
        native_checks
        return 2
    fi
    start_native_build
    JAR="$BUNDLE/smyrf4j.jar"
    [[ -f "$JAR" ]] || JAR="$REPO/target/smyrf4j.jar"
    # JCuda writes its JNI libraries to java.io.tmpdir and loads them from there: a folder of
    # ours, in case /tmp is mounted noexec on the machine.
    NATIVE_TMP="$REPO/build/gpu-check-tmp"
    mkdir -p "$NATIVE_TMP"
    JVM_FLAGS=(--add-modules=jdk.incubator.vector -Djava.io.tmpdir="$NATIVE_TMP")

    section "machine"
    date -u +"%Y-%m-%dT%H:%M:%SZ"
    uname -a
    ldd --version 2>&1 | head -1
    if command -v nvidia-smi >/dev/null; then
        nvidia-smi
        nvidia-smi --query-gpu=name,driver_version,compute_cap,memory.total,clocks.max.sm --format=csv
    else
        echo "nvidia-smi: not found"
    fi
    echo "--- ldconfig -p | grep -E 'libcuda|libcublas'"
    ldconfig -p 2>/dev/null | grep -E 'libcuda|libcublas' || echo "(no libcuda / libcublas in the linker cache)"
    echo "--- which java: $(command -v java || echo 'none on PATH (the bundle brings its own)')"
    echo "--- bundled java: $JAVA"
    "$JAVA" -version 2>&1
    echo "--- jar: $JAR ($(du -h "$JAR" 2>/dev/null | cut -f1))"
    if command -v unzip >/dev/null; then
        echo "--- kernel pack in the jar:"
        unzip -l "$JAR" 'org/smyrf4j/kernels/*' | tail -n +4 | head -40
    fi

    section "libcublas.so.12 for JCublas 12.6.0"
    # A CUDA 13 machine may ship libcublas.so.13 only; PyTorch's pip wheels carry their own cuBLAS.
    # Where the linker does not know libcublas.so.12 but such a copy exists, the rest of the run
    # uses it (LD_LIBRARY_PATH), so the layer's cuBLAS path is tested too; without one the layer
    # falls back to the kernel pack's GEMM and the cuBLAS tests skip with the reason.
    if ldconfig -p 2>/dev/null | grep -q 'libcublas\.so\.12 '; then
        echo "libcublas.so.12: in the linker cache"
    else
        echo "libcublas.so.12: not in the linker cache"
        cublas_dir=""
        if command -v python3 >/dev/null; then
            while read -r site; do
                [[ -d "$site" ]] || continue
                found=$(timeout 20 find "$site" -name 'libcublas.so.12*' -print -quit 2>/dev/null)
                if [[ -n "$found" ]]; then cublas_dir=$(dirname "$found"); break; fi
            done < <(python3 -c 'import site; print("\n".join(site.getsitepackages()))' 2>/dev/null)
        fi
        if [[ -n "$cublas_dir" ]]; then
            echo "using the copy in $cublas_dir: $(ls "$cublas_dir" | tr '\n' ' ')"
            export LD_LIBRARY_PATH="$cublas_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
        else
            echo "no copy found among python3's site-packages: the layer will use the kernel pack's GEMM"
        fi
    fi

    section "smyrf4j info"
    timeout "$STEP_TIMEOUT" "$JAVA" "${JVM_FLAGS[@]}" -jar "$JAR" info
    info_rc=$?
    echo "info exit status: $info_rc"

    section "CUDA probe"
    timeout "$STEP_TIMEOUT" "$JAVA" "${JVM_FLAGS[@]}" -cp "$JAR" org.smyrf4j.cuda.CudaProbe
    probe_rc=$?

    section "gpu tests (JUnit, tag gpu, package org.smyrf4j.cuda)"
    CONSOLE="$BUNDLE/lib/junit-platform-console-standalone.jar"
    TEST_CLASSES="$BUNDLE/test-classes"
    [[ -d "$TEST_CLASSES" ]] || TEST_CLASSES="$REPO/target/test-classes"
    DATA_ROOT="$BUNDLE"
    [[ -d "$DATA_ROOT/test-data/golden" ]] || DATA_ROOT="$REPO"
    if [[ -f "$CONSOLE" ]]; then
        test_start=$(date +%s)
        # SIGQUIT first: the JVM prints every thread's stack (the bundled JRE has no jstack), then
        # the kill 15 s later. testfeed prints each test as it ends, so a timeout keeps them.
        # Classes by name: CudaBertTest, CudaEngineTest and CudaLayerTest (short) before
        # CudaParityTest (the longest), so that a timeout there leaves the others' results.
        timeout -s QUIT -k 15 "$TEST_TIMEOUT" "$JAVA" "${JVM_FLAGS[@]}" ${TEST_JVM_FLAGS[@]+"${TEST_JVM_FLAGS[@]}"} -Dsmyrf4j.repo="$DATA_ROOT" \
            -jar "$CONSOLE" execute \
            --disable-banner --disable-ansi-colors --details=testfeed --class-path "$JAR:$TEST_CLASSES" \
            '--config=junit.jupiter.testclass.order.default=org.junit.jupiter.api.ClassOrderer$ClassName' \
            "${TEST_SELECT[@]}" --include-tag gpu \
            --reports-dir "$LOG_DIR/junit"
        tests_rc=$?
        echo "gpu tests exit status: $tests_rc ($(( $(date +%s) - test_start )) s)"
        [[ $tests_rc -eq 124 || $tests_rc -eq 137 || $tests_rc -eq 131 ]] \
            && echo "gpu tests timed out after $TEST_TIMEOUT s (thread dump above)"
    else
        echo "no JUnit console launcher at $CONSOLE: run make bundle"
        tests_rc=2
    fi

    section "quick timings (CudaBenchmark: SMYRF and dense on device tensors)"
    if [[ -n "${SKIP_BENCH:-}" || -z "${QUICK_TIMINGS:-}" ]]; then
        echo "skipped (set QUICK_TIMINGS=1 to run; the sweep below times the same cases)"
        stage_rc=0
    else
        timeout "$STAGE_TIMEOUT" "$JAVA" "${JVM_FLAGS[@]}" -cp "$JAR" org.smyrf4j.cuda.CudaBenchmark \
            ${STAGE_BENCH_ARGS[@]+"${STAGE_BENCH_ARGS[@]}"} | tee "$LOG_DIR/stages.txt"
        stage_rc=${PIPESTATUS[0]}
        echo "quick timings exit status: $stage_rc"
    fi

    section "bench --backend cuda --tensor-cores both (issue 5's sweep: 16 rows, d = 64, 4 rounds, clusters of 128; SMYRF on CUDA cores and on tensor cores, mode smyrf-tc)"
    if [[ -n "${SKIP_BENCH:-}" ]]; then
        echo "skipped (SKIP_BENCH set)"
        bench_rc=0
    else
        timeout "$BENCH_TIMEOUT" "$JAVA" "${JVM_FLAGS[@]}" -jar "$JAR" bench --backend cuda --tensor-cores both \
            "${BENCH_ARGS[@]}" \
            --csv "$LOG_DIR/bench-cuda.csv" | tee "$LOG_DIR/bench.txt"
        bench_rc=${PIPESTATUS[0]}
        echo "bench exit status: $bench_rc"
    fi

    section "PyTorch SDPA baseline (scripts/sdpa_bench.py), same shapes"
    if [[ -n "${SKIP_BENCH:-}" ]]; then
        echo "skipped (SKIP_BENCH set)"
    elif python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
        timeout "$SDPA_TIMEOUT" python3 "$REPO/scripts/sdpa_bench.py" "${SDPA_ARGS[@]}" --csv "$LOG_DIR/sdpa.csv"
        echo "sdpa exit status: $?"
    else
        echo "skipped: no python3 with a CUDA-enabled torch here"
    fi

    section "one table: SMYRF, dense, SDPA, ratios, memory floor (scripts/gpu_table.py)"
    if [[ -s "$LOG_DIR/bench-cuda.csv" && -s "$LOG_DIR/sdpa.csv" ]]; then
        python3 "$REPO/scripts/gpu_table.py" "$LOG_DIR/bench-cuda.csv" "$LOG_DIR/sdpa.csv" | tee "$LOG_DIR/gpu-table.md"
    else
        echo "skipped: needs both $LOG_DIR/bench-cuda.csv and $LOG_DIR/sdpa.csv"
    fi

    native_rc=skipped
    native_checks

    section "summary"
    echo "info=$info_rc probe=$probe_rc tests=$tests_rc stages=$stage_rc bench=$bench_rc native=$native_rc, $(( $(date +%s) - started )) s"
    echo "logs: $LOG_DIR"
    return "$tests_rc"
}

check 2>&1 | tee "$LOG"
exit "${PIPESTATUS[0]}"
