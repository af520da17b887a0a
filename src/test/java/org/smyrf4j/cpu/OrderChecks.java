package org.smyrf4j.cpu;

import static org.junit.jupiter.api.Assertions.fail;

/** Checks that orders from a trace follow SPEC step 4 and docs/kernels.md. */
final class OrderChecks {

    /** Validity of token i of batch row b. */
    interface Validity {
        boolean valid(int b, int i);
    }

    private OrderChecks() {
    }

    /**
     * Each (round, row) segment of {@code order} (H, B, padded) is a permutation of [0, padded):
     * valid tokens by hash ascending then index, then invalid tokens by index, then the
     * placeholders len..padded-1 in order.
     */
    static void assertSortedOrders(int[] order, float[] hashes, int rounds, int batch, int len, int padded,
            Validity validity, String what) {
        for (int r = 0; r < rounds; r++) {
            for (int b = 0; b < batch; b++) {
                int base = (r * batch + b) * padded;
                boolean[] seen = new boolean[padded];
                int previous = -1;
                for (int p = 0; p < padded; p++) {
                    int index = order[base + p];
                    String where = what + " round " + r + " row " + b + " position " + p;
                    if (index < 0 || index >= padded || seen[index]) {
                        fail(where + ": index " + index + " out of range or repeated");
                    }
                    seen[index] = true;
                    if (previous >= 0 && !inOrder(previous, index, hashes, (r * batch + b) * len, len, b, validity)) {
                        fail(where + ": index " + index + " sorted after " + previous);
                    }
                    previous = index;
                }
            }
        }
    }

    private static boolean inOrder(int a, int b, float[] hashes, int hashBase, int len, int row, Validity validity) {
        int classA = a >= len ? 2 : validity.valid(row, a) ? 0 : 1;
        int classB = b >= len ? 2 : validity.valid(row, b) ? 0 : 1;
        if (classA != classB) {
            return classA < classB;
        }
        if (classA == 0) {
            float ha = hashes[hashBase + a];
            float hb = hashes[hashBase + b];
            if (ha != hb) {
                return ha < hb;
            }
        }
        return a < b;
    }
}
