package org.smyrf4j.cpu;

import java.util.Arrays;
import org.smyrf4j.AttentionInputs;

/**
 * SPEC Extensions, global keys: the configured positions resolved per batch row.
 *
 * <p>A position p >= 0 is key p; p < 0 counts back from the row's last valid key
 * ({@code last + 1 + p}, so -1 is that key). Positions that resolve to the same key count once;
 * a position that lands on a masked key names nothing (the key stays masked), and a row without
 * any valid key has no global keys. Global keys sort last with the masked keys (step 4), are
 * skipped in the cluster where they land and added to every cluster instead (step 6).
 */
final class GlobalKeys {

    private final int keyLen;
    /** (B, Nk): whether key j of row b is global. */
    private final boolean[] global;
    /** Per row, the global keys' indices, ascending. */
    private final int[][] perRow;

    private GlobalKeys(int keyLen, boolean[] global, int[][] perRow) {
        this.keyLen = keyLen;
        this.global = global;
        this.perRow = perRow;
    }

    /**
     * Resolves {@code positions} for every row of {@code inputs}.
     *
     * @throws IllegalArgumentException when a position falls outside a row's keys
     */
    static GlobalKeys resolve(int[] positions, AttentionInputs inputs) {
        int batch = inputs.shape().batch();
        int nk = inputs.shape().keyLen();
        boolean[] global = new boolean[batch * nk];
        int[][] perRow = new int[batch][];
        for (int b = 0; b < batch; b++) {
            int last = -1;
            for (int j = nk - 1; j >= 0; j--) {
                if (inputs.isKeyValid(b, j)) {
                    last = j;
                    break;
                }
            }
            int count = 0;
            int[] keys = new int[positions.length];
            if (last >= 0) {
                for (int p : positions) {
                    int j = p >= 0 ? p : last + 1 + p;
                    if (j < 0 || j >= nk) {
                        throw new IllegalArgumentException("globalKeys position " + p + " resolves to key " + j
                                + " in batch row " + b + ", outside [0, " + nk + ") (last valid key " + last + ")");
                    }
                    if (inputs.isKeyValid(b, j) && !global[b * nk + j]) {
                        global[b * nk + j] = true;
                        keys[count++] = j;
                    }
                }
            }
            perRow[b] = Arrays.copyOf(keys, count);
            Arrays.sort(perRow[b]);
        }
        return new GlobalKeys(nk, global, perRow);
    }

    /** No global key in any row (the extension is off). */
    static GlobalKeys none(int batch, int keyLen) {
        int[][] perRow = new int[batch][];
        Arrays.fill(perRow, new int[0]);
        return new GlobalKeys(keyLen, new boolean[batch * keyLen], perRow);
    }

    boolean isGlobal(int b, int j) {
        return global[b * keyLen + j];
    }

    /** The global keys of row b, ascending (not a copy: do not modify). */
    int[] ofRow(int b) {
        return perRow[b];
    }

    /** The largest number of global keys in any row. */
    int maxPerRow() {
        int max = 0;
        for (int[] keys : perRow) {
            max = Math.max(max, keys.length);
        }
        return max;
    }
}
