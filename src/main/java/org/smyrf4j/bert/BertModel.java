package org.smyrf4j.bert;

import java.util.Objects;
import java.util.function.IntFunction;
import org.smyrf4j.AttentionBackend;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.layer.Gemm;
import org.smyrf4j.layer.LayerInputs;
import org.smyrf4j.layer.MultiHeadAttention;

/**
 * A BERT encoder and masked-LM head on a {@link Gemm} and any attention backend, inference only
 * (no dropout). With x (B, N, hidden), ids and token types (B, N), valid (B, N) or null:
 * <pre>
 *   x = LayerNorm(word[id] + position[n] + type[t])                      eps 1e-12
 *   per layer l:  a = MultiHeadAttention(x, keyValid), attention config(l)
 *                 x = LayerNorm(a + x);  x = LayerNorm(W2 gelu(W1 x + b1) + b2 + x)
 *   MLM:          h = LayerNorm(gelu(Wt x + bt));  logits = h E^T + bias   (E: word embeddings)
 * </pre>
 * GELU is the erf form of the original BERT: {@code x/2 (1 + erf(x/sqrt 2))}.
 * Thread-safe when the Gemm and backend are.
 */
public final class BertModel implements AutoCloseable {

    /** BERT's LayerNorm epsilon. */
    public static final float LAYER_NORM_EPS = 1e-12f;

    private final BertWeights weights;
    private final int heads;
    private final Gemm gemm;
    private final MultiHeadAttention[] attention;

    /**
     * @param heads attention heads (12 for BERT-base); must divide hidden
     * @param gemm  where the dense products run; kept and closed by the caller
     */
    public BertModel(BertWeights weights, int heads, Gemm gemm) {
        this.weights = Objects.requireNonNull(weights, "weights");
        this.gemm = Objects.requireNonNull(gemm, "gemm");
        this.heads = heads;
        this.attention = new MultiHeadAttention[weights.layers().size()];
        for (int l = 0; l < attention.length; l++) {
            attention[l] = new MultiHeadAttention(weights.layers().get(l).attention(), heads, gemm);
        }
    }

    public BertWeights weights() { return weights; }

    public int heads() { return heads; }

    public int layers() { return attention.length; }

    /**
     * Which GEMM the attention layers' projections run on with {@code backend}, and why: on a
     * backend that runs whole layers on its device (the CUDA engine) the device layer's (opening
     * layer 0's device side), else this model's Gemm. The embeddings, the feed-forward and the
     * MLM head always run on this model's Gemm, on the host.
     */
    public String attentionGemm(AttentionBackend backend) {
        return attention[0].gemmDescription(backend);
    }

    /**
     * Final hidden states.
     *
     * @param ids        token ids (B, N)
     * @param types      token types (B, N), or null for all 0
     * @param valid      (B, N): false marks padding, or null
     * @param backend    the attention engine
     * @param configFor  the attention configuration of layer l (e.g. dense for chosen layers)
     * @return (B, N, hidden)
     * @throws IllegalArgumentException for ids, types or lengths outside the model's tables
     */
    public float[] encode(int[] ids, int[] types, boolean[] valid, int batch, int tokens, AttentionBackend backend,
            IntFunction<AttentionConfig> configFor) {
        int hidden = weights.hidden();
        if (ids.length != batch * tokens) {
            throw new IllegalArgumentException("ids must hold batch x tokens = " + batch * tokens + ", got " + ids.length);
        }
        if (tokens > weights.maxPositions()) {
            throw new IllegalArgumentException("tokens must be <= " + weights.maxPositions() + " (position table), got "
                    + tokens);
        }
        float[] x = embed(ids, types, batch, tokens);
        int rows = batch * tokens;
        for (int l = 0; l < attention.length; l++) {
            BertWeights.Layer layer = weights.layers().get(l);
            LayerInputs in = LayerInputs.selfAttention(x, batch, tokens, hidden);
            if (valid != null) {
                in = in.withKeyValid(valid);
            }
            float[] a = attention[l].forward(backend, configFor.apply(l), in);
            addInPlace(a, x);
            layerNorm(a, rows, hidden, layer.attentionNorm());
            float[] h = gemm.apply(layer.intermediate(), a, rows);
            gelu(h);
            float[] o = gemm.apply(layer.output(), h, rows);
            addInPlace(o, a);
            layerNorm(o, rows, hidden, layer.outputNorm());
            x = o;
        }
        return x;
    }

