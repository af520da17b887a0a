package org.smyrf4j.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.Mode;
import org.smyrf4j.cpu.CpuEngine;
import org.smyrf4j.io.NpyArrays.FloatTensor;
import org.smyrf4j.layer.CpuGemm;
import org.smyrf4j.weights.SafetensorsFile;
import org.smyrf4j.weights.SafetensorsWriter;
import org.smyrf4j.weights.TfCheckpoint;
import org.smyrf4j.weights.TinyCheckpointWriter;

/**
 * A tiny BERT (2 layers, hidden 8, 2 heads) with random weights: the same weights from a
 * TensorFlow checkpoint and from Hugging Face safetensors, and the encoder and MLM head against
 * a float64 reference of the formulas in {@link BertModel}.
 */
class BertModelTest {

    /** Float32 through 2 layers of LayerNorm-ed activations of size ~1 vs float64; erf to 1.2e-7. */
    private static final double REFERENCE_TOLERANCE = 2e-4;
    /** One cluster + global keys + union vs dense, through 2 layers (float rounding of softmax order). */
    private static final double ONE_CLUSTER_TOLERANCE = 1e-4;

    private static final int HIDDEN = 8;
    private static final int HEADS = 2;
    private static final int INTER = 16;
    private static final int VOCAB = 20;
    private static final int POSITIONS = 16;
    private static final int LAYERS = 2;

    @TempDir
    static Path dir;

    private static CpuGemm gemm;
    private static CpuEngine engine;
    private static Map<String, FloatTensor> tf;
    private static BertWeights weights;

    @BeforeAll
    static void setUp() throws IOException {
        gemm = new CpuGemm(2);
        engine = new CpuEngine(2);
        tf = TinyBert.tensors(5, HIDDEN, INTER, VOCAB, POSITIONS, LAYERS);
        TinyCheckpointWriter.write(dir.resolve("variables"), tf, 3);
        weights = BertWeights.load(TfCheckpoint.open(dir.resolve("variables")));
    }

    @AfterAll
    static void tearDown() {
        gemm.close();
        engine.close();
    }

