package org.smyrf4j.cpu;

import java.util.Arrays;

/**
 * {@link BlockAttention} in plain Java: the fallback where the module jdk.incubator.vector is
 * absent, and the readable statement of the order of operations the vector kernel keeps.
 *
 * <p>The innermost loops run over consecutive queries (logits, softmax) or value columns
 * (P x V) with one statement each, the shape C2's auto-vectorizer handles, so this kernel is
 * vectorised too once compiled; the exponential stays scalar.
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
        final int d = s.dim;
        final int width = s.width;
        final float[] qt = s.queriesT;
        final float[] tile = s.tile;
        final float scale = s.scale;
        for (int j = 0; j < tileKeys; j++) {
            final int kb = keyRows[from + j] * d;
            final int row = j * width;
            Arrays.fill(tile, row, row + width, 0f);
            for (int c = 0; c < d; c++) {
                final float kc = k[kb + c];
                final int qo = c * width;
                for (int i = 0; i < width; i++) {
                    tile[row + i] = Math.fma(qt[qo + i], kc, tile[row + i]);
                }
            }
            for (int i = 0; i < width; i++) {
                tile[row + i] = tile[row + i] * scale;
            }
        }
    }

    @Override
    void softmaxTile(BlockScratch s, int tileKeys) {
        final int width = s.width;
        final float[] tile = s.tile;
        final float[] max = s.max;
        final float[] sum = s.sum;
        final float[] alpha = s.alpha;
        // alpha holds the tile maximum until it is replaced by exp(old - new).
        System.arraycopy(tile, 0, alpha, 0, width);
        for (int j = 1; j < tileKeys; j++) {
            final int row = j * width;
            for (int i = 0; i < width; i++) {
                alpha[i] = Math.max(alpha[i], tile[row + i]);
            }
        }
        for (int i = 0; i < width; i++) {
            float newMax = Math.max(max[i], alpha[i]);
            float a = FastExp.exp(max[i] - newMax);
            max[i] = newMax;
            alpha[i] = a;
            sum[i] = sum[i] * a;
        }
        for (int j = 0; j < tileKeys; j++) {
            final int row = j * width;
            for (int i = 0; i < width; i++) {
                float p = FastExp.exp(tile[row + i] - max[i]);
                tile[row + i] = p;
                sum[i] = sum[i] + p;
            }
        }
    }

    @Override
    void normalize(BlockScratch s) {
        final int dv = s.valueDim;
        final float[] acc = s.acc;
        for (int i = 0; i < s.count; i++) {
            final float total = s.sum[i];
            for (int c = i * dv, end = c + dv; c < end; c++) {
                acc[c] = acc[c] / total;
            }
        }
    }

    @Override
    void accumulate(BlockScratch s, float[] v, int[] keyRows, int from, int tileKeys) {
        final int dv = s.valueDim;
        final int width = s.width;
        final float[] tile = s.tile;
        final float[] acc = s.acc;
        for (int i = 0; i < s.count; i++) {
            final int ob = i * dv;
            for (int j = 0; j < tileKeys; j++) {
                final float p = tile[j * width + i];
                final int vb = keyRows[from + j] * dv;
                for (int c = 0; c < dv; c++) {
                    acc[ob + c] = Math.fma(p, v[vb + c], acc[ob + c]);
                }
            }
        }
    }
}
