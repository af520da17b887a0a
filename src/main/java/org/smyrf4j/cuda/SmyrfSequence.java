package org.smyrf4j.cuda;

/**
 * The launch sequence of one SMYRF call (docs/kernels.md): norms, hashes and sort keys,
 * sorts, orders, cluster attention, combine. Buffers are the caller's; nothing is allocated.
 * With SPEC Extensions ({@link ExtensionBuffers}) the keys sort with the mask that leaves the
 * global keys last, the union softmax first turns the orders into cluster ids, and the cluster
 * attention runs the extension kernel; with a local window ({@link SmyrfSizes#window()}) its
 * round follows the hash rounds and the combine mixes H + 1 rounds. Without any of them the
 * sequence is exactly the plain one. With tensor cores ({@link TensorCores}) the plain hash rounds
 * run on {@code smyrf_cluster_attention_tc}; everything else is the same.
 */
final class SmyrfSequence {

    /**
     * The device buffers of one call.
     *
     * @param q, k, v       inputs (B, Nq, d), (B, Nk, d), (B, Nk, dv)
     * @param keyValid      (B, Nk) uint8, or null for no mask
     * @param projections   A, (d+2, H)
     * @param queryHashes   (H, B, Nq) or null; keyHashes (H, B, Nk) or null (traced calls only)
     * @param roundOut      (R, B, Nq, dv) and roundLse (R, B, Nq), R = {@link SmyrfSizes#rounds()}
     * @param out           (B, Nq, dv), the result
     */
    record Buffers(DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, DeviceBuffer keyValid, DeviceBuffer projections,
            DeviceBuffer maxSqQ, DeviceBuffer maxSqK, DeviceBuffer queryKeys, DeviceBuffer keyKeys,
            DeviceBuffer queryHashes, DeviceBuffer keyHashes, DeviceBuffer queryOrder, DeviceBuffer keyOrder,
            DeviceBuffer roundOut, DeviceBuffer roundLse, DeviceBuffer out) {
    }

    /**
     * The device buffers of SPEC Extensions (docs/kernels.md, "SPEC Extensions").
     *
     * @param keySortValid  (B, Nk) uint8, valid and not global; null without global keys (the
     *                      keys then sort with keyValid)
     * @param globalKeys    (B, G) int, -1 padded, or null; globalCount G (0 without global keys)
     * @param queryClusters (H, B, Nq) int, keyClusters (H, B, Nk) int: the union softmax's
     *                      cluster ids, or both null when it is off
     */
    record ExtensionBuffers(DeviceBuffer keySortValid, DeviceBuffer globalKeys, int globalCount,
            DeviceBuffer queryClusters, DeviceBuffer keyClusters) {

        boolean union() {
            return queryClusters != null;
        }

        /**
         * The slots of one call: global keys and the sort mask when {@code globalCount > 0}
         * (the caller uploads their contents), cluster ids when {@code union}.
         */
        static ExtensionBuffers of(SmyrfSizes s, BufferSource source, int globalCount, boolean union) {
            boolean global = globalCount > 0;
            return new ExtensionBuffers(
                    global ? source.get(Workspace.Slot.KEY_SORT_VALID, (long) s.batch() * s.keyLen()) : null,
                    global ? source.get(Workspace.Slot.GLOBAL_KEYS, 4L * s.batch() * globalCount) : null,
                    globalCount,
                    union ? source.get(Workspace.Slot.QUERY_CLUSTERS, 4L * s.segments() * s.queryLen()) : null,
                    union ? source.get(Workspace.Slot.KEY_CLUSTERS, 4L * s.segments() * s.keyLen()) : null);
        }
    }

    /** Where the sequence's intermediate buffers come from: the engine's workspace, or a test's fakes. */
    interface BufferSource {
        DeviceBuffer get(Workspace.Slot slot, long bytes);
    }

    /**
     * The buffers of one call: the caller's inputs and output, every intermediate from
     * {@code source}, sized from {@code s}.
     *
     * @param withHashes whether to keep the hashes (traced calls); else null pointers
     */
    static Buffers buffers(SmyrfSizes s, BufferSource source, DeviceBuffer q, DeviceBuffer k, DeviceBuffer v,
            DeviceBuffer keyValid, DeviceBuffer out, boolean withHashes) {
        return new Buffers(q, k, v, keyValid,
                source.get(Workspace.Slot.PROJECTIONS, 4L * s.projectionCount()),
                source.get(Workspace.Slot.MAX_SQ_Q, 4L * s.batch()),
                source.get(Workspace.Slot.MAX_SQ_K, 4L * s.batch()),
                source.get(Workspace.Slot.QUERY_KEYS, 8L * s.queryKeyCount()),
                source.get(Workspace.Slot.KEY_KEYS, 8L * s.keyKeyCount()),
                withHashes ? source.get(Workspace.Slot.QUERY_HASHES, 4L * s.segments() * s.queryLen()) : null,
                withHashes ? source.get(Workspace.Slot.KEY_HASHES, 4L * s.segments() * s.keyLen()) : null,
                source.get(Workspace.Slot.QUERY_ORDER, 4L * s.queryOrderCount()),
                source.get(Workspace.Slot.KEY_ORDER, 4L * s.keyOrderCount()),
                source.get(Workspace.Slot.ROUND_OUT, 4L * s.roundOutCount()),
                source.get(Workspace.Slot.ROUND_LSE, 4L * s.roundLseCount()),
                out);
    }

