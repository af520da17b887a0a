package org.smyrf4j;

import org.apache.commons.math3.random.RandomGenerator;
import org.apache.commons.math3.random.Well19937c;

/** The random projections A of SPEC step 3, drawn reproducibly from a seed. */
public final class Projections {

    private Projections() {
    }

    /**
     * Standard normal values, {@code rows x hashes} row-major (A[r][h] at {@code r * hashes + h}),
     * from a Well19937c generator seeded with {@code seed}: the same seed gives the same
     * projections on every machine and engine.
     */
    public static float[] draw(long seed, int rows, int hashes) {
        RandomGenerator random = new Well19937c(seed);
        float[] a = new float[rows * hashes];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextGaussian();
        }
        return a;
    }
}
