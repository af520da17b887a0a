package org.smyrf4j.bert;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.smyrf4j.io.NpyArrays.FloatTensor;
import org.smyrf4j.layer.AttentionWeights;
import org.smyrf4j.layer.Linear;
import org.smyrf4j.weights.TensorSource;

/**
 * The weights of a BERT encoder with its masked-LM head, every matrix in the layer's
 * {@code (out, in)} layout, from either naming scheme:
 * <ul>
 *   <li>TensorFlow (Google's release, TF-Hub exports): {@code [module/]bert/embeddings/word_embeddings},
 *       {@code bert/encoder/layer_N/attention/self/query/kernel}, ..., {@code cls/predictions/output_bias};
 *       LayerNorm {@code gamma}/{@code beta}; kernels stored (in, out), transposed here.</li>
 *   <li>Hugging Face: {@code bert.embeddings.word_embeddings.weight},
 *       {@code bert.encoder.layer.N.attention.self.query.weight}, ..., {@code cls.predictions.bias};
 *       LayerNorm {@code weight}/{@code bias} (or the older {@code gamma}/{@code beta}).</li>
 * </ul>
 * The MLM decoder is tied to the word embeddings (only its bias is stored).
 */
public final class BertWeights {

    /** One encoder layer: attention, its LayerNorm, the feed-forward pair and its LayerNorm. */
    public record Layer(AttentionWeights attention, LayerNorm attentionNorm, Linear intermediate, Linear output,
            LayerNorm outputNorm) {
    }

    /** LayerNorm's gain and bias, (hidden) each. */
    public record LayerNorm(float[] gamma, float[] beta) {
    }

    private final float[] wordEmbeddings;
    private final float[] positionEmbeddings;
    private final float[] typeEmbeddings;
    private final LayerNorm embeddingNorm;
    private final List<Layer> layers;
    private final Linear transform;
    private final LayerNorm transformNorm;
    private final float[] decoderBias;
    private final int hidden;

