package org.smyrf4j.cuda;

import static org.smyrf4j.cuda.KernelGeometry.ATTN_THREADS;
import static org.smyrf4j.cuda.KernelGeometry.TC_THREADS;
import static org.smyrf4j.cuda.KernelGeometry.ceilDiv;

import java.util.List;

/**
 * Launcher of attention.cu: SPEC step 6, dense softmax attention inside every cluster of every
 * round. Grid (L, B, H) x ATTN_THREADS: one block per (cluster, batch row, round), thread t owns
 * query t of a pass over the cluster's queries. Dynamic shared memory
 * {@link KernelGeometry#clusterSharedBytes}(ATTN_THREADS, d).
 *
 * <p>SPEC Extensions have kernels of their own, so the plain one stays as fast as it was:
 * {@code smyrf_cluster_attention_global} (every cluster also sees its row's global keys) and
 * {@code smyrf_cluster_attention_union} (logits minus log n_ij, global keys optional; plus
 * {@link KernelGeometry#unionSharedBytes}(ATTN_THREADS, H) of dynamic shared memory).
 *
 * <p>The local window (docs/kernels.md "Local window") is one more round after the hash rounds:
 * {@code smyrf_window_attention}, grid (ceil(Nq / ATTN_THREADS), B), block (x, b) owning queries
 * [x*T, x*T + T) of row b, writes round slot H.
 *
 * <p>The plain rounds have a second kernel, opt-in ({@link TensorCores}): {@code smyrf_cluster_attention_tc}
 * (attention_tc.cu), same parameters and outputs, QK^T and PV on TF32 tensor cores with the
 * 3xTF32 split; grid (L, B, H) x TC_THREADS, dynamic shared memory
 * {@link KernelGeometry#tensorCoreSharedBytes}(d, dv).
 */
final class AttentionKernels {

