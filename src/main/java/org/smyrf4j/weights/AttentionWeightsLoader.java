package org.smyrf4j.weights;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.smyrf4j.io.NpyArrays.FloatTensor;
import org.smyrf4j.layer.AttentionWeights;
import org.smyrf4j.layer.Linear;

/**
 * Reads the four projections of an attention layer from a {@link TensorSource}: for each,
 * {@code <name>.weight} (dmodel, dmodel) and {@code <name>.bias} (dmodel), with dmodel taken
 * from the query weight. Biases are all present or all absent (models such as LLaMA have
 * none); a set with some missing is an error, so that a typo cannot pass as a zero bias.
 *
 * <pre>{@code
 * TensorSource file = TensorSource.open(Path.of("model.safetensors"));
 * AttentionWeights w = AttentionWeightsLoader.load(file, NamingPreset.BERT.names("bert.encoder.layer.0."));
 * }</pre>
 */
public final class AttentionWeightsLoader {

    private static final String[] LABELS = {"query", "key", "value", "output"};

    private AttentionWeightsLoader() {
    }

    /**
     * Reads and checks the weights.
     *
     * @throws IllegalArgumentException for a missing tensor (naming it and the close names, which
     *                                  show the right prefix when it is wrong), a wrong shape (naming the
     *                                  tensor, expected and actual shapes), an unsupported dtype,
     *                                  biases only partly present, or a value that is not finite
     */
    public static AttentionWeights load(TensorSource source, TensorNames names) {
        List<String> bases = names.all();
        for (String base : bases) {
            requirePresent(source, base + TensorNames.WEIGHT);
        }
        List<String> missingBiases = new ArrayList<>();
        for (String base : bases) {
            if (!source.contains(base + TensorNames.BIAS)) {
                missingBiases.add(base + TensorNames.BIAS);
            }
        }
        if (!missingBiases.isEmpty() && missingBiases.size() < bases.size()) {
            throw new IllegalArgumentException("biases must be all present or all absent, but "
                    + String.join(", ", missingBiases.stream().map(n -> "'" + n + "'").toList()) + " "
                    + (missingBiases.size() == 1 ? "is" : "are") + " missing in " + source.location()
                    + " while the others exist");
        }
        boolean biases = missingBiases.isEmpty();

        String queryWeight = names.query() + TensorNames.WEIGHT;
        FloatTensor wq = source.read(queryWeight);
        int[] s = wq.shape();
        if (s.length != 2 || s[0] != s[1] || s[0] == 0) {
            throw new IllegalArgumentException("tensor '" + queryWeight + "' must be (dmodel, dmodel), square, got "
                    + wq.shapeText());
        }
        int d = s[0];
        Linear[] projections = new Linear[bases.size()];
        for (int i = 0; i < bases.size(); i++) {
            String weightName = bases.get(i) + TensorNames.WEIGHT;
            FloatTensor w = i == 0 ? wq : source.read(weightName);
            requireShape(weightName, w, "(dmodel, dmodel)", d, d);
            float[] bias = null;
            if (biases) {
                String biasName = bases.get(i) + TensorNames.BIAS;
                FloatTensor b = source.read(biasName);
                requireShape(biasName, b, "(dmodel)", d);
                requireFinite(biasName, b.data());
                bias = b.data();
            }
            requireFinite(weightName, w.data());
            projections[i] = Linear.of(LABELS[i], w.data(), bias, d, d);
        }
        return new AttentionWeights(projections[0], projections[1], projections[2], projections[3]);
    }

    /** The preset whose query weight exists under {@code prefix}, if one does (BERT first). */
    public static Optional<NamingPreset> detect(TensorSource source, String prefix) {
        for (NamingPreset preset : NamingPreset.values()) {
            if (source.contains(preset.names(prefix).query() + TensorNames.WEIGHT)) {
                return Optional.of(preset);
            }
        }
        return Optional.empty();
    }

    /** The names in {@code source} closest to {@code name}, closest first (for "not found" hints). */
    public static List<String> closeNames(String name, TensorSource source) {
        return CloseNames.of(name, source.names());
    }

    private static void requirePresent(TensorSource source, String name) {
        if (!source.contains(name)) {
            throw CloseNames.missing(name, source.location(), source.names());
        }
    }

    private static void requireShape(String name, FloatTensor t, String meaning, int... expected) {
        if (!Arrays.equals(t.shape(), expected)) {
            String want = Arrays.toString(expected).replace('[', '(').replace(']', ')');
            throw new IllegalArgumentException("tensor '" + name + "' must be " + meaning + " = " + want
                    + ", got " + t.shapeText());
        }
    }

    private static void requireFinite(String name, float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException("tensor '" + name + "' must be finite, got " + values[i]
                        + " at index " + i);
            }
        }
    }
}
