package org.smyrf4j.cuda;

import static org.smyrf4j.cuda.KernelGeometry.ATTN_THREADS;

import java.util.List;

/**
 * Launcher of attention.cu: SPEC step 6, dense softmax attention inside every cluster of every
 * round. Grid (L, B, H) x ATTN_THREADS: one block per (cluster, batch row, round), thread t owns
 * query t of a pass over the cluster's queries. Dynamic shared memory
 * {@link KernelGeometry#clusterSharedBytes}(ATTN_THREADS, d).
 */
final class AttentionKernels {

    static final String FAMILY = "attention";
    static final EntryPoint CLUSTER_ATTENTION = new EntryPoint(FAMILY, "smyrf_cluster_attention", ATTN_THREADS);
    static final List<EntryPoint> ENTRY_POINTS = List.of(CLUSTER_ATTENTION);

    private final KernelLauncher launcher;

    AttentionKernels(KernelLauncher launcher) {
        this.launcher = launcher;
    }

    /**
     * @param q        (B, Nq, d); k (B, Nk, d); v (B, Nk, dv)
     * @param keyValid (B, Nk) uint8 or null
     * @param qOrder   (H, B, Nq'); kOrder (H, B, Nk')
     * @param roundOut (H, B, Nq, dv) written at the queries' original positions
     * @param roundLse (H, B, Nq) written; -inf where a query's cluster has no valid key
     */
    void clusterAttention(SmyrfSizes s, DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, DeviceBuffer keyValid,
            DeviceBuffer qOrder, DeviceBuffer kOrder, float scale, DeviceBuffer roundOut, DeviceBuffer roundLse) {
        launcher.launch(KernelLaunch.of(CLUSTER_ATTENTION).grid(s.clusters(), s.batch(), s.hashes())
                .shared(KernelGeometry.clusterSharedBytes(ATTN_THREADS, s.dim()))
                .in("q", q).in("k", k).in("v", v).in("keyValid", keyValid).in("qOrder", qOrder).in("kOrder", kOrder)
                .i("B", s.batch()).i("H", s.hashes()).i("Nq", s.queryLen()).i("Nk", s.keyLen())
                .i("d", s.dim()).i("dv", s.valueDim())
                .i("Cq", s.queryClusterSize()).i("Ck", s.keyClusterSize()).i("L", s.clusters())
                .f("scale", scale)
                .out("roundOut", roundOut).out("roundLse", roundLse)
                .build());
    }
}