    private final HashKernels hash;
    private final SortKernels sort;
    private final AttentionKernels attention;
    private final CombineKernels combine;

    SmyrfSequence(KernelLauncher launcher) {
        this.hash = new HashKernels(launcher);
        this.sort = new SortKernels(launcher);
        this.attention = new AttentionKernels(launcher);
        this.combine = new CombineKernels(launcher);
    }

    /** Queues the whole plain sequence on the launcher's stream. */
    void run(SmyrfSizes s, Buffers b, float scale) {
        run(s, b, null, scale, false);
    }

    /** {@link #run(SmyrfSizes, Buffers, ExtensionBuffers, float, boolean)} on CUDA cores only. */
    void run(SmyrfSizes s, Buffers b, ExtensionBuffers ext, float scale) {
        run(s, b, ext, scale, false);
    }

    /**
     * Queues the whole sequence, with SPEC Extensions when {@code ext} is not null, and the
     * local window's round when {@code s.window() > 0}.
     *
     * @param tensorCores run the plain hash rounds (no global keys, no union softmax) on the
     *                    tensor-core kernel; the caller has checked that its shared memory fits.
     *                    The extension kernels and the window's round are the same either way.
     */
    void run(SmyrfSizes s, Buffers b, ExtensionBuffers ext, float scale, boolean tensorCores) {
        // Global keys sort last with the masked keys; queries keep keyValid (self-attention padding).
        DeviceBuffer keySortValid = ext != null && ext.keySortValid() != null ? ext.keySortValid() : b.keyValid();
        // SPEC step 1: max squared norms of each batch row.
        hash.maxSquaredNorms(b.q(), s.batch(), s.queryLen(), s.dim(), b.maxSqQ());
        hash.maxSquaredNorms(b.k(), s.batch(), s.keyLen(), s.dim(), b.maxSqK());
        // Steps 2-3 and the keys of step 4.
        hash.hashQueries(s, b.q(), b.maxSqQ(), b.maxSqK(), b.projections(), b.keyValid(), b.queryHashes(),
                b.queryKeys());
        hash.hashKeys(s, b.k(), b.maxSqQ(), b.maxSqK(), b.projections(), keySortValid, b.keyHashes(), b.keyKeys());
        // Step 4: sort every (round, row) segment, keep the first N' indices.
        sort.sort(b.queryKeys(), s.querySegment(), s.segments());
        sort.sort(b.keyKeys(), s.keySegment(), s.segments());
        sort.extractOrder(b.queryKeys(), s.querySegment(), s.paddedQueryLen(), s.segments(), b.queryOrder());
        sort.extractOrder(b.keyKeys(), s.keySegment(), s.paddedKeyLen(), s.segments(), b.keyOrder());
        // Steps 5-6: attention inside each cluster; step 7: combine the rounds.
        if (ext != null && ext.union()) {
            sort.clusterIds(b.queryOrder(), s.segments(), s.queryLen(), s.paddedQueryLen(), s.queryClusterSize(),
                    ext.queryClusters());
            sort.clusterIds(b.keyOrder(), s.segments(), s.keyLen(), s.paddedKeyLen(), s.keyClusterSize(),
                    ext.keyClusters());
            attention.unionAttention(s, b.q(), b.k(), b.v(), keySortValid, b.queryOrder(), b.keyOrder(),
                    ext.globalKeys(), ext.globalCount(), ext.queryClusters(), ext.keyClusters(), scale, b.roundOut(),
                    b.roundLse());
        } else if (ext != null && ext.globalCount() > 0) {
            attention.globalAttention(s, b.q(), b.k(), b.v(), keySortValid, b.queryOrder(), b.keyOrder(),
                    ext.globalKeys(), ext.globalCount(), scale, b.roundOut(), b.roundLse());
        } else if (tensorCores) {
            attention.clusterAttentionTensorCores(s, b.q(), b.k(), b.v(), b.keyValid(), b.queryOrder(),
                    b.keyOrder(), scale, b.roundOut(), b.roundLse());
        } else {
            attention.clusterAttention(s, b.q(), b.k(), b.v(), b.keyValid(), b.queryOrder(), b.keyOrder(), scale,
                    b.roundOut(), b.roundLse());
        }
        if (s.window() > 0) {
            // Round slot H; global keys are never in the window, so it takes the sort mask too.
            boolean union = ext != null && ext.union();
            attention.windowAttention(s, b.q(), b.k(), b.v(), keySortValid, union ? ext.queryClusters() : null,
                    union ? ext.keyClusters() : null, scale, b.roundOut(), b.roundLse());
        }
        combine.combine(b.roundOut(), b.roundLse(), s.rounds(), s.batch() * s.queryLen(), s.valueDim(), b.out());
    }
}
