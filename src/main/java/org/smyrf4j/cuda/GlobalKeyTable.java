package org.smyrf4j.cuda;

import java.util.Arrays;

/**
 * SPEC Extensions, global keys, resolved on the host into what the extension kernels take
 * (docs/kernels.md): {@code table} (B, G) int, each row's global keys ascending and padded
 * with -1, G the most any row has; and {@code keySortValid} (B, Nk) uint8, 1 where a key is
 * valid and not global: the mask the keys sort with (global keys sort last with the masked
 * ones) and that leaves a global key out of the cluster where it lands.
 *
 * <p>The rules are the CPU engine's: a position p >= 0 is key p; p < 0 counts back from the
 * row's last valid key ({@code last + 1 + p}, so -1 is that key); positions that resolve to the
 * same key count once; a position on a masked key names nothing; a row without a valid key has
 * no global keys. A position outside a row's keys is refused with the CPU engine's message.
 *
 * @param globalCount G, 0 when no row has a global key (then the plain kernels apply)
 */
record GlobalKeyTable(int batch, int keyLen, int globalCount, int[] table, byte[] keySortValid) {

    /**
     * @param positions the configured positions (AttentionConfig.globalKeys)
     * @param keyValid  (B, Nk) 1 = valid, or null when every key is valid
     * @throws IllegalArgumentException when a position falls outside a row's keys
     */
    static GlobalKeyTable resolve(int[] positions, byte[] keyValid, int batch, int keyLen) {
        int[][] rows = new int[batch][];
        int most = 0;
        byte[] sortValid = new byte[batch * keyLen];
        for (int b = 0; b < batch; b++) {
            int last = -1;
            for (int j = keyLen - 1; j >= 0 && last < 0; j--) {
                if (valid(keyValid, b * keyLen + j)) {
                    last = j;
                }
            }
            int[] keys = new int[positions.length];
            int count = 0;
            if (last >= 0) {
                for (int p : positions) {
                    int j = p >= 0 ? p : last + 1 + p;
                    if (j < 0 || j >= keyLen) {
                        throw new IllegalArgumentException("globalKeys position " + p + " resolves to key " + j
                                + " in batch row " + b + ", outside [0, " + keyLen + ") (last valid key " + last + ")");
                    }
                    if (valid(keyValid, b * keyLen + j) && !contains(keys, count, j)) {
                        keys[count++] = j;
                    }
                }
            }
            rows[b] = Arrays.copyOf(keys, count);
            Arrays.sort(rows[b]);
            most = Math.max(most, count);
            for (int j = 0; j < keyLen; j++) {
                sortValid[b * keyLen + j] = valid(keyValid, b * keyLen + j) ? (byte) 1 : (byte) 0;
            }
            for (int j : rows[b]) {
                sortValid[b * keyLen + j] = 0;
            }
        }
        int[] table = new int[batch * most];
        Arrays.fill(table, -1);
        for (int b = 0; b < batch; b++) {
            System.arraycopy(rows[b], 0, table, b * most, rows[b].length);
        }
        return new GlobalKeyTable(batch, keyLen, most, table, sortValid);
    }

    private static boolean valid(byte[] keyValid, int at) {
        return keyValid == null || keyValid[at] != 0;
    }

    private static boolean contains(int[] keys, int count, int j) {
        for (int i = 0; i < count; i++) {
            if (keys[i] == j) {
                return true;
            }
        }
        return false;
    }
}
