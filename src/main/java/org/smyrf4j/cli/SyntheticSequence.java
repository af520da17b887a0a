package org.smyrf4j.cli;

import org.apache.commons.math3.random.RandomGenerator;
import org.apache.commons.math3.random.Well19937c;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;

/**
 * A long sequence with the structure attention finds in real models: tokens belong to topics,
 * and queries and keys of one topic point the same way, so each query's softmax mass sits on
 * a small set of keys (the case SMYRF is built for). Plain gaussian inputs would spread the
 * mass over all keys, where any sparse attention does poorly and no model lives.
 *
 * <p>Token i of batch row b has topic t(i), drawn per run of {@link #MEAN_RUN} tokens on
 * average (topics come in segments, like sentences). With c_t ~ N(0, I_d) and
 * u_t ~ N(0, I_dv): {@code q_i = c_t + NOISE * n}, {@code k_i = c_t + NOISE * n'},
 * {@code v_i = u_t + VALUE_NOISE * n''}, n ~ N(0, I). At scale 1/sqrt(d) a same-topic logit is
 * about sqrt(d) = 8 for d = 64, another topic's about N(0, 1). SMYRF's error against dense is
 * then mostly value noise averaged over a cluster's keys instead of the whole topic's.
 */
final class SyntheticSequence {

    /** Topics per batch row. */
    static final int TOPICS = 32;
    /** Average length of a run of tokens with one topic. */
    static final int MEAN_RUN = 64;
    /** Noise on queries and keys around their topic's direction. */
    static final double NOISE = 0.5;
    /** Noise on values around their topic's value. */
    static final double VALUE_NOISE = 0.5;

    private SyntheticSequence() {
    }

    /** Self-attention inputs (batch, tokens, dim) for Q and K and (batch, tokens, valueDim) for V. */
    static AttentionInputs generate(long seed, int batch, int tokens, int dim, int valueDim) {
        RandomGenerator random = new Well19937c(seed);
        AttentionShape shape = new AttentionShape(batch, tokens, tokens, dim, valueDim);
        float[] q = new float[shape.queryElements()];
        float[] k = new float[shape.keyElements()];
        float[] v = new float[shape.valueElements()];
        for (int b = 0; b < batch; b++) {
            double[][] directions = gaussian(random, TOPICS, dim);
            double[][] values = gaussian(random, TOPICS, valueDim);
            int topic = random.nextInt(TOPICS);
            for (int i = 0; i < tokens; i++) {
                if (random.nextInt(MEAN_RUN) == 0) {
                    topic = random.nextInt(TOPICS);
                }
                int qkRow = (b * tokens + i) * dim;
                for (int c = 0; c < dim; c++) {
                    q[qkRow + c] = (float) (directions[topic][c] + NOISE * random.nextGaussian());
                    k[qkRow + c] = (float) (directions[topic][c] + NOISE * random.nextGaussian());
                }
                int vRow = (b * tokens + i) * valueDim;
                for (int c = 0; c < valueDim; c++) {
                    v[vRow + c] = (float) (values[topic][c] + VALUE_NOISE * random.nextGaussian());
                }
            }
        }
        return AttentionInputs.of(shape, q, k, v);
    }

    private static double[][] gaussian(RandomGenerator random, int rows, int cols) {
        double[][] a = new double[rows][cols];
        for (double[] row : a) {
            for (int c = 0; c < cols; c++) {
                row[c] = random.nextGaussian();
            }
        }
        return a;
    }
}
