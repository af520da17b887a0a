package org.smyrf4j.weights;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.smyrf4j.io.NpyArrays;
import org.smyrf4j.io.NpyArrays.FloatTensor;

/**
 * A folder of float32 .npy files, one tensor per file: tensor {@code name} is
 * {@code <folder>/<name>.npy} (e.g. {@code q_proj.weight.npy}). Only the folder's own files
 * count, not subfolders.
 */
public final class NpyFolder implements TensorSource {

    static final String SUFFIX = ".npy";

    private final Path folder;
    private final SortedSet<String> names;

    private NpyFolder(Path folder, SortedSet<String> names) {
        this.folder = folder;
        this.names = names;
    }

    /**
     * Lists the folder's .npy files.
     *
     * @throws IllegalArgumentException when the folder does not exist
     * @throws UncheckedIOException     when it cannot be listed
     */
    public static NpyFolder open(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("folder of .npy files not found: " + folder);
        }
        SortedSet<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.list(folder)) {
            files.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                    .filter(f -> f.endsWith(SUFFIX) && f.length() > SUFFIX.length())
                    .forEach(f -> names.add(f.substring(0, f.length() - SUFFIX.length())));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder + ": " + e.getMessage(), e);
        }
        return new NpyFolder(folder, Collections.unmodifiableSortedSet(names));
    }

    @Override
    public Path location() {
        return folder;
    }

    @Override
    public SortedSet<String> names() {
        return names;
    }

    /** Reads {@code <folder>/<name>.npy}, which must be float32. */
    @Override
    public FloatTensor read(String name) {
        if (!names.contains(name)) {
            throw CloseNames.missing(name, folder, names);
        }
        return NpyArrays.readFloat("tensor '" + name + "'", folder.resolve(name + SUFFIX));
    }

    @Override
    public String toString() {
        return "NpyFolder[" + folder + ", " + names.size() + " tensors]";
    }
}
