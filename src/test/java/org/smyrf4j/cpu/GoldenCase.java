package org.smyrf4j.cpu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.io.NpyArrays;

/**
 * One case of test-data/golden (see its README): inputs, projections and the reference's
 * output, dense output and orders. Reads case.json with a regex for the few numbers it needs.
 */
public record GoldenCase(String name, AttentionShape shape, int hashes, int queryClusterSize, int keyClusterSize,
        float scale, float[] q, float[] k, float[] v, float[] alpha, boolean[] keyValid, float[] out,
        float[] dense, int[] queryOrder, int[] keyOrder) {

    /** The golden folder: -Dsmyrf4j.repo (set by the pom) or the working directory. */
    public static Path root() {
        return Paths.get(System.getProperty("smyrf4j.repo", ".")).resolve("test-data").resolve("golden");
    }

    /** Every case folder, sorted by name. */
    public static List<Path> caseDirs() {
        try (Stream<Path> dirs = Files.list(root())) {
            return dirs.filter(p -> Files.isRegularFile(p.resolve("case.json"))).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root(), e);
        }
    }

    public static GoldenCase load(Path dir) {
        String json;
        try {
            json = Files.readString(dir.resolve("case.json"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir.resolve("case.json"), e);
        }
        AttentionShape shape = new AttentionShape(intField(json, "batch"), intField(json, "query_len"),
                intField(json, "key_len"), intField(json, "dim"), intField(json, "value_dim"));
        Path mask = dir.resolve("key_valid.npy");
        return new GoldenCase(dir.getFileName().toString(), shape, intField(json, "hashes"),
                intField(json, "query_cluster_size"), intField(json, "key_cluster_size"),
                (float) number(json, "scale"),
                floats(dir, "q"), floats(dir, "k"), floats(dir, "v"), floats(dir, "alpha"),
                Files.exists(mask) ? NpyArrays.readMask("key_valid", mask).data() : null,
                floats(dir, "out"), floats(dir, "dense"),
                NpyArrays.readInt("q_order", dir.resolve("q_order.npy")).data(),
                NpyArrays.readInt("k_order", dir.resolve("k_order.npy")).data());
    }

    public AttentionInputs inputs() {
        return AttentionInputs.of(shape, q, k, v, keyValid);
    }

    /** The case's SMYRF configuration: its projections, scale and cluster sizes. */
    public AttentionConfig config() {
        return AttentionConfig.builder().projections(alpha, hashes).scale(scale)
                .queryClusterSize(queryClusterSize).keyClusterSize(keyClusterSize).build();
    }

    private static float[] floats(Path dir, String name) {
        return NpyArrays.readFloat(name, dir.resolve(name + ".npy")).data();
    }

    private static int intField(String json, String key) {
        double value = number(json, key);
        if (value != Math.rint(value)) {
            throw new IllegalArgumentException("case.json field " + key + " must be an integer, got " + value);
        }
        return (int) value;
    }

    private static double number(String json, String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)")
                .matcher(json);
        if (!m.find()) {
            throw new IllegalArgumentException("case.json has no numeric field " + key);
        }
        return Double.parseDouble(m.group(1));
    }
}
