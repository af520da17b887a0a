package org.smyrf4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.Mode;
import org.smyrf4j.io.NpyArrays;
import org.smyrf4j.io.NpyArrays.FloatTensor;

/**
 * A golden case shipped inside the jar (test-data/golden/NAME, see shared/golden/README.md):
 * inputs, the reference's projections, its SMYRF output and the exact dense output.
 *
 * @param name      the case's folder name
 * @param inputs    Q, K, V and the mask when the case has one
 * @param smyrf     the configuration the reference ran: its projections, cluster sizes and scale
 * @param reference the reference's SMYRF output (B, Nq, dv)
 * @param dense     exact dense attention (B, Nq, dv), computed by the reference in float64
 */
record EmbeddedGoldenCase(String name, AttentionInputs inputs, AttentionConfig smyrf, float[] reference,
        float[] dense) {

    /** Where {@code pom.xml} puts the default case inside the jar. */
    static final String RESOURCE_ROOT = "org/smyrf4j/defaults/";
    /** The case {@code run} starts with. */
    static final String DEFAULT_CASE = "base";

    /** The same inputs and scale, exact dense attention. */
    AttentionConfig denseConfig() {
        return smyrf.toBuilder().mode(Mode.DENSE).build();
    }

    /**
     * Loads a case from the class path.
     *
     * @throws IllegalStateException when the jar lacks it (a build that skipped the resources)
     */
    static EmbeddedGoldenCase load(String name) {
        String root = RESOURCE_ROOT + name + "/";
        String json = new String(bytes(root + "case.json"), StandardCharsets.UTF_8);
        Path dir;
        try {
            dir = Files.createTempDirectory("smyrf4j-" + name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder: " + e.getMessage(), e);
        }
        try {
            FloatTensor q = read(dir, root, "q.npy");
            FloatTensor k = read(dir, root, "k.npy");
            FloatTensor v = read(dir, root, "v.npy");
            FloatTensor alpha = read(dir, root, "alpha.npy");
            FloatTensor out = read(dir, root, "out.npy");
            FloatTensor dense = read(dir, root, "dense.npy");
            boolean[] keyValid = null;
            if (Main.class.getClassLoader().getResource(root + "key_valid.npy") != null) {
                keyValid = NpyArrays.readMask("key_valid.npy", copy(dir, root, "key_valid.npy")).data();
            }
            int[] qs = q.shape();
            int[] ks = k.shape();
            AttentionShape shape = new AttentionShape(qs[0], qs[1], ks[1], qs[2], v.shape()[2]);
            AttentionConfig config = AttentionConfig.builder()
                    .mode(Mode.SMYRF)
                    .projections(alpha.data(), alpha.shape()[1])
                    .queryClusterSize(intField(json, "query_cluster_size"))
                    .keyClusterSize(intField(json, "key_cluster_size"))
                    .scale((float) numberField(json, "scale"))
                    .build();
            return new EmbeddedGoldenCase(name, AttentionInputs.of(shape, q.data(), k.data(), v.data(), keyValid),
                    config, out.data(), dense.data());
        } finally {
            deleteQuietly(dir);
        }
    }

    /** Whether query row {@code row} (flat over B x Nq) is a real token and so counts in comparisons. */
    boolean countsRow(int row) {
        AttentionShape s = inputs.shape();
        return inputs.isQueryValid(row / s.queryLen(), row % s.queryLen());
    }

    private static FloatTensor read(Path dir, String root, String file) {
        return NpyArrays.readFloat(file, copy(dir, root, file));
    }

    /** The npy reader needs a file, so each resource is copied out of the jar first. */
    private static Path copy(Path dir, String root, String file) {
        Path target = dir.resolve(file);
        try (InputStream in = stream(root + file)) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + root + file + " out of the jar: " + e.getMessage(), e);
        }
        return target;
    }

    private static byte[] bytes(String resource) {
        try (InputStream in = stream(resource)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource + ": " + e.getMessage(), e);
        }
    }

    private static InputStream stream(String resource) {
        InputStream in = Main.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException("the default case is missing from this build: no " + resource
                    + " on the class path (rebuild with mvn package)");
        }
        return in;
    }

    /** A top-level number of case.json; the file is flat and ours, so a pattern is enough. */
    static double numberField(String json, String field) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\"\\s*:\\s*(-?[0-9][0-9.eE+-]*)").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("case.json has no number '" + field + "'");
        }
        return Double.parseDouble(m.group(1));
    }

    static int intField(String json, String field) {
        return (int) numberField(json, field);
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // A leftover temporary file is harmless; the run's result does not depend on it.
        }
    }
}
