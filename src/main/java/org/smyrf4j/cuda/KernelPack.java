package org.smyrf4j.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The kernel pack on the class path ({@code org/smyrf4j/kernels/}: manifest.tsv,
 * {@code <family>.<target>.cubin}, {@code <family>.ptx}), built by {@code make kernels}.
 */
final class KernelPack {

    /** Where the pack sits on the class path. */
    static final String RESOURCE_DIR = "org/smyrf4j/kernels/";
    static final String MANIFEST = "manifest.tsv";

    /** Every entry point the engine launches, by family. */
    static final List<EntryPoint> ENTRY_POINTS = entryPoints();
    /**
     * Entry points the engine can do without: a failure to load them disables what they serve
     * (with the reason) instead of the CUDA backend. The tensor-core attention, until a GPU run
     * has shown its module loads and runs everywhere the rest does.
     */
    static final List<EntryPoint> OPTIONAL_ENTRY_POINTS = List.of(AttentionKernels.TC_ATTENTION);
    /** Every entry point the engine needs. */
    static final List<EntryPoint> REQUIRED_ENTRY_POINTS = ENTRY_POINTS.stream()
            .filter(e -> !OPTIONAL_ENTRY_POINTS.contains(e)).toList();

    private KernelPack() {
    }

    private static List<EntryPoint> entryPoints() {
        List<EntryPoint> all = new ArrayList<>();
        all.addAll(HashKernels.ENTRY_POINTS);
        all.addAll(SortKernels.ENTRY_POINTS);
        all.addAll(AttentionKernels.ENTRY_POINTS);
        all.addAll(CombineKernels.ENTRY_POINTS);
        all.addAll(DenseKernels.ENTRY_POINTS);
        all.addAll(GemmKernels.ENTRY_POINTS);
        all.addAll(HeadKernels.ENTRY_POINTS);
        return List.copyOf(all);
    }

    /** The manifest, or null when the class path holds no kernel pack. */
    static KernelManifest readManifest() {
        byte[] bytes = readResource(MANIFEST);
        return bytes == null ? null : KernelManifest.parse(new String(bytes, StandardCharsets.UTF_8),
                RESOURCE_DIR + MANIFEST);
    }

    /**
     * The bytes of one image file, ready for cuModuleLoadData: a cubin as is, PTX text with the
     * terminating NUL the driver expects.
     *
     * @throws IllegalStateException when the manifest names a file the pack lacks
     */
    static byte[] readImage(String file, boolean ptx) {
        byte[] bytes = readResource(file);
        if (bytes == null) {
            throw new IllegalStateException("kernel pack incomplete: the manifest names " + file
                    + " but " + RESOURCE_DIR + file + " is not on the class path");
        }
        return ptx ? Arrays.copyOf(bytes, bytes.length + 1) : bytes;
    }

    private static byte[] readResource(String name) {
        ClassLoader loader = KernelPack.class.getClassLoader();
        try (InputStream in = loader.getResourceAsStream(RESOURCE_DIR + name)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE_DIR + name + ": " + e.getMessage(), e);
        }
    }
}
