package org.smyrf4j.cuda;

/**
 * The launch sequence of one SMYRF call (docs/kernels.md): norms, hashes and sort keys,
 * sorts, orders, cluster attention, combine. Buffers are the caller's; nothing is allocated.
 */
final class SmyrfSequence {

    /**
     * The device buffers of one call.
     *
     * @param q, k, v       inputs (B, Nq, d), (B, Nk, d), (B, Nk, dv)
     * @param keyValid      (B, Nk) uint8, or null for no mask
     * @param projections   A, (d+2, H)
     * @param queryHashes   (H, B, Nq) or null; keyHashes (H, B, Nk) or null (traced calls only)
     * @param out           (B, Nq, dv), the result
     */
    record Buffers(DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, DeviceBuffer keyValid, DeviceBuffer projections,
            DeviceBuffer maxSqQ, DeviceBuffer maxSqK, DeviceBuffer queryKeys, DeviceBuffer keyKeys,
            DeviceBuffer queryHashes, DeviceBuffer keyHashes, DeviceBuffer queryOrder, DeviceBuffer keyOrder,
            DeviceBuffer roundOut, DeviceBuffer roundLse, DeviceBuffer out) {
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

    /** Queues the whole sequence on the launcher's stream. */
    void run(SmyrfSizes s, Buffers b, float scale) {
        // SPEC step 1: max squared norms of each batch row.
        hash.maxSquaredNorms(b.q(), s.batch(), s.queryLen(), s.dim(), b.maxSqQ());
        hash.maxSquaredNorms(b.k(), s.batch(), s.keyLen(), s.dim(), b.maxSqK());
        // Steps 2-3 and the keys of step 4.
        hash.hashQueries(s, b.q(), b.maxSqQ(), b.maxSqK(), b.projections(), b.keyValid(), b.queryHashes(),
                b.queryKeys());
        hash.hashKeys(s, b.k(), b.maxSqQ(), b.maxSqK(), b.projections(), b.keyValid(), b.keyHashes(), b.keyKeys());
        // Step 4: sort every (round, row) segment, keep the first N' indices.
        sort.sort(b.queryKeys(), s.querySegment(), s.segments());
        sort.sort(b.keyKeys(), s.keySegment(), s.segments());
        sort.extractOrder(b.queryKeys(), s.querySegment(), s.paddedQueryLen(), s.segments(), b.queryOrder());
        sort.extractOrder(b.keyKeys(), s.keySegment(), s.paddedKeyLen(), s.segments(), b.keyOrder());
        // Steps 5-6: attention inside each cluster; step 7: combine the rounds.
        attention.clusterAttention(s, b.q(), b.k(), b.v(), b.keyValid(), b.queryOrder(), b.keyOrder(), scale,
                b.roundOut(), b.roundLse());
        combine.combine(b.roundOut(), b.roundLse(), s.hashes(), s.batch() * s.queryLen(), s.valueDim(), b.out());
    }
}
