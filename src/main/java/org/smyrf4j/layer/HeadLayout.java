package org.smyrf4j.layer;

/**
 * Moves between the model layout (B, N, dmodel), dmodel = h * dh with head hh in columns
 * [hh*dh, (hh+1)*dh), and the attention layout (B*h, N, dh), batch row b*h + hh: the
 * {@code view(B, N, h, dh).transpose(1, 2)} of PyTorch's multi-head attention.
 */
final class HeadLayout {

    private HeadLayout() {
    }

    /** (B, N, h*dh) -> (B*h, N, dh). */
    static float[] split(float[] a, int batch, int len, int heads, int headDim) {
        float[] out = new float[a.length];
        int modelDim = heads * headDim;
        for (int b = 0; b < batch; b++) {
            for (int n = 0; n < len; n++) {
                int from = (b * len + n) * modelDim;
                for (int hh = 0; hh < heads; hh++) {
                    System.arraycopy(a, from + hh * headDim, out, ((b * heads + hh) * len + n) * headDim, headDim);
                }
            }
        }
        return out;
    }

    /** (B*h, N, dh) -> (B, N, h*dh); the inverse of {@link #split}. */
    static float[] merge(float[] a, int batch, int len, int heads, int headDim) {
        float[] out = new float[a.length];
        int modelDim = heads * headDim;
        for (int b = 0; b < batch; b++) {
            for (int n = 0; n < len; n++) {
                int to = (b * len + n) * modelDim;
                for (int hh = 0; hh < heads; hh++) {
                    System.arraycopy(a, ((b * heads + hh) * len + n) * headDim, out, to + hh * headDim, headDim);
                }
            }
        }
        return out;
    }

    /** A key mask (B, M) repeated for every head: (B*h, M), row b*h + hh = row b. */
    static boolean[] repeatPerHead(boolean[] mask, int batch, int heads, int keyLen) {
        boolean[] out = new boolean[batch * heads * keyLen];
        for (int b = 0; b < batch; b++) {
            for (int hh = 0; hh < heads; hh++) {
                System.arraycopy(mask, b * keyLen, out, (b * heads + hh) * keyLen, keyLen);
            }
        }
        return out;
    }
}
