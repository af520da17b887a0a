package org.smyrf4j.cuda;

import static org.smyrf4j.cuda.KernelGeometry.EXTRACT_THREADS;
import static org.smyrf4j.cuda.KernelGeometry.SORT_LOCAL;
import static org.smyrf4j.cuda.KernelGeometry.SORT_THREADS;
import static org.smyrf4j.cuda.KernelGeometry.ceilDiv;

import java.util.List;

/**
 * Launchers of sort.cu: a bitonic sort of uint64 keys in independent power-of-two segments
 * (one per round and batch row), then the order extraction (SPEC step 4).
 *
 * <p>Launch sequence (docs/kernels.md): {@code smyrf_sort_local} sorts every chunk of
 * {@code min(segLen, SORT_LOCAL)} keys in shared memory with the directions of the full
 * network; then for each stage {@code k = 2*SORT_LOCAL .. segLen} (doubling),
 * {@code smyrf_sort_global_step} for each distance {@code j = k/2 .. SORT_LOCAL} (halving),
 * then {@code smyrf_sort_local_merge(k)} for the distances below SORT_LOCAL. Segments of at
 * most SORT_LOCAL keys need the first launch only.
 */
final class SortKernels {

    static final String FAMILY = "sort";
    static final EntryPoint SORT_LOCAL_ENTRY = new EntryPoint(FAMILY, "smyrf_sort_local", SORT_THREADS);
    static final EntryPoint SORT_GLOBAL_STEP = new EntryPoint(FAMILY, "smyrf_sort_global_step", SORT_THREADS);
    static final EntryPoint SORT_LOCAL_MERGE = new EntryPoint(FAMILY, "smyrf_sort_local_merge", SORT_THREADS);
    static final EntryPoint EXTRACT_ORDER = new EntryPoint(FAMILY, "smyrf_extract_order", EXTRACT_THREADS);
    static final EntryPoint CLUSTER_IDS = new EntryPoint(FAMILY, "smyrf_cluster_ids", EXTRACT_THREADS);
    static final List<EntryPoint> ENTRY_POINTS = List.of(SORT_LOCAL_ENTRY, SORT_GLOBAL_STEP, SORT_LOCAL_MERGE,
            EXTRACT_ORDER, CLUSTER_IDS);

    private final KernelLauncher launcher;

    SortKernels(KernelLauncher launcher) {
        this.launcher = launcher;
    }

    /**
     * Sorts each of {@code segments} consecutive segments of {@code segLen} keys ascending, in place.
     *
     * @param keys   (segments, segLen) uint64, modified
     * @param segLen a power of two
     */
    void sort(DeviceBuffer keys, int segLen, int segments) {
        if (segLen < 1 || Integer.bitCount(segLen) != 1) {
            throw new IllegalArgumentException("segLen must be a power of two, got " + segLen);
        }
        long total = (long) segLen * segments;
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("segLen x segments = " + total + " exceeds 2^31-1 keys");
        }
        int chunk = Math.min(segLen, SORT_LOCAL);
        launcher.launch(KernelLaunch.of(SORT_LOCAL_ENTRY).grid(ceilDiv(total, chunk))
                .inOut("keys", keys).i("segLen", segLen)
                .build());
        for (int k = 2 * SORT_LOCAL; k <= segLen; k *= 2) {
            for (int j = k / 2; j >= SORT_LOCAL; j /= 2) {
                // One thread per compare-exchange pair: total/2 pairs.
                launcher.launch(KernelLaunch.of(SORT_GLOBAL_STEP).grid(ceilDiv(total / 2, SORT_THREADS))
                        .inOut("keys", keys).i("segLen", segLen).i("k", k).i("j", j).i("total", (int) total)
                        .build());
            }
            launcher.launch(KernelLaunch.of(SORT_LOCAL_MERGE).grid(ceilDiv(total, SORT_LOCAL))
                    .inOut("keys", keys).i("segLen", segLen).i("k", k)
                    .build());
        }
    }

    /**
     * {@code order[s, i] = low 32 bits of keys[s, i]} for the first {@code paddedLen} keys of
     * each segment: the original indices in sorted order.
     *
     * @param keys  (segments, segLen) uint64, sorted
     * @param order (segments, paddedLen) int, written
     */
    void extractOrder(DeviceBuffer keys, int segLen, int paddedLen, int segments, DeviceBuffer order) {
        launcher.launch(KernelLaunch.of(EXTRACT_ORDER).grid(ceilDiv((long) segments * paddedLen, EXTRACT_THREADS))
                .in("keys", keys).i("segLen", segLen).i("paddedLen", paddedLen).i("segments", segments)
                .out("order", order)
                .build());
    }

    /**
     * Each token's cluster in every segment (SPEC Extensions, union softmax):
     * {@code ids[s, order[s, p]] = p / clusterSize} for the real tokens ({@code order[s, p] < len}).
     *
     * @param order (segments, paddedLen) int, from {@link #extractOrder}
     * @param ids   (segments, len) int, written for every real token
     */
    void clusterIds(DeviceBuffer order, int segments, int len, int paddedLen, int clusterSize, DeviceBuffer ids) {
        launcher.launch(KernelLaunch.of(CLUSTER_IDS).grid(ceilDiv((long) segments * paddedLen, EXTRACT_THREADS))
                .in("order", order).i("segments", segments).i("len", len).i("paddedLen", paddedLen)
                .i("clusterSize", clusterSize)
                .out("ids", ids)
                .build());
    }
}