    @Test
    void huggingFaceNamesGiveTheSameWeights() {
        Map<String, FloatTensor> hf = new LinkedHashMap<>();
        for (Map.Entry<String, FloatTensor> e : tf.entrySet()) {
            String name = e.getKey().replace("encoder/layer_", "encoder/layer/").replace('/', '.')
                    .replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias")
                    .replace("output_bias", "bias");
            FloatTensor t = e.getValue();
            if (name.endsWith(".kernel")) {
                name = name.replace(".kernel", ".weight");
                t = transpose(t);
            } else if (name.contains("embeddings") && !name.contains("LayerNorm")) {
                name += ".weight";
            }
            hf.put(name, t);
        }
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, hf);
        BertWeights fromHf = BertWeights.load(SafetensorsFile.open(file));
        assertArrayEquals(weights.wordEmbeddings(), fromHf.wordEmbeddings());
        for (int l = 0; l < LAYERS; l++) {
            BertWeights.Layer a = weights.layers().get(l);
            BertWeights.Layer b = fromHf.layers().get(l);
            assertArrayEquals(a.attention().query().weight(), b.attention().query().weight(), "layer " + l + " query");
            assertArrayEquals(a.intermediate().weight(), b.intermediate().weight(), "layer " + l + " intermediate");
            assertArrayEquals(a.outputNorm().gamma(), b.outputNorm().gamma(), "layer " + l + " output norm");
        }
        assertArrayEquals(weights.transform().weight(), fromHf.transform().weight());
        assertArrayEquals(weights.decoderBias(), fromHf.decoderBias());
    }

    @Test
    void encoderAndHeadMatchFloat64Reference() {
        int batch = 2;
        int n = 7;
        int[] ids = new int[batch * n];
        int[] types = new int[batch * n];
        SplittableRandom random = new SplittableRandom(9);
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(VOCAB);
            types[i] = i % n >= 4 ? 1 : 0;
        }
        boolean[] valid = new boolean[batch * n];
        java.util.Arrays.fill(valid, true);
        valid[2 * n - 1] = false; // padding in row 1
        valid[2 * n - 2] = false;
        try (BertModel model = new BertModel(weights, HEADS, gemm)) {
            assertEquals(LAYERS, model.layers());
            float[] hidden = model.encode(ids, types, valid, batch, n, engine,
                    l -> AttentionConfig.builder().mode(Mode.DENSE).build());
            double[] ref = reference(ids, types, valid, batch, n);
            for (int i = 0; i < ref.length; i++) {
                assertClose(ref[i], hidden[i], REFERENCE_TOLERANCE, "hidden[" + i + "]");
            }
            int[] rows = {0, 3, n + 2};
            float[] logits = model.mlmLogits(hidden, rows);
            for (int r = 0; r < rows.length; r++) {
                double[] expected = referenceHead(ref, rows[r]);
                for (int v = 0; v < VOCAB; v++) {
                    assertClose(expected[v], logits[r * VOCAB + v], REFERENCE_TOLERANCE * 10,
                            "logits[" + r + ", " + v + "]");
                }
            }

            float[] oneCluster = model.encode(ids, types, valid, batch, n, engine,
                    l -> AttentionConfig.builder().hashes(3).clusterSize(n).globalKeys(0, -1).unionRounds(true).build());
            for (int i = 0; i < hidden.length; i++) {
                assertClose(hidden[i], oneCluster[i], ONE_CLUSTER_TOLERANCE, "one cluster vs dense, hidden[" + i + "]");
            }
        }
    }

    private static void assertClose(double expected, float actual, double tolerance, String what) {
        if (!(Math.abs(expected - actual) <= tolerance)) {
            throw new AssertionError(what + ": expected " + expected + ", actual " + actual);
        }
    }

    // ------------------------------------------------------------------ float64 reference

    private static double[] reference(int[] ids, int[] types, boolean[] valid, int batch, int n) {
        int h = HIDDEN;
        double[] x = new double[batch * n * h];
        for (int r = 0; r < batch * n; r++) {
            for (int c = 0; c < h; c++) {
                x[r * h + c] = get("bert/embeddings/word_embeddings", ids[r] * h + c)
                        + get("bert/embeddings/position_embeddings", (r % n) * h + c)
                        + get("bert/embeddings/token_type_embeddings", types[r] * h + c);
            }
        }
        layerNorm(x, "bert/embeddings/LayerNorm");
        int dh = h / HEADS;
        for (int l = 0; l < LAYERS; l++) {
            String p = "bert/encoder/layer_" + l + "/";
            double[] q = linear(x, p + "attention/self/query", h, h);
            double[] k = linear(x, p + "attention/self/key", h, h);
            double[] v = linear(x, p + "attention/self/value", h, h);
            double[] o = new double[x.length];
            for (int b = 0; b < batch; b++) {
                for (int hh = 0; hh < HEADS; hh++) {
                    for (int i = 0; i < n; i++) {
                        double[] w = new double[n];
                        double max = Double.NEGATIVE_INFINITY;
                        for (int j = 0; j < n; j++) {
                            if (!valid[b * n + j]) {
                                w[j] = Double.NEGATIVE_INFINITY;
                                continue;
                            }
                            double s = 0;
                            for (int c = 0; c < dh; c++) {
                                s += q[(b * n + i) * h + hh * dh + c] * k[(b * n + j) * h + hh * dh + c];
                            }
                            w[j] = s / Math.sqrt(dh);
                            max = Math.max(max, w[j]);
                        }
                        double sum = 0;
                        for (int j = 0; j < n; j++) {
                            w[j] = Math.exp(w[j] - max);
                            sum += w[j];
                        }
                        for (int j = 0; j < n; j++) {
                            for (int c = 0; c < dh; c++) {
                                o[(b * n + i) * h + hh * dh + c] += w[j] / sum * v[(b * n + j) * h + hh * dh + c];
                            }
                        }
                    }
                }
            }
            double[] a = linear(o, p + "attention/output/dense", h, h);
            add(a, x);
            layerNorm(a, p + "attention/output/LayerNorm");
            double[] inter = linear(a, p + "intermediate/dense", h, INTER);
            gelu(inter);
            double[] out = linear(inter, p + "output/dense", INTER, h);
            add(out, a);
            layerNorm(out, p + "output/LayerNorm");
            x = out;
        }
        return x;
    }

    private static double[] referenceHead(double[] hidden, int row) {
        double[] x = java.util.Arrays.copyOfRange(hidden, row * HIDDEN, (row + 1) * HIDDEN);
        double[] t = linear(x, "cls/predictions/transform/dense", HIDDEN, HIDDEN);
        gelu(t);
        layerNorm(t, "cls/predictions/transform/LayerNorm");
        double[] logits = new double[VOCAB];
        for (int v = 0; v < VOCAB; v++) {
            double s = get("cls/predictions/output_bias", v);
            for (int c = 0; c < HIDDEN; c++) {
                s += t[c] * get("bert/embeddings/word_embeddings", v * HIDDEN + c);
            }
            logits[v] = s;
        }
        return logits;
    }

    /** x (rows, in) times the TF kernel (in, out) plus bias. */
    private static double[] linear(double[] x, String prefix, int in, int out) {
        int rows = x.length / in;
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double s = get(prefix + "/bias", o);
                for (int i = 0; i < in; i++) {
                    s += x[r * in + i] * get(prefix + "/kernel", i * out + o);
                }
                y[r * out + o] = s;
            }
        }
        return y;
    }

    private static void layerNorm(double[] x, String prefix) {
        int h = HIDDEN;
        for (int r = 0; r < x.length / h; r++) {
            double mean = 0;
            for (int c = 0; c < h; c++) {
                mean += x[r * h + c] / h;
            }
            double var = 0;
            for (int c = 0; c < h; c++) {
                var += (x[r * h + c] - mean) * (x[r * h + c] - mean) / h;
            }
            for (int c = 0; c < h; c++) {
                x[r * h + c] = (x[r * h + c] - mean) / Math.sqrt(var + 1e-12) * get(prefix + "/gamma", c)
                        + get(prefix + "/beta", c);
            }
        }
    }

    private static void gelu(double[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] = 0.5 * x[i] * (1 + Erf.erf(x[i] / Math.sqrt(2)));
        }
    }

    private static void add(double[] y, double[] x) {
        for (int i = 0; i < y.length; i++) {
            y[i] += x[i];
        }
    }

    private static double get(String name, int index) {
        return tf.get(name).data()[index];
    }

    private static FloatTensor transpose(FloatTensor t) {
        int rows = t.shape()[0];
        int cols = t.shape()[1];
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = t.data()[r * cols + c];
            }
        }
        return new FloatTensor(out, new int[] {cols, rows});
    }
}
