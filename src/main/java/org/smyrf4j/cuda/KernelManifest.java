package org.smyrf4j.cuda;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The kernel pack's {@code manifest.tsv} (docs/kernels.md): one line per (family, target,
 * entry point), tab-separated
 * {@code family target file entry registers shared_bytes spill_stores spill_loads stack_bytes};
 * lines starting with {@code #} are comments, {@code # nvcc <version>} and
 * {@code # built <date>} are kept. Immutable.
 */
public final class KernelManifest {

    /** The PTX target every pack carries for cards newer than its cubins. */
    public static final String PTX_TARGET = "compute_80";

    private static final int COLUMNS = 9;

    /**
     * One line of the manifest. Resource columns are -1 where the manifest says {@code -}
     * (PTX lines: the resources are only known after the driver compiles it).
     */
    public record Entry(String family, String target, String file, String entry, int registers,
            int sharedBytes, int spillStores, int spillLoads, int stackBytes) {

        public boolean isPtx() { return target.startsWith("compute_"); }
    }

    private final List<Entry> entries;
    private final String nvccVersion;
    private final String built;

    private KernelManifest(List<Entry> entries, String nvccVersion, String built) {
        this.entries = List.copyOf(entries);
        this.nvccVersion = nvccVersion;
        this.built = built;
    }

    /**
     * Parses manifest text.
     *
     * @param text   the file's content
     * @param source where it came from, for error messages
     * @throws IllegalArgumentException naming the source and line when a line is malformed
     */
    public static KernelManifest parse(String text, String source) {
        Objects.requireNonNull(text, "text");
        List<Entry> entries = new ArrayList<>();
        String nvcc = null;
        String built = null;
        String[] lines = text.split("\r?\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n];
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("#")) {
                String comment = line.substring(1).trim();
                if (comment.startsWith("nvcc ")) {
                    nvcc = comment.substring(5).trim();
                } else if (comment.startsWith("built ")) {
                    built = comment.substring(6).trim();
                }
                continue;
            }
            String[] cols = line.split("\t", -1);
            if (cols.length != COLUMNS) {
                throw new IllegalArgumentException(source + " line " + (n + 1) + ": expected " + COLUMNS
                        + " tab-separated columns, got " + cols.length + ": '" + line + "'");
            }
            for (int c = 0; c < 4; c++) {
                if (cols[c].isBlank()) {
                    throw new IllegalArgumentException(source + " line " + (n + 1) + ": column " + (c + 1)
                            + " is empty: '" + line + "'");
                }
            }
            String target = cols[1].trim();
            if (!target.startsWith("sm_") && !target.startsWith("compute_")) {
                throw new IllegalArgumentException(source + " line " + (n + 1)
                        + ": target must be sm_XY or compute_XY, got '" + target + "'");
            }
            entries.add(new Entry(cols[0].trim(), target, cols[2].trim(), cols[3].trim(),
                    resource(cols[4], "registers", source, n), resource(cols[5], "shared_bytes", source, n),
                    resource(cols[6], "spill_stores", source, n), resource(cols[7], "spill_loads", source, n),
                    resource(cols[8], "stack_bytes", source, n)));
        }
        if (entries.isEmpty()) {
            throw new IllegalArgumentException(source + " lists no kernels");
        }
        return new KernelManifest(entries, nvcc, built);
    }

    private static int resource(String text, String column, String source, int line) {
        String t = text.trim();
        if (t.equals("-")) {
            return -1;
        }
        try {
            return Integer.parseInt(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + " line " + (line + 1) + ": " + column
                    + " must be an integer or '-', got '" + t + "'");
        }
    }

    public List<Entry> entries() { return entries; }

    /** The nvcc version from {@code # nvcc}, or null. */
    public String nvccVersion() { return nvccVersion; }

    /** The build date from {@code # built}, or null. */
    public String built() { return built; }

    /** Every target, sorted. */
    public Set<String> targets() {
        Set<String> t = new TreeSet<>();
        entries.forEach(e -> t.add(e.target()));
        return Collections.unmodifiableSet(t);
    }

    /** Every family, sorted. */
    public Set<String> families() {
        Set<String> f = new TreeSet<>();
        entries.forEach(e -> f.add(e.family()));
        return Collections.unmodifiableSet(f);
    }

    /** The file of a family for a target, or null when the pack lacks it. */
    public String file(String family, String target) {
        for (Entry e : entries) {
            if (e.family().equals(family) && e.target().equals(target)) {
                return e.file();
            }
        }
        return null;
    }

    /** The line of one entry point for a target, or null. */
    public Entry entry(String family, String target, String entry) {
        for (Entry e : entries) {
            if (e.family().equals(family) && e.target().equals(target) && e.entry().equals(entry)) {
                return e;
            }
        }
        return null;
    }

    /**
     * Picks the image that serves a card of compute capability {@code major.minor}: the cubin of
     * exactly that target; else the cubin of the same major with the highest lower minor
     * (binary compatible); else the highest PTX target not above the card (JIT-compiled by the
     * driver). Only targets that carry every required entry point count.
     *
     * @param required the entry points the engine launches
     * @throws IllegalStateException with a reason a user can act on when nothing serves the card
     */
    KernelImage imageFor(int major, int minor, List<EntryPoint> required) {
        int card = major * 10 + minor;
        if (card < 80) {
            throw new IllegalStateException("compute capability " + major + "." + minor
                    + " is not supported: the kernels need 8.0 (Ampere) or newer");
        }
        Map<String, String> incomplete = new TreeMap<>();
        String exact = null;
        String sameMajor = null;
        int sameMajorMinor = -1;
        String ptx = null;
        int ptxVersion = -1;
        for (String target : targets()) {
            String missing = missing(target, required);
            if (missing != null) {
                incomplete.put(target, missing);
                continue;
            }
            int[] version = version(target);
            if (version == null) {
                continue; // arch-specific targets such as sm_90a run on one card only: not chosen
            }
            if (target.startsWith("sm_")) {
                if (version[0] == major && version[1] == minor) {
                    exact = target;
                } else if (version[0] == major && version[1] < minor && version[1] > sameMajorMinor) {
                    sameMajor = target;
                    sameMajorMinor = version[1];
                }
            } else {
                int v = version[0] * 10 + version[1];
                if (v <= card && v > ptxVersion) {
                    ptx = target;
                    ptxVersion = v;
                }
            }
        }
        if (exact != null) {
            return new KernelImage(exact, false, exact + " cubin (exact match)");
        }
        if (sameMajor != null) {
            return new KernelImage(sameMajor, false, sameMajor + " cubin (binary compatible with "
                    + major + "." + minor + ")");
        }
        if (ptx != null) {
            return new KernelImage(ptx, true, ptx + " PTX, JIT-compiled by the driver for " + major + "." + minor);
        }
        throw new IllegalStateException("the kernel pack has no image for compute capability " + major + "."
                + minor + ": targets " + targets() + (incomplete.isEmpty() ? "" : ", incomplete " + incomplete));
    }

    /** The first required entry point the target lacks, as "family.entry", or null. */
    private String missing(String target, List<EntryPoint> required) {
        for (EntryPoint e : required) {
            if (entry(e.family(), target, e.name()) == null) {
                return e.family() + "." + e.name();
            }
        }
        return null;
    }

    /** {major, minor} of {@code sm_XY} or {@code compute_XY}, or null for suffixed targets. */
    static int[] version(String target) {
        String digits = target.substring(target.indexOf('_') + 1);
        if (digits.length() < 2 || !digits.chars().allMatch(Character::isDigit)) {
            return null;
        }
        int minor = digits.charAt(digits.length() - 1) - '0';
        int major = Integer.parseInt(digits.substring(0, digits.length() - 1));
        return new int[] {major, minor};
    }

    /** A one-line summary: nvcc version, targets, families. */
    public String summary() {
        return "targets " + String.join(",", targets()) + "; families " + String.join(",", families())
                + (nvccVersion == null ? "" : "; nvcc " + nvccVersion);
    }
}
