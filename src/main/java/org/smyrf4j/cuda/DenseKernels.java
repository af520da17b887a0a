package org.smyrf4j.cuda;

import static org.smyrf4j.cuda.KernelGeometry.DENSE_QUERY_TILE;
import static org.smyrf4j.cuda.KernelGeometry.DENSE_THREADS;
import static org.smyrf4j.cuda.KernelGeometry.ceilDiv;

import java.util.List;
import org.smyrf4j.AttentionShape;

/**
 * Launcher of dense.cu: exact {@code softmax(s * Q K^T + mask) V} with an online softmax and no
 * Nq x Nk buffer. Grid (ceil(Nq/DENSE_QUERY_TILE), B) x DENSE_THREADS, one query per thread;
 * dynamic shared memory {@link KernelGeometry#clusterSharedBytes}(DENSE_THREADS, d).
 */
final class DenseKernels {

    static final String FAMILY = "dense";
    static final EntryPoint DENSE_ATTENTION = new EntryPoint(FAMILY, "smyrf_dense_attention", DENSE_THREADS);
    static final List<EntryPoint> ENTRY_POINTS = List.of(DENSE_ATTENTION);

    private final KernelLauncher launcher;

    DenseKernels(KernelLauncher launcher) {
        this.launcher = launcher;
    }

    /**
     * @param q        (B, Nq, d); k (B, Nk, d); v (B, Nk, dv)
     * @param keyValid (B, Nk) uint8 or null
     * @param out      (B, Nq, dv) written; 0 for a query with no valid key
     */
    void attention(AttentionShape shape, DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, DeviceBuffer keyValid,
            float scale, DeviceBuffer out) {
        if (shape.batch() > KernelLaunch.MAX_GRID_YZ) {
            throw new IllegalArgumentException("batch must be <= " + KernelLaunch.MAX_GRID_YZ
                    + " on the GPU (grid dimension y), got " + shape.batch());
        }
        launcher.launch(KernelLaunch.of(DENSE_ATTENTION).grid(ceilDiv(shape.queryLen(), DENSE_QUERY_TILE), shape.batch(), 1)
                .shared(KernelGeometry.clusterSharedBytes(DENSE_THREADS, shape.dim()))
                .in("q", q).in("k", k).in("v", v).in("keyValid", keyValid)
                .i("B", shape.batch()).i("Nq", shape.queryLen()).i("Nk", shape.keyLen())
                .i("d", shape.dim()).i("dv", shape.valueDim()).f("scale", scale)
                .out("out", out)
                .build());
    }
}