    static final String FAMILY = "attention";
    static final EntryPoint CLUSTER_ATTENTION = new EntryPoint(FAMILY, "smyrf_cluster_attention", ATTN_THREADS);
    static final EntryPoint GLOBAL_ATTENTION = new EntryPoint(FAMILY, "smyrf_cluster_attention_global", ATTN_THREADS);
    static final EntryPoint UNION_ATTENTION = new EntryPoint(FAMILY, "smyrf_cluster_attention_union", ATTN_THREADS);
    static final EntryPoint WINDOW_ATTENTION = new EntryPoint(FAMILY, "smyrf_window_attention", ATTN_THREADS);
    /** The tensor-core kernel of the plain rounds, a family of its own (attention_tc.cu). */
    static final String TC_FAMILY = "attention_tc";
    static final EntryPoint TC_ATTENTION = new EntryPoint(TC_FAMILY, "smyrf_cluster_attention_tc", TC_THREADS);
    static final List<EntryPoint> ENTRY_POINTS = List.of(CLUSTER_ATTENTION, GLOBAL_ATTENTION, UNION_ATTENTION,
            WINDOW_ATTENTION, TC_ATTENTION);

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
        launcher.launch(plainRounds(CLUSTER_ATTENTION, KernelGeometry.clusterSharedBytes(ATTN_THREADS, s.dim()), s, q,
                k, v, keyValid, qOrder, kOrder, scale, roundOut, roundLse));
    }

    /**
     * As {@link #clusterAttention}, on tensor cores: {@code smyrf_cluster_attention_tc}, same
     * arguments and outputs (3xTF32: float32 accuracy by design, about 1e-6 on the CPU emulation,
     * not yet measured on a GPU), grid (L, B, H) x TC_THREADS and
     * {@link KernelGeometry#tensorCoreSharedBytes}(d, dv) of dynamic shared memory (105,472 bytes
     * at d = dv = 64, over the 48 KiB default: the launcher raises the function's limit).
     */
    void clusterAttentionTensorCores(SmyrfSizes s, DeviceBuffer q, DeviceBuffer k, DeviceBuffer v,
            DeviceBuffer keyValid, DeviceBuffer qOrder, DeviceBuffer kOrder, float scale, DeviceBuffer roundOut,
            DeviceBuffer roundLse) {
        launcher.launch(plainRounds(TC_ATTENTION, KernelGeometry.tensorCoreSharedBytes(s.dim(), s.valueDim()), s, q,
                k, v, keyValid, qOrder, kOrder, scale, roundOut, roundLse));
    }

    /** The plain rounds' launch: both kernels take the same arguments over grid (L, B, H). */
    private static KernelLaunch plainRounds(EntryPoint entry, long sharedBytes, SmyrfSizes s, DeviceBuffer q,
            DeviceBuffer k, DeviceBuffer v, DeviceBuffer keyValid, DeviceBuffer qOrder, DeviceBuffer kOrder,
            float scale, DeviceBuffer roundOut, DeviceBuffer roundLse) {
        return KernelLaunch.of(entry).grid(s.clusters(), s.batch(), s.hashes())
                .shared(sharedBytes)
                .in("q", q).in("k", k).in("v", v).in("keyValid", keyValid).in("qOrder", qOrder).in("kOrder", kOrder)
                .i("B", s.batch()).i("H", s.hashes()).i("Nq", s.queryLen()).i("Nk", s.keyLen())
                .i("d", s.dim()).i("dv", s.valueDim())
                .i("Cq", s.queryClusterSize()).i("Ck", s.keyClusterSize()).i("L", s.clusters())
                .f("scale", scale)
                .out("roundOut", roundOut).out("roundLse", roundLse)
                .build();
    }

    /**
     * SPEC Extensions, global keys: as {@link #clusterAttention}, and every cluster of row b also
     * attends to row b's global keys.
     *
     * @param keySortValid (B, Nk) uint8: valid and not global (global keys are left out where they land)
     * @param globalKeys   (B, G) int, each row's global keys, -1 padded; G >= 1
     */
    void globalAttention(SmyrfSizes s, DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, DeviceBuffer keySortValid,
            DeviceBuffer qOrder, DeviceBuffer kOrder, DeviceBuffer globalKeys, int globalCount, float scale,
            DeviceBuffer roundOut, DeviceBuffer roundLse) {
        launcher.launch(KernelLaunch.of(GLOBAL_ATTENTION).grid(s.clusters(), s.batch(), s.hashes())
                .shared(KernelGeometry.clusterSharedBytes(ATTN_THREADS, s.dim()))
                .in("q", q).in("k", k).in("v", v).in("keyValid", keySortValid).in("qOrder", qOrder)
                .in("kOrder", kOrder).in("globalKeys", globalKeys)
                .i("B", s.batch()).i("H", s.hashes()).i("Nq", s.queryLen()).i("Nk", s.keyLen())
                .i("d", s.dim()).i("dv", s.valueDim())
                .i("Cq", s.queryClusterSize()).i("Ck", s.keyClusterSize()).i("L", s.clusters()).i("G", globalCount)
                .f("scale", scale)
                .out("roundOut", roundOut).out("roundLse", roundLse)
                .build());
    }

    /**
     * SPEC Extensions, union softmax across rounds (global keys optional): each logit minus
     * log n_ij, n_ij the rounds in which query i and key j share a cluster (H for a global key),
     * plus 1 for a cluster key within the local window {@code s.window()} of the query.
     *
     * @param keyValid   (B, Nk) uint8 or null: valid and not global, as the keys were sorted
     * @param globalKeys (B, G) int, or null with G = 0
     * @param qCluster   (H, B, Nq) int, from {@link SortKernels#clusterIds}; kCluster (H, B, Nk)
     */
    void unionAttention(SmyrfSizes s, DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, DeviceBuffer keyValid,
            DeviceBuffer qOrder, DeviceBuffer kOrder, DeviceBuffer globalKeys, int globalCount, DeviceBuffer qCluster,
            DeviceBuffer kCluster, float scale, DeviceBuffer roundOut, DeviceBuffer roundLse) {
        launcher.launch(KernelLaunch.of(UNION_ATTENTION).grid(s.clusters(), s.batch(), s.hashes())
                .shared(unionSharedBytes(s))
                .in("q", q).in("k", k).in("v", v).in("keyValid", keyValid).in("qOrder", qOrder)
                .in("kOrder", kOrder).in("globalKeys", globalKeys).in("qCluster", qCluster).in("kCluster", kCluster)
                .i("B", s.batch()).i("H", s.hashes()).i("Nq", s.queryLen()).i("Nk", s.keyLen())
                .i("d", s.dim()).i("dv", s.valueDim())
                .i("Cq", s.queryClusterSize()).i("Ck", s.keyClusterSize()).i("L", s.clusters()).i("G", globalCount)
                .i("window", s.window())
                .f("scale", scale)
                .out("roundOut", roundOut).out("roundLse", roundLse)
                .build());
    }

    /**
     * The local window's round (docs/kernels.md "Local window"): query i attends to the keys j
     * with {@code |i - j| <= s.window()} that keyValid admits; with the union softmax each
     * logit minus log(n_ij + 1). Writes round slot H; the hash rounds' slots are left as they
     * are (so roundOut and roundLse are in-out: checked mode must not poison them here).
     *
     * @param keyValid (B, Nk) uint8 or null: valid and not global (global keys are never in the window)
     * @param qCluster (H, B, Nq) int and kCluster (H, B, Nk) int for the union softmax, or both null
     * @param roundOut (H+1, B, Nq, dv), slot H written; roundLse (H+1, B, Nq), slot H written
     */
    void windowAttention(SmyrfSizes s, DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, DeviceBuffer keyValid,
            DeviceBuffer qCluster, DeviceBuffer kCluster, float scale, DeviceBuffer roundOut, DeviceBuffer roundLse) {
        if (s.window() <= 0) {
            throw new IllegalStateException("the window round needs a window > 0, got " + s.window());
        }
        launcher.launch(KernelLaunch.of(WINDOW_ATTENTION).grid(ceilDiv(s.queryLen(), ATTN_THREADS), s.batch(), 1)
                .shared(kCluster != null ? unionSharedBytes(s) : KernelGeometry.clusterSharedBytes(ATTN_THREADS, s.dim()))
                .in("q", q).in("k", k).in("v", v).in("keyValid", keyValid).in("qCluster", qCluster)
                .in("kCluster", kCluster)
                .i("B", s.batch()).i("H", s.hashes()).i("Nq", s.queryLen()).i("Nk", s.keyLen())
                .i("d", s.dim()).i("dv", s.valueDim()).i("window", s.window())
                .f("scale", scale)
                .inOut("roundOut", roundOut).inOut("roundLse", roundLse)
                .build());
    }

    /** Dynamic shared memory of a union-softmax block: the tile's bytes plus the cluster ids and log table. */
    static long unionSharedBytes(SmyrfSizes s) {
        return KernelGeometry.clusterSharedBytes(ATTN_THREADS, s.dim())
                + KernelGeometry.unionSharedBytes(ATTN_THREADS, s.hashes());
    }
}
