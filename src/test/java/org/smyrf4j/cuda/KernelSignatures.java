package org.smyrf4j.cuda;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Entry-point parameter lists read from the contract (docs/kernels.md) or the CUDA sources, to
 * check the Java argument packing against them.
 */
final class KernelSignatures {

    /** What a parameter is, as far as packing goes. */
    enum Kind { POINTER, INT, FLOAT }

    record Param(String name, Kind kind, String type) {
    }

    /** An entry point's parameters and, for .cu sources, its {@code __launch_bounds__} text (else null). */
    record Signature(String entry, List<Param> params, String launchBounds) {
    }

    private static final Pattern DOC_ENTRY = Pattern.compile("`(smyrf_\\w+)\\(([^)]*)\\)`");
    private static final Pattern CU_ENTRY = Pattern.compile(
            "extern\\s+\"C\"\\s+__global__\\s+void\\s+(?:__launch_bounds__\\(([^)]*)\\)\\s+)?(smyrf_\\w+)\\s*\\(([^)]*)\\)");

    private KernelSignatures() {
    }

    /**
     * The entry points of docs/kernels.md's table. {@code smyrf_hash_keys(...)} is documented as
     * "same parameters with k": it gets hash_queries' list with the first parameter renamed.
     */
    static Map<String, Signature> fromDocs(String markdown) {
        Map<String, Signature> result = new LinkedHashMap<>();
        Matcher m = DOC_ENTRY.matcher(markdown);
        while (m.find()) {
            String entry = m.group(1);
            String params = m.group(2).trim();
            if (params.equals("...")) {
                continue;
            }
            result.putIfAbsent(entry, new Signature(entry, params(params), null));
        }
        Signature queries = result.get("smyrf_hash_queries");
        if (queries != null && !result.containsKey("smyrf_hash_keys")) {
            List<Param> p = new ArrayList<>(queries.params());
            Param first = p.get(0);
            p.set(0, new Param("k", first.kind(), first.type()));
            result.put("smyrf_hash_keys", new Signature("smyrf_hash_keys", p, null));
        }
        return result;
    }

    /** The {@code extern "C" __global__} entry points of a .cu file. */
    static Map<String, Signature> fromCuda(String source) {
        Map<String, Signature> result = new LinkedHashMap<>();
        Matcher m = CU_ENTRY.matcher(source);
        while (m.find()) {
            String bounds = m.group(1) == null ? null : m.group(1).trim();
            result.put(m.group(2), new Signature(m.group(2), params(m.group(3)), bounds));
        }
        return result;
    }

    private static List<Param> params(String text) {
        List<Param> params = new ArrayList<>();
        for (String raw : text.split(",")) {
            String p = raw.replace("__restrict__", " ").replace("const ", " ").replaceAll("\\s+", " ").trim();
            if (p.isEmpty()) {
                continue;
            }
            boolean pointer = p.contains("*");
            String[] words = p.replace("*", " * ").trim().split("\\s+");
            String name = words[words.length - 1];
            String type = p.substring(0, p.lastIndexOf(name)).replace(" ", "");
            Kind kind = pointer ? Kind.POINTER : type.equals("float") ? Kind.FLOAT : Kind.INT;
            params.add(new Param(name, kind, type));
        }
        return params;
    }
}
