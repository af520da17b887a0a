package org.smyrf4j.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.smyrf4j.weights.SafetensorsTest.assertMessage;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smyrf4j.io.NpyArrays.FloatTensor;
import org.smyrf4j.layer.AttentionWeights;
import org.smyrf4j.layer.LayerFixtures;
import org.smyrf4j.layer.Linear;

/** Loading the four projections by preset and prefix, and every way a checkpoint can be wrong. */
class AttentionWeightsLoaderTest {

    private static final String PREFIX = "bert.encoder.layer.0.";
    private static final int D = 12;

    @TempDir
    Path dir;

    private final AttentionWeights weights = LayerFixtures.weights(1, D, true);

    @Test
    void bertWeightsUnderAPrefixLoadExactly() {
        Path file = WeightFiles.safetensors(dir.resolve("bert.safetensors"), weights, NamingPreset.BERT.names(PREFIX),
                Map.of("bert.embeddings.position_ids", new FloatTensor(new float[3], new int[] {3})));
        TensorSource source = TensorSource.open(file);
        assertEquals(Optional.of(NamingPreset.BERT), AttentionWeightsLoader.detect(source, PREFIX));
        // The trailing dot of the prefix may be left out.
        AttentionWeights read = AttentionWeightsLoader.load(source, NamingPreset.BERT.names("bert.encoder.layer.0"));
        assertSame(weights, read);
    }

    @Test
    void qkvoWeightsLoadFromANpyFolder() {
        Path folder = WeightFiles.npyFolder(dir, weights, NamingPreset.QKVO.names("model.layers.3.self_attn"));
        TensorSource source = TensorSource.open(folder);
        assertEquals(Optional.of(NamingPreset.QKVO), AttentionWeightsLoader.detect(source, "model.layers.3.self_attn."));
        assertEquals(Optional.empty(), AttentionWeightsLoader.detect(source, ""));
        assertSame(weights, AttentionWeightsLoader.load(source, NamingPreset.QKVO.names("model.layers.3.self_attn.")));
    }

    @Test
    void weightsWithoutAnyBiasLoad() {
        AttentionWeights noBias = LayerFixtures.weights(2, D, false);
        Path file = WeightFiles.safetensors(dir.resolve("nobias.safetensors"), noBias, NamingPreset.QKVO.names(""),
                Map.of());
        AttentionWeights read = AttentionWeightsLoader.load(TensorSource.open(file), NamingPreset.QKVO.names(""));
        assertFalse(read.query().hasBias());
        assertNull(read.output().bias());
        assertSame(noBias, read);
    }

    @Test
    void halfPrecisionWeightsLoadAsFloat32() {
        // Values with few mantissa bits are exact in f16 and bf16.
        Map<String, FloatTensor> full = WeightFiles.tensors(rounded(LayerFixtures.weights(3, D, true)),
                NamingPreset.QKVO.names(""));
        for (String dtype : new String[] {"F16", "BF16"}) {
            List<SafetensorsWriter.Raw> raw = new ArrayList<>();
            for (Map.Entry<String, FloatTensor> e : full.entrySet()) {
                raw.add(new SafetensorsWriter.Raw(e.getKey(), dtype, e.getValue().shape(),
                        sixteenBit(e.getValue().data(), dtype)));
            }
            Path file = dir.resolve(dtype + ".safetensors");
            SafetensorsWriter.writeRaw(file, raw, Map.of());
            AttentionWeights read = AttentionWeightsLoader.load(TensorSource.open(file), NamingPreset.QKVO.names(""));
            assertArrayEquals(full.get("k_proj.weight").data(), read.key().weight(), dtype);
            assertArrayEquals(full.get("out_proj.bias").data(), read.output().bias(), dtype);
        }
    }

    @Test
    void aWrongPrefixNamesTheTensorAndTheNamesThatExist() {
        Path file = WeightFiles.safetensors(dir.resolve("bert.safetensors"), weights, NamingPreset.BERT.names(PREFIX),
                Map.of());
        assertMessage(() -> AttentionWeightsLoader.load(TensorSource.open(file), NamingPreset.BERT.names("")),
                "tensor 'attention.self.query.weight' not found in " + file, "(8 tensors)",
                "close names: bert.encoder.layer.0.attention.self.query.weight");
    }

    @Test
    void aWrongShapeNamesTheTensorAndBothShapes() {
        Map<String, FloatTensor> extra = Map.of();
        Map<String, FloatTensor> tensors = new LinkedHashMap<>(WeightFiles.tensors(weights, NamingPreset.QKVO.names("")));
        tensors.put("v_proj.weight", new FloatTensor(new float[D * (D - 1)], new int[] {D, D - 1}));
        Path file = write("shape.safetensors", tensors, extra);
        assertMessage(() -> AttentionWeightsLoader.load(TensorSource.open(file), NamingPreset.QKVO.names("")),
                "tensor 'v_proj.weight' must be (dmodel, dmodel) = (12, 12), got (12, 11)");

        tensors = new LinkedHashMap<>(WeightFiles.tensors(weights, NamingPreset.QKVO.names("")));
        tensors.put("k_proj.bias", new FloatTensor(new float[D + 1], new int[] {D + 1}));
        Path biasFile = write("bias.safetensors", tensors, extra);
        assertMessage(() -> AttentionWeightsLoader.load(TensorSource.open(biasFile), NamingPreset.QKVO.names("")),
                "tensor 'k_proj.bias' must be (dmodel) = (12), got (13)");

        tensors = new LinkedHashMap<>(WeightFiles.tensors(weights, NamingPreset.QKVO.names("")));
        tensors.put("q_proj.weight", new FloatTensor(new float[D * 2], new int[] {2, D}));
        Path queryFile = write("query.safetensors", tensors, extra);
        assertMessage(() -> AttentionWeightsLoader.load(TensorSource.open(queryFile), NamingPreset.QKVO.names("")),
                "tensor 'q_proj.weight' must be (dmodel, dmodel), square, got (2, 12)");
    }

