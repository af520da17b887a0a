package org.smyrf4j.cuda;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.io.NpyArrays;

/** One case of test-data/golden (see its README): inputs, projections, and the reference's results. */
record GoldenCase(String name, AttentionShape shape, AttentionConfig config, AttentionInputs inputs, float[] out,
        float[] dense, int[] queryOrder, int[] keyOrder) {

    static final String DIR = "test-data/golden";

    /** The case folders, sorted by name. */
    static List<Path> folders() {
        Path root = RepoFiles.resolve(DIR);
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve("case.json"))).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
    }

    static GoldenCase load(Path dir) {
        String json;
        try {
            json = Files.readString(dir.resolve("case.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        AttentionShape shape = new AttentionShape(intField(json, "batch"), intField(json, "query_len"),
                intField(json, "key_len"), intField(json, "dim"), intField(json, "value_dim"));
        int hashes = intField(json, "hashes");
        float[] alpha = NpyArrays.readFloat("alpha", dir.resolve("alpha.npy")).data();
        AttentionConfig config = AttentionConfig.builder().projections(alpha, hashes)
                .queryClusterSize(intField(json, "query_cluster_size"))
                .keyClusterSize(intField(json, "key_cluster_size"))
                .scale((float) Double.parseDouble(field(json, "scale")))
                .build();
        Path maskFile = dir.resolve("key_valid.npy");
        boolean[] mask = Files.exists(maskFile) ? NpyArrays.readMask("key_valid", maskFile).data() : null;
        AttentionInputs inputs = AttentionInputs.of(shape,
                NpyArrays.readFloat("q", dir.resolve("q.npy")).data(),
                NpyArrays.readFloat("k", dir.resolve("k.npy")).data(),
                NpyArrays.readFloat("v", dir.resolve("v.npy")).data(), mask);
        return new GoldenCase(dir.getFileName().toString(), shape, config, inputs,
                NpyArrays.readFloat("out", dir.resolve("out.npy")).data(),
                NpyArrays.readFloat("dense", dir.resolve("dense.npy")).data(),
                NpyArrays.readInt("q_order", dir.resolve("q_order.npy")).data(),
                NpyArrays.readInt("k_order", dir.resolve("k_order.npy")).data());
    }

    /** Whether output row {@code row} (b * Nq + i) is a real query (README: "only rows of valid queries count"). */
    boolean rowCounts(int row) {
        int nq = shape.queryLen();
        return inputs.isQueryValid(row / nq, row % nq);
    }

    private static int intField(String json, String name) {
        return Integer.parseInt(field(json, name));
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*([-+0-9.eE]+)").matcher(json);
        if (!m.find()) {
            throw new IllegalArgumentException("case.json has no numeric field " + name);
        }
        return m.group(1);
    }
}
