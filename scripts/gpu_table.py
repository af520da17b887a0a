#!/usr/bin/env python3
"""One table of a GPU run: smyrf4j's SMYRF and dense against PyTorch's SDPA, with the ratios.

Joins the CSV of `smyrf4j bench --backend cuda --csv BENCH.csv` with the CSV of
`scripts/sdpa_bench.py --csv SDPA.csv` from the same run, on (length, dim) and the number of
attention rows (bench's batch = SDPA's batch x heads), and prints a Markdown table:

  length | SMYRF ms | dense ms | SDPA fp32 ms | SDPA bf16 ms | bf16/SMYRF | dense/SMYRF | floor ms | x floor

One row per SMYRF configuration (hashes, cluster). Where the bench ran with --tensor-cores on or
both (rows of mode smyrf-tc: the tensor-core cluster attention), four more columns follow:

  SMYRF-TC ms | bf16/SMYRF-TC | SMYRF/SMYRF-TC | TC x floor

The floor is SMYRF's least memory traffic
at the device-to-device copy bandwidth SDPA's script measured in the same run; the formula is
MemoryFloor's (src/main/java/org/smyrf4j/cli/MemoryFloor.java), float32 throughout:

  bytes = 4 * (H*B*N*(2d + dv)  +  2*H*B*N*(dv + 1)  +  B*N*dv)

usage: gpu_table.py BENCH.csv SDPA.csv
"""
import csv
import sys


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def floor_bytes(batch, length, dim, value_dim, hashes):
    tokens = batch * length
    gathers = hashes * tokens * (2 * dim + value_dim)
    rounds = 2 * hashes * tokens * (value_dim + 1)
    output = tokens * value_dim
    return 4 * (gathers + rounds + output)


def fmt(x, digits=3):
    return "-" if x is None else f"{x:.{digits}f}"


def ratio(a, b):
    return None if a is None or b is None or b <= 0 else a / b


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    bench = read_rows(argv[1])
    sdpa = read_rows(argv[2])
    # SDPA rows by (rows, length, dim) and dtype; the copy bandwidth is the same on every row.
    sdpa_ms = {(int(r["batch"]), int(r["length"]), int(r["dim"]), r["mode"]): float(r["median_ms"]) for r in sdpa}
    copy_gbs = float(sdpa[0]["copy_gbs"]) if sdpa else None
    dense_ms = {(int(r["batch"]), int(r["length"]), int(r["dim"])): float(r["median_ms"])
                for r in bench if r["mode"] == "dense"}
    # SMYRF rows by (rows, length, dim, hashes, cluster), on CUDA cores ("smyrf") and on tensor cores
    # ("smyrf-tc"); one table row per configuration, in the bench's order.
    smyrf_ms, tc_ms, configs = {}, {}, []
    for r in bench:
        if r["mode"] not in ("smyrf", "smyrf-tc"):
            continue
        key = (int(r["batch"]), int(r["length"]), int(r["dim"]), int(r["hashes"]), int(r["cluster"]))
        (tc_ms if r["mode"] == "smyrf-tc" else smyrf_ms)[key] = float(r["median_ms"])
        if key not in configs:
            configs.append(key)
    with_tc = bool(tc_ms)
    header = ("| rows | length | H | C | SMYRF ms | dense ms | SDPA fp32 ms | SDPA bf16 ms | bf16/SMYRF | fp32/SMYRF"
              " | dense/SMYRF | floor ms | x floor |")
    rule = "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    if with_tc:
        header += " SMYRF-TC ms | bf16/SMYRF-TC | SMYRF/SMYRF-TC | TC x floor |"
        rule += "---:|---:|---:|---:|"
    print(header)
    print(rule)
    for key in configs:
        rows, length, dim, hashes, cluster = key
        smyrf = smyrf_ms.get(key)
        dense = dense_ms.get((rows, length, dim))
        fp32 = sdpa_ms.get((rows, length, dim, "float32"))
        bf16 = sdpa_ms.get((rows, length, dim, "bfloat16"))
        floor = None
        if copy_gbs:
            floor = floor_bytes(rows, length, dim, dim, hashes) / (copy_gbs * 1e9) * 1e3
        line = (f"| {rows} | {length} | {hashes} | {cluster} | {fmt(smyrf)} | {fmt(dense)} | {fmt(fp32)} | {fmt(bf16)}"
                f" | {fmt(ratio(bf16, smyrf), 2)} | {fmt(ratio(fp32, smyrf), 2)} | {fmt(ratio(dense, smyrf), 2)}"
                f" | {fmt(floor)} | {fmt(ratio(smyrf, floor), 1)} |")
        if with_tc:
            tc = tc_ms.get(key)
            line += (f" {fmt(tc)} | {fmt(ratio(bf16, tc), 2)} | {fmt(ratio(smyrf, tc), 2)}"
                     f" | {fmt(ratio(tc, floor), 1)} |")
        print(line)
    if copy_gbs:
        print(f"\nfloor at the device-to-device copy bandwidth of this run: {copy_gbs:.0f} GB/s (read + write)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
