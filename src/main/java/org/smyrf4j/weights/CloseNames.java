package org.smyrf4j.weights;

import java.util.ArrayList;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** The names a mistyped tensor name probably meant, for "not found" messages. */
final class CloseNames {

    /** How many suggestions a message lists. */
    static final int LIMIT = 5;

    private CloseNames() {
    }

    /**
     * The "tensor not found" error: the name, where it was looked for, and the close names.
     */
    static IllegalArgumentException missing(String name, Path location, Collection<String> names) {
        List<String> close = of(name, names);
        return new IllegalArgumentException("tensor '" + name + "' not found in " + location + " (" + names.size()
                + (names.size() == 1 ? " tensor" : " tensors") + ")"
                + (close.isEmpty() ? "" : "; close names: " + String.join(", ", close)));
    }

    /**
     * Up to {@link #LIMIT} names, closest first by edit distance, among those within a third of
     * the name's length or sharing its last two dot-separated parts (such as "query.weight":
     * the same tensor under another prefix).
     */
    static List<String> of(String name, Collection<String> names) {
        String tail = lastParts(name, 2);
        int within = Math.max(2, name.length() / 3);
        List<Scored> scored = new ArrayList<>();
        for (String candidate : names) {
            int distance = editDistance(name, candidate);
            if (distance <= within || candidate.endsWith(tail)) {
                scored.add(new Scored(candidate, distance));
            }
        }
        scored.sort(Comparator.comparingInt(Scored::distance).thenComparing(Scored::name));
        return scored.stream().limit(LIMIT).map(Scored::name).toList();
    }

    /** Levenshtein distance: insertions, deletions and substitutions of one character. */
    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /** The last {@code parts} dot-separated parts with a leading dot (the whole name when it has fewer). */
    private static String lastParts(String name, int parts) {
        int at = name.length();
        for (int i = 0; i < parts; i++) {
            at = name.lastIndexOf('.', at - 1);
            if (at < 0) {
                return "." + name;
            }
        }
        return name.substring(at);
    }

    private record Scored(String name, int distance) {
    }
}
