package org.smyrf4j.cuda;

import static org.smyrf4j.cuda.KernelGeometry.HASH_THREADS;
import static org.smyrf4j.cuda.KernelGeometry.NORM_TOKENS;
import static org.smyrf4j.cuda.KernelGeometry.ceilDiv;

import java.util.List;

/**
 * Launchers of hash.cu: SPEC steps 1-3 and the sort keys of step 4 (docs/kernels.md, "Exact
 * hashing" and "Sort keys").
 * <ul>
 *   <li>{@code smyrf_max_sq_norms}: grid (ceil(len/NORM_TOKENS), rows) x HASH_THREADS,
 *       {@code maxSq[b] = max_i |x[b,i,:]|^2}, each block folding its tokens' maximum into a
 *       cleared {@code maxSq} with an atomic max (so a long row spreads over many SMs);</li>
 *   <li>{@code smyrf_hash_queries} / {@code smyrf_hash_keys}: grid (ceil(S/HASH_THREADS), B) x
 *       HASH_THREADS, one thread per (position in the segment, batch row) for every round, so each
 *       row is read once; keys (H, B, S), hashes (H, B, N) or a null pointer.</li>
 * </ul>
 */
final class HashKernels {

    static final String FAMILY = "hash";
    static final EntryPoint MAX_SQ_NORMS = new EntryPoint(FAMILY, "smyrf_max_sq_norms", HASH_THREADS);
    static final EntryPoint HASH_QUERIES = new EntryPoint(FAMILY, "smyrf_hash_queries", HASH_THREADS);
    static final EntryPoint HASH_KEYS = new EntryPoint(FAMILY, "smyrf_hash_keys", HASH_THREADS);
    static final List<EntryPoint> ENTRY_POINTS = List.of(MAX_SQ_NORMS, HASH_QUERIES, HASH_KEYS);

    private final KernelLauncher launcher;

    HashKernels(KernelLauncher launcher) {
        this.launcher = launcher;
    }

    /**
     * {@code maxSq[b] = max_i n2(x[b, i, :])} for every batch row.
     *
     * @param x     (rows, len, dim), not modified
     * @param maxSq (rows), cleared here, then written
     */
    void maxSquaredNorms(DeviceBuffer x, int rows, int len, int dim, DeviceBuffer maxSq) {
        launcher.clear(maxSq, rows, "maxSq");
        // In-out: the kernel folds into the zeros, so checked mode must not poison them.
        launcher.launch(KernelLaunch.of(MAX_SQ_NORMS).grid(ceilDiv(len, NORM_TOKENS), rows, 1)
                .in("x", x).i("rows", rows).i("len", len).i("dim", dim).inOut("maxSq", maxSq)
                .build());
    }

    /**
     * Query hashes and sort keys of every round.
     *
     * @param q        (B, Nq, d)
     * @param keyValid (B, Nk) uint8 or null; with Nq == Nk it also marks invalid queries
     * @param hashes   (H, B, Nq) written, or null when not wanted
     * @param keys     (H, B, Sq) uint64, written
     */
    void hashQueries(SmyrfSizes s, DeviceBuffer q, DeviceBuffer mq2, DeviceBuffer mk2, DeviceBuffer projections,
            DeviceBuffer keyValid, DeviceBuffer hashes, DeviceBuffer keys) {
        launcher.launch(hashLaunch(HASH_QUERIES, "q", s, q, mq2, mk2, projections, keyValid,
                s.paddedQueryLen(), s.querySegment(), hashes, keys));
    }

    /**
     * Key hashes and sort keys of every round (the extension value sits in row d of A).
     *
     * @param k      (B, Nk, d)
     * @param hashes (H, B, Nk) written, or null when not wanted
     * @param keys   (H, B, Sk) uint64, written
     */
    void hashKeys(SmyrfSizes s, DeviceBuffer k, DeviceBuffer mq2, DeviceBuffer mk2, DeviceBuffer projections,
            DeviceBuffer keyValid, DeviceBuffer hashes, DeviceBuffer keys) {
        launcher.launch(hashLaunch(HASH_KEYS, "k", s, k, mq2, mk2, projections, keyValid,
                s.paddedKeyLen(), s.keySegment(), hashes, keys));
    }

    private static KernelLaunch hashLaunch(EntryPoint entry, String xName, SmyrfSizes s, DeviceBuffer x,
            DeviceBuffer mq2, DeviceBuffer mk2, DeviceBuffer projections, DeviceBuffer keyValid,
            int paddedLen, int segLen, DeviceBuffer hashes, DeviceBuffer keys) {
        return KernelLaunch.of(entry).grid(ceilDiv(segLen, HASH_THREADS), s.batch(), 1)
                .in(xName, x).in("mq2", mq2).in("mk2", mk2).in("A", projections).in("keyValid", keyValid)
                .i("B", s.batch()).i("Nq", s.queryLen()).i("Nk", s.keyLen()).i("d", s.dim()).i("H", s.hashes())
                .i("paddedLen", paddedLen).i("segLen", segLen)
                .out("hashes", hashes).out("keys", keys)
                .build();
    }
}
