package org.smyrf4j.cpu;

import java.util.SplittableRandom;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;

/** Seeded random test inputs: uniform values in [-1, 1) and optional random masks. */
final class RandomInputs {

    private RandomInputs() {
    }

    static float[] uniform(SplittableRandom random, int n, float amplitude) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((random.nextDouble() * 2 - 1) * amplitude);
        }
        return a;
    }

    /** Inputs without a mask. */
    static AttentionInputs of(long seed, int batch, int nq, int nk, int d, int dv) {
        return of(seed, new AttentionShape(batch, nq, nk, d, dv), 0.0);
    }

    /**
     * Inputs with each key masked with probability {@code maskedFraction} (no mask at all when
     * it is 0). Some rows may end up without any valid key, which the engines must handle.
     */
    static AttentionInputs of(long seed, AttentionShape shape, double maskedFraction) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] q = uniform(random, shape.queryElements(), 1f);
        float[] k = uniform(random, shape.keyElements(), 1f);
        float[] v = uniform(random, shape.valueElements(), 1f);
        boolean[] mask = null;
        if (maskedFraction > 0) {
            mask = new boolean[shape.maskElements()];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = random.nextDouble() >= maskedFraction;
            }
        }
        return AttentionInputs.of(shape, q, k, v, mask);
    }
}