    @Test
    void biasesPartlyPresentAreRefused() {
        Map<String, FloatTensor> tensors = new LinkedHashMap<>(WeightFiles.tensors(weights, NamingPreset.QKVO.names("")));
        tensors.remove("v_proj.bias");
        Path file = write("partial.safetensors", tensors, Map.of());
        assertMessage(() -> AttentionWeightsLoader.load(TensorSource.open(file), NamingPreset.QKVO.names("")),
                "biases must be all present or all absent, but 'v_proj.bias' is missing");
    }

    @Test
    void anUnsupportedDtypeOrNonFiniteValueIsNamed() {
        Map<String, FloatTensor> tensors = new LinkedHashMap<>(WeightFiles.tensors(weights, NamingPreset.QKVO.names("")));
        List<SafetensorsWriter.Raw> raw = new ArrayList<>();
        for (Map.Entry<String, FloatTensor> e : tensors.entrySet()) {
            boolean f64 = e.getKey().equals("k_proj.weight");
            raw.add(new SafetensorsWriter.Raw(e.getKey(), f64 ? "F64" : "F32", e.getValue().shape(),
                    f64 ? new byte[8 * D * D] : float32Bytes(e.getValue().data())));
        }
        Path file = dir.resolve("f64.safetensors");
        SafetensorsWriter.writeRaw(file, raw, Map.of());
        assertMessage(() -> AttentionWeightsLoader.load(TensorSource.open(file), NamingPreset.QKVO.names("")),
                "tensor 'k_proj.weight'", "has dtype F64", "supported: F32, F16, BF16");

        float[] nan = tensors.get("out_proj.weight").data().clone();
        nan[5] = Float.NaN;
        tensors.put("out_proj.weight", new FloatTensor(nan, new int[] {D, D}));
        Path nanFile = write("nan.safetensors", tensors, Map.of());
        assertMessage(() -> AttentionWeightsLoader.load(TensorSource.open(nanFile), NamingPreset.QKVO.names("")),
                "tensor 'out_proj.weight' must be finite, got NaN at index 5");
    }

    @Test
    void aNpyTensorOfAnotherDtypeIsNamed() throws Exception {
        Path folder = WeightFiles.npyFolder(dir, weights, NamingPreset.QKVO.names(""));
        org.jetbrains.bio.npy.NpyFile.write(folder.resolve("q_proj.weight.npy"), new double[D * D], new int[] {D, D});
        assertMessage(() -> AttentionWeightsLoader.load(TensorSource.open(folder), NamingPreset.QKVO.names("")),
                "tensor 'q_proj.weight' must be float32, got float64");
        assertMessage(() -> TensorSource.open(folder).read("q_proj.weigth"), "tensor 'q_proj.weigth' not found",
                "close names: q_proj.weight");
    }

    @Test
    void presetsParseAndNameTheirTensors() {
        assertEquals(NamingPreset.QKVO, NamingPreset.parse(" QKVO"));
        assertEquals(List.of("p.attention.self.query", "p.attention.self.key", "p.attention.self.value",
                "p.attention.output.dense"), NamingPreset.BERT.names("p").all());
        assertMessage(() -> NamingPreset.parse("gpt"), "preset must be bert or qkvo, got 'gpt'");
    }

    private Path write(String name, Map<String, FloatTensor> tensors, Map<String, FloatTensor> extra) {
        Map<String, FloatTensor> all = new LinkedHashMap<>(extra);
        all.putAll(tensors);
        Path file = dir.resolve(name);
        SafetensorsWriter.write(file, all);
        return file;
    }

    private static void assertSame(AttentionWeights want, AttentionWeights got) {
        Linear[] a = {want.query(), want.key(), want.value(), want.output()};
        Linear[] b = {got.query(), got.key(), got.value(), got.output()};
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(a[i].weight(), b[i].weight(), "projection " + i + " weight");
            assertArrayEquals(a[i].bias(), b[i].bias(), "projection " + i + " bias");
        }
    }

    /** Weights rounded to 7 mantissa bits and a small exponent range: exact in f16 and bf16. */
    private static AttentionWeights rounded(AttentionWeights w) {
        Linear[] l = {w.query(), w.key(), w.value(), w.output()};
        Linear[] r = new Linear[4];
        for (int i = 0; i < 4; i++) {
            r[i] = Linear.of("p" + i, round(l[i].weight()), round(l[i].bias()), D, D);
        }
        return new AttentionWeights(r[0], r[1], r[2], r[3]);
    }

    private static float[] round(float[] a) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = Math.round(a[i] * 128) / 128f;
        }
        return out;
    }

    private static byte[] sixteenBit(float[] values, String dtype) {
        ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putShort(dtype.equals("BF16") ? (short) (Float.floatToIntBits(v) >>> 16) : toF16(v));
        }
        return b.array();
    }

    /** float32 -> f16 for values that are exact in f16 (normal range, <= 10 mantissa bits). */
    private static short toF16(float v) {
        if (v == 0) {
            return (short) (Float.floatToIntBits(v) >>> 16 & 0x8000);
        }
        int bits = Float.floatToIntBits(v);
        int sign = bits >>> 16 & 0x8000;
        int exponent = (bits >>> 23 & 0xFF) - 127 + 15;
        int mantissa = (bits & 0x7FFFFF) >>> 13;
        return (short) (sign | exponent << 10 | mantissa);
    }

    private static byte[] float32Bytes(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b.array();
    }
}