    public BertWeights(float[] wordEmbeddings, float[] positionEmbeddings, float[] typeEmbeddings,
            LayerNorm embeddingNorm, List<Layer> layers, Linear transform, LayerNorm transformNorm, float[] decoderBias) {
        this.wordEmbeddings = Objects.requireNonNull(wordEmbeddings, "wordEmbeddings");
        this.positionEmbeddings = Objects.requireNonNull(positionEmbeddings, "positionEmbeddings");
        this.typeEmbeddings = Objects.requireNonNull(typeEmbeddings, "typeEmbeddings");
        this.embeddingNorm = Objects.requireNonNull(embeddingNorm, "embeddingNorm");
        this.layers = List.copyOf(layers);
        this.transform = transform;
        this.transformNorm = transformNorm;
        this.decoderBias = decoderBias;
        this.hidden = embeddingNorm.gamma().length;
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("layers must not be empty");
        }
        if (wordEmbeddings.length % hidden != 0 || positionEmbeddings.length % hidden != 0
                || typeEmbeddings.length % hidden != 0) {
            throw new IllegalArgumentException("embeddings must be (rows, hidden = " + hidden + ")");
        }
        if (decoderBias != null && decoderBias.length != vocabSize()) {
            throw new IllegalArgumentException("the MLM bias must hold vocab = " + vocabSize() + " values, got "
                    + decoderBias.length);
        }
    }

    public int hidden() { return hidden; }

    public int vocabSize() { return wordEmbeddings.length / hidden; }

    public int maxPositions() { return positionEmbeddings.length / hidden; }

    public int typeVocabSize() { return typeEmbeddings.length / hidden; }

    /** (vocab, hidden): token embeddings, and the MLM decoder's (out, in) matrix. */
    public float[] wordEmbeddings() { return wordEmbeddings; }

    /** (maxPositions, hidden). */
    public float[] positionEmbeddings() { return positionEmbeddings; }

    /** (typeVocab, hidden). */
    public float[] typeEmbeddings() { return typeEmbeddings; }

    public LayerNorm embeddingNorm() { return embeddingNorm; }

    public List<Layer> layers() { return layers; }

    /** Whether the MLM head is present. */
    public boolean hasMlmHead() { return transform != null; }

    public Linear transform() { return transform; }

    public LayerNorm transformNorm() { return transformNorm; }

    public float[] decoderBias() { return decoderBias; }

    /**
     * Loads from a checkpoint in either naming scheme (detected from the names).
     *
     * @throws IllegalArgumentException when neither scheme's word embeddings are there, or a
     *                                  tensor is missing or has the wrong shape
     */
    public static BertWeights load(TensorSource source) {
        Scheme scheme = Scheme.detect(source);
        float[] word = scheme.matrix(source, scheme.embedding("word_embeddings"));
        LayerNorm embNorm = scheme.layerNorm(source, scheme.embeddingsNorm());
        List<Layer> layers = new ArrayList<>();
        for (int n = 0; source.contains(scheme.layerTensor(n, "attention/self/query", "kernel")); n++) {
            AttentionWeights attention = new AttentionWeights(
                    scheme.linear(source, n, "attention/self/query"),
                    scheme.linear(source, n, "attention/self/key"),
                    scheme.linear(source, n, "attention/self/value"),
                    scheme.linear(source, n, "attention/output/dense"));
            layers.add(new Layer(attention, scheme.layerNorm(source, scheme.layerPath(n, "attention/output/LayerNorm")),
                    scheme.linear(source, n, "intermediate/dense"), scheme.linear(source, n, "output/dense"),
                    scheme.layerNorm(source, scheme.layerPath(n, "output/LayerNorm"))));
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("no encoder layer in " + source.location() + ": expected "
                    + scheme.layerTensor(0, "attention/self/query", "kernel"));
        }
        Linear transform = null;
        LayerNorm transformNorm = null;
        float[] bias = null;
        if (source.contains(scheme.mlmBias())) {
            transform = scheme.linearAt(source, scheme.head("transform/dense"));
            transformNorm = scheme.layerNorm(source, scheme.head("transform/LayerNorm"));
            bias = source.read(scheme.mlmBias()).data();
        }
        return new BertWeights(word, scheme.matrix(source, scheme.embedding("position_embeddings")),
                scheme.matrix(source, scheme.embedding("token_type_embeddings")), embNorm, layers, transform,
                transformNorm, bias);
    }

    /** A naming scheme: TensorFlow ('/'-separated, kernels (in, out)) or Hugging Face ('.', weights (out, in)). */
    private record Scheme(boolean tf, String root, String cls) {

        static Scheme detect(TensorSource source) {
            for (String root : new String[] {"module/bert/", "bert/"}) {
                if (source.contains(root + "embeddings/word_embeddings")) {
                    return new Scheme(true, root, root.replace("bert/", "cls/"));
                }
            }
            for (String root : new String[] {"bert.", ""}) {
                if (source.contains(root + "embeddings.word_embeddings.weight")) {
                    return new Scheme(false, root, "cls.");
                }
            }
            throw new IllegalArgumentException("no BERT word embeddings in " + source.location()
                    + ": expected module/bert/embeddings/word_embeddings, bert/embeddings/word_embeddings"
                    + " (TensorFlow) or bert.embeddings.word_embeddings.weight (Hugging Face)");
        }

        String path(String slashPath) {
            return tf ? slashPath : slashPath.replace('/', '.');
        }

        String embedding(String name) {
            return root + path("embeddings/" + name) + (tf ? "" : ".weight");
        }

        String embeddingsNorm() {
            return root + path("embeddings/LayerNorm");
        }

        String layerPath(int n, String part) {
            return root + path((tf ? "encoder/layer_" : "encoder/layer/") + n + "/" + part);
        }

        String layerTensor(int n, String part, String tfLeaf) {
            return layerPath(n, part) + (tf ? "/" + tfLeaf : ".weight");
        }

        String head(String part) {
            return cls + path("predictions/" + part);
        }

        String mlmBias() {
            return tf ? cls + "predictions/output_bias" : cls + "predictions.bias";
        }

        float[] matrix(TensorSource source, String name) {
            FloatTensor t = source.read(name);
            if (t.rank() != 2) {
                throw new IllegalArgumentException("tensor '" + name + "' must be 2-D, got " + t.shapeText());
            }
            return t.data();
        }

        Linear linear(TensorSource source, int n, String part) {
            return linearAt(source, layerPath(n, part));
        }

        /** TF: kernel (in, out) transposed; HF: weight (out, in) as stored. */
        Linear linearAt(TensorSource source, String prefix) {
            String weightName = prefix + (tf ? "/kernel" : ".weight");
            FloatTensor w = source.read(weightName);
            float[] bias = source.read(prefix + (tf ? "/bias" : ".bias")).data();
            if (w.rank() != 2) {
                throw new IllegalArgumentException("tensor '" + weightName + "' must be 2-D, got " + w.shapeText());
            }
            if (!tf) {
                return Linear.of(prefix, w.data(), bias, w.shape()[0], w.shape()[1]);
            }
            int in = w.shape()[0];
            int out = w.shape()[1];
            float[] t = new float[in * out];
            for (int i = 0; i < in; i++) {
                for (int o = 0; o < out; o++) {
                    t[o * in + i] = w.data()[i * out + o];
                }
            }
            return Linear.of(prefix, t, bias, out, in);
        }

        LayerNorm layerNorm(TensorSource source, String prefix) {
            String sep = tf ? "/" : ".";
            String gamma = prefix + sep + "gamma";
            String beta = prefix + sep + "beta";
            if (!tf && !source.contains(gamma)) {
                gamma = prefix + ".weight";
                beta = prefix + ".bias";
            }
            return new LayerNorm(source.read(gamma).data(), source.read(beta).data());
        }
    }
}