    /**
     * MLM logits of chosen rows of the hidden states.
     *
     * @param hidden (rows of the batch, hidden) from {@link #encode}
     * @param rows   the flat row indices (b * N + n) to score
     * @return (rows.length, vocab)
     * @throws IllegalStateException when the weights have no MLM head
     */
    public float[] mlmLogits(float[] hidden, int[] rows) {
        if (!weights.hasMlmHead()) {
            throw new IllegalStateException("these weights have no masked-LM head");
        }
        int h = weights.hidden();
        float[] picked = new float[rows.length * h];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(hidden, rows[r] * h, picked, r * h, h);
        }
        float[] t = gemm.apply(weights.transform(), picked, rows.length);
        gelu(t);
        layerNorm(t, rows.length, h, weights.transformNorm());
        float[] logits = new float[rows.length * weights.vocabSize()];
        gemm.linear(t, rows.length, h, weights.wordEmbeddings(), weights.decoderBias(), logits);
        return logits;
    }

    private float[] embed(int[] ids, int[] types, int batch, int tokens) {
        int h = weights.hidden();
        float[] x = new float[batch * tokens * h];
        float[] word = weights.wordEmbeddings();
        float[] pos = weights.positionEmbeddings();
        float[] type = weights.typeEmbeddings();
        for (int b = 0; b < batch; b++) {
            for (int n = 0; n < tokens; n++) {
                int row = b * tokens + n;
                int id = ids[row];
                int t = types == null ? 0 : types[row];
                if (id < 0 || id >= weights.vocabSize()) {
                    throw new IllegalArgumentException("ids[" + row + "] = " + id + " outside [0, " + weights.vocabSize()
                            + ")");
                }
                if (t < 0 || t >= weights.typeVocabSize()) {
                    throw new IllegalArgumentException("types[" + row + "] = " + t + " outside [0, "
                            + weights.typeVocabSize() + ")");
                }
                for (int c = 0; c < h; c++) {
                    x[row * h + c] = word[id * h + c] + pos[n * h + c] + type[t * h + c];
                }
            }
        }
        layerNorm(x, batch * tokens, h, weights.embeddingNorm());
        return x;
    }

    private static void addInPlace(float[] y, float[] x) {
        for (int i = 0; i < y.length; i++) {
            y[i] += x[i];
        }
    }

    /** Per row: (x - mean) / sqrt(var + eps) * gamma + beta; mean and variance in double. */
    static void layerNorm(float[] x, int rows, int h, BertWeights.LayerNorm norm) {
        for (int r = 0; r < rows; r++) {
            int base = r * h;
            double mean = 0;
            for (int c = 0; c < h; c++) {
                mean += x[base + c];
            }
            mean /= h;
            double var = 0;
            for (int c = 0; c < h; c++) {
                double d = x[base + c] - mean;
                var += d * d;
            }
            var /= h;
            double inv = 1.0 / Math.sqrt(var + LAYER_NORM_EPS);
            for (int c = 0; c < h; c++) {
                x[base + c] = (float) ((x[base + c] - mean) * inv) * norm.gamma()[c] + norm.beta()[c];
            }
        }
    }

    static void gelu(float[] x) {
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            x[i] = (float) (0.5 * v * (1 + Erf.erf(v / Math.sqrt(2))));
        }
    }

    @Override
    public void close() {
        for (MultiHeadAttention layer : attention) {
            layer.close();
        }
    }
}
