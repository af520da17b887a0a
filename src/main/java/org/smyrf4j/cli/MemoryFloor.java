package org.smyrf4j.cli;

/**
 * The least memory traffic SMYRF needs on a GPU, and the time it takes at a measured
 * bandwidth: a lower bound on a memory-bound implementation, against which a measured time
 * is reported as "x floor".
 *
 * <p>Bytes moved, all float32 (4 bytes), for B rows of N tokens, dims d and dv, H rounds:
 * <pre>
 *   gathers   H x B x N x (d + d + dv)   Q, K and V each read once per round, in cluster order
 *   rounds    2 x H x B x N x (dv + 1)   each round's o_h and lse written once, read once by the combine
 *   output    B x N x dv                 written once
 * </pre>
 * Hashing (reading Q and K once more), sort keys and orders are left out: they are small
 * beside these for d = 64, and a floor should not be above what a perfect kernel needs.
 */
final class MemoryFloor {

    private static final long FLOAT_BYTES = 4;

    private MemoryFloor() {
    }

    static long smyrfBytes(int batch, int length, int dim, int valueDim, int hashes) {
        long tokens = (long) batch * length;
        long gathers = (long) hashes * tokens * (2L * dim + valueDim);
        long rounds = 2L * hashes * tokens * (valueDim + 1);
        long output = tokens * valueDim;
        return FLOAT_BYTES * (gathers + rounds + output);
    }

    /** The floor's time in milliseconds at {@code bytesPerSecond}. */
    static double millis(long bytes, double bytesPerSecond) {
        if (!(bytesPerSecond > 0)) {
            throw new IllegalArgumentException("bytesPerSecond must be > 0, got " + bytesPerSecond);
        }
        return bytes / bytesPerSecond * 1e3;
    }
}
