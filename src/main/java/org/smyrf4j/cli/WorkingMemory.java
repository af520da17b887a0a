package org.smyrf4j.cli;

import org.smyrf4j.AttentionShape;
import org.smyrf4j.ClusterPlan;

/**
 * Estimates of attention's working memory in bytes, beyond Q, K, V and the output: what grows
 * with the sequence and decides whether a long sequence fits. Float32 and int32 are 4 bytes.
 */
final class WorkingMemory {

    private static final long FOUR_BYTES = 4;

    private WorkingMemory() {
    }

    /**
     * SMYRF, O(H N (C + dv)): per round and batch row, the cluster score tiles Nq' x Ck, the
     * round outputs Nq x dv and log-sum-exps Nq, and the hashes and sort orders of queries and
     * keys, 2 (Nq' + Nk').
     */
    static long smyrf(AttentionShape s, int hashes, ClusterPlan plan) {
        long perRound = (long) plan.paddedQueryLen() * plan.keyClusterSize()
                + (long) s.queryLen() * (s.valueDim() + 1)
                + 2L * (plan.paddedQueryLen() + plan.paddedKeyLen());
        return FOUR_BYTES * hashes * s.batch() * perRound;
    }

    /** Dense, O(N^2): the B x Nq x Nk score matrix a plain implementation would hold. */
    static long dense(AttentionShape s) {
        return FOUR_BYTES * s.batch() * s.queryLen() * (long) s.keyLen();
    }

    /** Bytes in binary units: 512 B, 4.2 MiB, 1.0 GiB. */
    static String text(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format(java.util.Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
