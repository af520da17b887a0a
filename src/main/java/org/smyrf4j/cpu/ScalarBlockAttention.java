package org.smyrf4j.cpu;

/**
 * {@link BlockAttention} in plain Java: the fallback where the module jdk.incubator.vector is
 * absent, and the readable statement of the order of operations the vector kernel keeps.
 */
final class ScalarBlockAttention extends BlockAttention {

    @Override
    int lanes() {
        return 1;
    }

    @Override
    String name() {
        return "scalar";
    }

    @Override
    void logits(BlockScratch s, float[] k, int[] keyRows, int from, int tileKeys) {
        int d = s.dim;
        int width = s.width;
        float[] qt = s.queriesT;
        float[] tile = s.tile;
        for (int j = 0; j < tileKeys; j++) {
            int kb = keyRows[from + j] * d;
            for (int i = 0; i < width; i++) {
                float dot = 0f;
                for (int c = 0; c < d; c++) {
                    dot = Math.fma(qt[c * width + i], k[kb + c], dot);
                }
                tile[j * width + i] = dot * s.scale;
            }
        }
    }

    @Override
    void softmaxTile(BlockScratch s, int tileKeys) {
        int width = s.width;
        float[] tile = s.tile;
        for (int i = 0; i < width; i++) {
            float tileMax = tile[i];
            for (int j = 1; j < tileKeys; j++) {
                tileMax = Math.max(tileMax, tile[j * width + i]);
            }
            float oldMax = s.max[i];
            float newMax = Math.max(oldMax, tileMax);
            float alpha = FastExp.exp(oldMax - newMax);
            float total = s.sum[i] * alpha;
            for (int j = 0; j < tileKeys; j++) {
                float p = FastExp.exp(tile[j * width + i] - newMax);
                tile[j * width + i] = p;
                total = total + p;
            }
            s.max[i] = newMax;
            s.alpha[i] = alpha;
            s.sum[i] = total;
        }
    }

    @Override
    void accumulate(BlockScratch s, float[] v, int[] keyRows, int from, int tileKeys) {
        int dv = s.valueDim;
        int width = s.width;
        float[] tile = s.tile;
        float[] acc = s.acc;
        for (int i = 0; i < s.count; i++) {
            int ob = i * dv;
            for (int j = 0; j < tileKeys; j++) {
                float p = tile[j * width + i];
                int vb = keyRows[from + j] * dv;
                for (int c = 0; c < dv; c++) {
                    acc[ob + c] = Math.fma(p, v[vb + c], acc[ob + c]);
                }
            }
        }
    }
}
