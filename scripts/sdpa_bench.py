#!/usr/bin/env python3
"""PyTorch scaled_dot_product_attention timings: the baseline smyrf4j's GPU engine is compared with.

Runs on a CUDA machine with PyTorch (the device machine has it). Same shapes as the smyrf4j GPU
benchmark: batch x heads = 16 rows, d = dv = 64, float32 and bfloat16. Times with CUDA events
around each call after warm-up, rotating among several input sets so the L2 cache does not
flatter small cases, and reports the median. Also measures device-to-device copy bandwidth
(bytes read + written), the ceiling for the memory floor of each SMYRF row.

usage: sdpa_bench.py [--lengths 4096,16384,65536] [--rows 16] [--dim 64] [--csv FILE]
"""
import argparse
import statistics
import sys

import torch
import torch.nn.functional as F


def time_ms(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times), min(times), max(times)


def copy_bandwidth_gbs():
    n = 1 << 28  # 1 GiB of float32
    src = torch.randn(n, device="cuda")
    dst = torch.empty_like(src)
    med, _, _ = time_ms(lambda: dst.copy_(src), 3, 10)
    return 2 * n * 4 / (med * 1e-3) / 1e9


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lengths", default="4096,8192,16384,32768,65536")
    parser.add_argument("--rows", type=int, default=16, help="batch x heads")
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--csv", default=None)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("sdpa_bench: no CUDA device visible to PyTorch", file=sys.stderr)
        return 1
    torch.manual_seed(0)
    props = torch.cuda.get_device_properties(0)
    bw = copy_bandwidth_gbs()
    print(f"# device {props.name}, {props.multi_processor_count} SMs, torch {torch.__version__}, "
          f"d2d copy {bw:.0f} GB/s (read+write)")
    rows = []
    heads = args.rows
    # Rows go to the CSV as they are measured, so a run cut short by a time limit keeps them.
    csv_file = open(args.csv, "w") if args.csv else None
    if csv_file:
        csv_file.write("backend,mode,batch,length,dim,median_ms,min_ms,max_ms,tflops,copy_gbs\n")
        csv_file.flush()
    for n in [int(x) for x in args.lengths.split(",")]:
        for dtype in (torch.float32, torch.bfloat16):
            sets = [tuple(torch.randn(1, heads, n, args.dim, device="cuda", dtype=dtype) for _ in range(3))
                    for _ in range(3)]
            state = {"i": 0}

            def call():
                q, k, v = sets[state["i"] % len(sets)]
                state["i"] += 1
                return F.scaled_dot_product_attention(q, k, v)

            flops = 4.0 * heads * n * n * args.dim
            # Rough per-call cost decides the repeat count, so 64k fp32 stays within seconds.
            repeats = 20 if n <= 16384 else 5
            name = "float32" if dtype == torch.float32 else "bfloat16"
            try:
                med, lo, hi = time_ms(call, 2, repeats)
            except torch.cuda.OutOfMemoryError as e:
                # A backend without a memory-efficient kernel for this case falls back to N x N.
                print(f"sdpa {name:8s} rows={heads} N={n:6d}: out of memory ({str(e).splitlines()[0]})", flush=True)
                del sets
                torch.cuda.empty_cache()
                continue
            rows.append((name, n, med, lo, hi, flops / (med * 1e-3) / 1e12))
            print(f"sdpa {name:8s} rows={heads} N={n:6d} d={args.dim}: median {med:9.3f} ms "
                  f"(min {lo:.3f}, max {hi:.3f}), {rows[-1][5]:.1f} TFLOP/s", flush=True)
            if csv_file:
                csv_file.write(f"torch-sdpa,{name},{heads},{n},{args.dim},{med:.4f},{lo:.4f},{hi:.4f},"
                               f"{rows[-1][5]:.2f},{bw:.0f}\n")
                csv_file.flush()
            del sets
            torch.cuda.empty_cache()
    if csv_file:
        csv_file.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
