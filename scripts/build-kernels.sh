#!/usr/bin/env bash
# Builds the kernel pack (docs/kernels.md, "Manifest"). Called by `make kernels`, one family at a
# time, then once to join the manifest:
#
#   scripts/build-kernels.sh family <name> <cuda-dir> <pack-dir> <part.tsv>
#       nvcc -cubin for sm_80/86/89/90 and -ptx for compute_80 of <cuda-dir>/<name>.cu into
#       <pack-dir>/<name>.<target>.cubin and <pack-dir>/<name>.ptx; ptxas's resource report
#       (-Xptxas -v) becomes the family's manifest lines in <part.tsv>. Fails when any function
#       spills or when an entry point of the PTX has no report for some target.
#   scripts/build-kernels.sh manifest <manifest.tsv> <part.tsv>...
#       joins the parts under the comment header.
#
# Environment: NVCC (default nvcc), NVCC_FLAGS (extra flags, appended).
set -euo pipefail

NVCC=${NVCC:-nvcc}
CUBIN_TARGETS=(sm_80 sm_86 sm_89 sm_90)
PTX_TARGET=compute_80
# -O3 for host and device; C++17 for the lambdas of attention_tile.cuh. No fast math: expf and
# logf stay accurate, and the hashing intrinsics are exact either way.
BASE_FLAGS=(-O3 -std=c++17 -Xptxas -v ${NVCC_FLAGS:-})

die() {
    echo "build-kernels: $*" >&2
    exit 1
}

# Turns ptxas -v output (stdin) into "entry<TAB>registers<TAB>shared<TAB>stores<TAB>loads<TAB>stack"
# lines for entry functions; prints "SPILL <function> <stores> <loads>" for any function that spills.
parse_report() {
    awk '
        /Compiling entry function/ {
            match($0, /entry function .[A-Za-z0-9_$]+./); entry = substr($0, RSTART + 16, RLENGTH - 17)
            order[++n] = entry
        }
        /Function properties for/ { fn = $NF }
        /bytes stack frame/ {
            # "    S bytes stack frame, T bytes spill stores, L bytes spill loads"
            stack[fn] = $1; stores[fn] = $5; loads[fn] = $9
            if ($5 + 0 > 0 || $9 + 0 > 0) print "SPILL " fn ": " $5 " bytes spill stores, " $9 " bytes spill loads"
        }
        /Used [0-9]+ registers/ {
            match($0, /Used [0-9]+ registers/); regs[entry] = substr($0, RSTART + 5, RLENGTH - 15)
            smem[entry] = 0
            if (match($0, /[0-9]+ bytes smem/)) smem[entry] = substr($0, RSTART, RLENGTH - 11)
        }
        END {
            for (i = 1; i <= n; i++) {
                e = order[i]
                if (!(e in regs) || !(e in stack)) { print "INCOMPLETE " e; continue }
                printf "%s\t%s\t%s\t%s\t%s\t%s\n", e, regs[e], smem[e], stores[e], loads[e], stack[e]
            }
        }'
}

build_family() {
    local name=$1 cuda_dir=$2 pack_dir=$3 part=$4
    local src=$cuda_dir/$name.cu
    [[ -f $src ]] || die "no source $src"
    mkdir -p "$pack_dir" "$(dirname "$part")"
    local work
    work=$(mktemp -d)
    trap 'rm -rf "$work"' RETURN

    # The five compiles of a family are independent: run them side by side.
    local pids=() target
    for target in "${CUBIN_TARGETS[@]}"; do
        "$NVCC" -cubin -arch="$target" "${BASE_FLAGS[@]}" -o "$pack_dir/$name.$target.cubin" "$src" \
            >"$work/$target.log" 2>&1 &
        pids+=($!)
    done
    "$NVCC" -ptx -arch="$PTX_TARGET" -O3 -std=c++17 ${NVCC_FLAGS:-} -o "$pack_dir/$name.ptx" "$src" \
        >"$work/ptx.log" 2>&1 &
    pids+=($!)
    local failed=0 pid
    for pid in "${pids[@]}"; do
        wait "$pid" || failed=1
    done
    if ((failed)); then
        cat "$work"/*.log >&2
        die "nvcc failed on $src"
    fi

    local entries
    entries=$(awk '/\.entry[ \t]+[A-Za-z0-9_$]+/ { match($0, /\.entry[ \t]+[A-Za-z0-9_$]+/); s = substr($0, RSTART + 6, RLENGTH - 6); gsub(/[ \t]/, "", s); print s }' \
        "$pack_dir/$name.ptx" | sort)
    [[ -n $entries ]] || die "$src defines no extern \"C\" __global__ entry point"

    : >"$work/part"
    local report spills
    for target in "${CUBIN_TARGETS[@]}"; do
        report=$(parse_report <"$work/$target.log")
        spills=$(grep -E '^(SPILL|INCOMPLETE) ' <<<"$report" || true)
        if [[ -n $spills ]]; then
            cat "$work/$target.log" >&2
            die "$name.cu on $target: $(tr '\n' ';' <<<"$spills") - a kernel of the pack must not spill (lower its register use or its unrolling)"
        fi
        if [[ $(cut -f1 <<<"$report" | sort) != "$entries" ]]; then
            cat "$work/$target.log" >&2
            die "$name.cu on $target: ptxas reported entries [$(cut -f1 <<<"$report" | tr '\n' ' ')] but the PTX has [$(tr '\n' ' ' <<<"$entries")]"
        fi
        awk -v fam="$name" -v tgt="$target" -v file="$name.$target.cubin" 'BEGIN { OFS = "\t" }
            { print fam, tgt, file, $1, $2, $3, $4, $5, $6 }' <<<"$report" | sort -k4,4 >>"$work/part"
    done
    local entry
    for entry in $entries; do
        printf '%s\t%s\t%s\t%s\t-\t-\t-\t-\t-\n' "$name" "$PTX_TARGET" "$name.ptx" "$entry" >>"$work/part"
    done
    mv "$work/part" "$part"
    echo "kernel pack: $name ($(wc -w <<<"$entries") entry points, ${CUBIN_TARGETS[*]} + $PTX_TARGET)"
}

join_manifest() {
    local manifest=$1
    shift
    local version
    version=$("$NVCC" --version | sed -n 's/.*release \([0-9.]*\), \(V[0-9.]*\).*/\1 (\2)/p')
    {
        echo "# nvcc ${version:-unknown}"
        echo "# built $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        printf '# family\ttarget\tfile\tentry\tregisters\tshared_bytes\tspill_stores\tspill_loads\tstack_bytes\n'
        cat "$@"
    } >"$manifest.tmp"
    mv "$manifest.tmp" "$manifest"
    echo "kernel pack: $manifest ($(grep -vc '^#' "$manifest") lines)"
}

command -v "$NVCC" >/dev/null || die "nvcc not found: install the CUDA toolkit (13.x) to build the kernel pack"
case ${1:-} in
family) shift; (($# == 4)) || die "usage: $0 family <name> <cuda-dir> <pack-dir> <part.tsv>"; build_family "$@" ;;
manifest) shift; (($# >= 2)) || die "usage: $0 manifest <manifest.tsv> <part.tsv>..."; join_manifest "$@" ;;
*) die "usage: $0 family ... | manifest ..." ;;
esac
