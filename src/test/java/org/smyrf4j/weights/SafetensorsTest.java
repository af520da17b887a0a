package org.smyrf4j.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smyrf4j.io.NpyArrays.FloatTensor;

/** Reading and writing .safetensors: round trip, exact f16/bf16 widening, and damaged files. */
class SafetensorsTest {

    @TempDir
    Path dir;

    @Test
    void writtenTensorsReadBackExactly() throws IOException {
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        tensors.put("layer.weight", new FloatTensor(new float[] {1.5f, -0f, Float.MIN_VALUE, 3e38f, 7, 8}, new int[] {2, 3}));
        tensors.put("a \"quoted\"\\name", new FloatTensor(new float[] {42}, new int[] {}));
        tensors.put("empty", new FloatTensor(new float[0], new int[] {0, 3}));
        Path file = dir.resolve("t.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of("format", "pt"));

        SafetensorsFile read = SafetensorsFile.open(file);
        assertEquals(List.of("a \"quoted\"\\name", "empty", "layer.weight"), List.copyOf(read.names()));
        for (Map.Entry<String, FloatTensor> e : tensors.entrySet()) {
            FloatTensor t = read.read(e.getKey());
            assertArrayEquals(e.getValue().shape(), t.shape(), e.getKey());
            assertArrayEquals(e.getValue().data(), t.data(), e.getKey());
        }
        assertEquals(Map.of("format", "pt"), read.metadata());
        assertEquals("F32", read.entry("layer.weight").dtype());
        // The header is padded so the data starts 8-byte aligned, as the reference writer does.
        long headerLength = ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % SafetensorsWriter.ALIGNMENT);
    }

    @Test
    void float16WidensExactly() {
        int[] bits = {0x0000, 0x8000, 0x3C00, 0xC000, 0x3E00, 0x3555, 0x7BFF, 0x0400, 0x0001, 0x03FF, 0x8001,
            0x7C00, 0xFC00};
        float[] want = {0f, -0f, 1f, -2f, 1.5f, 0.333251953125f, 65504f, 0x1p-14f, 0x1p-24f, 1023 * 0x1p-24f,
            -0x1p-24f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        FloatTensor t = readSixteenBit("F16", bits);
        for (int i = 0; i < bits.length; i++) {
            assertEquals(want[i], t.data()[i], String.format("f16 0x%04X", bits[i]));
        }
        assertTrue(Float.isNaN(HalfFloats.f16ToFloat(0x7E00)), "f16 0x7E00 is NaN");
    }

    @Test
    void bfloat16WidensExactly() {
        int[] bits = {0x0000, 0x8000, 0x3F80, 0xC000, 0x4049, 0x3EAB, 0x7F7F, 0x0001, 0xFF80};
        float[] want = {0f, -0f, 1f, -2f, 3.140625f, 0.333984375f, 3.3895313892515355e38f, 0x1p-133f,
            Float.NEGATIVE_INFINITY};
        FloatTensor t = readSixteenBit("BF16", bits);
        for (int i = 0; i < bits.length; i++) {
            assertEquals(want[i], t.data()[i], String.format("bf16 0x%04X", bits[i]));
        }
        assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(0x7FC0)), "bf16 0x7FC0 is NaN");
    }

    @Test
    void anUnsupportedDtypeIsNamedOnlyWhenRead() {
        Path file = dir.resolve("mixed.safetensors");
        SafetensorsWriter.writeRaw(file, List.of(
                new SafetensorsWriter.Raw("position_ids", "I64", new int[] {2}, new byte[16]),
                new SafetensorsWriter.Raw("w", "F32", new int[] {1}, floatBytes(2.5f))), Map.of());
        SafetensorsFile read = SafetensorsFile.open(file);
        assertArrayEquals(new float[] {2.5f}, read.read("w").data());
        assertMessage(() -> read.read("position_ids"), "tensor 'position_ids'", "has dtype I64",
                "supported: F32, F16, BF16");
    }

    @Test
    void aMissingTensorListsCloseNames() {
        Path file = dir.resolve("names.safetensors");
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        for (String name : new String[] {"bert.encoder.layer.0.attention.self.query.weight",
            "bert.encoder.layer.1.attention.self.query.weight", "bert.pooler.dense.weight"}) {
            tensors.put(name, new FloatTensor(new float[1], new int[] {1}));
        }
        SafetensorsWriter.write(file, tensors);
        assertMessage(() -> SafetensorsFile.open(file).read("encoder.layer.0.attention.self.query.weight"),
                "tensor 'encoder.layer.0.attention.self.query.weight' not found", "(3 tensors)",
                "close names: bert.encoder.layer.0.attention.self.query.weight, "
                        + "bert.encoder.layer.1.attention.self.query.weight");
    }

    @Test
    void damagedFilesAreRefusedWithTheReason() throws IOException {
        assertMessage(() -> SafetensorsFile.open(dir.resolve("none.safetensors")), "safetensors file not found");
        assertMessage(() -> SafetensorsFile.open(write("short", new byte[] {1, 2, 3})), "fewer than the 8-byte");
        assertMessage(() -> SafetensorsFile.open(file(1000, "{}")), "header length 1000 does not fit the file size");
        assertMessage(() -> SafetensorsFile.open(file(-1, "{}")), "header length 18446744073709551615");
        assertMessage(() -> SafetensorsFile.open(header("{\"a\": {\"dtype\": \"F32\",}}")), "is not valid JSON",
                "expected a string key at offset");
        assertMessage(() -> SafetensorsFile.open(header("[1, 2]")), "must be a JSON object");
        assertMessage(() -> SafetensorsFile.open(header(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,16]}}")), "outside the data section");
        assertMessage(() -> SafetensorsFile.open(header(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,0]}}")), "hold 0 bytes",
                "F32 and shape (3) need 12");
        assertMessage(() -> SafetensorsFile.open(header(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}")), "not a size >= 0");
        assertMessage(() -> SafetensorsFile.open(header("{\"a\":{\"shape\":[],\"data_offsets\":[0,4]}}")),
                "needs a string dtype");
        assertMessage(() -> SafetensorsFile.open(header("{\"a\":1,\"a\":2}")), "duplicate key, got 'a' twice");
    }

    private FloatTensor readSixteenBit(String dtype, int[] bits) {
        ByteBuffer data = ByteBuffer.allocate(2 * bits.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int b : bits) {
            data.putShort((short) b);
        }
        Path file = dir.resolve(dtype + ".safetensors");
        SafetensorsWriter.writeRaw(file, List.of(new SafetensorsWriter.Raw("t", dtype, new int[] {bits.length},
                data.array())), Map.of());
        return SafetensorsFile.open(file).read("t");
    }

    /** A file whose header is {@code json} followed by 8 data bytes. */
    private Path header(String json) throws IOException {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        return file(header.length, json);
    }

    private Path file(long headerLength, String json) throws IOException {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(header);
        return write("f" + Math.abs(json.hashCode()) + "_" + headerLength, b.array());
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name + ".safetensors");
        Files.write(p, bytes);
        return p;
    }

    private static byte[] floatBytes(float v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(v).array();
    }

    static void assertMessage(org.junit.jupiter.api.function.Executable call, String... expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String part : expected) {
            assertTrue(e.getMessage().contains(part), () -> "want '" + part + "' in: " + e.getMessage());
        }
    }
}
