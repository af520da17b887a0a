package org.smyrf4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.ClusterPlan;

/**
 * Checks the launches the Java side builds, without a GPU: argument lists against the
 * contract (docs/kernels.md) and, where present, the CUDA sources; grids and block sizes; and
 * that every buffer a kernel touches is large enough for the shape.
 */
class LaunchPlanTest {

    /** Shapes covering cross lengths, padding, odd dims, and segments past SORT_LOCAL. */
    private static final List<Object[]> CASES = List.of(
            new Object[] {new AttentionShape(2, 1024, 1024, 64, 64), 4, 64, null},
            new Object[] {new AttentionShape(3, 1000, 250, 59, 37), 3, 100, null},
            new Object[] {new AttentionShape(1, 5000, 5000, 16, 8), 2, 128, null},
            new Object[] {new AttentionShape(2, 7, 9, 3, 1), 1, 4, null});

    @Test
    void everyLaunchMatchesTheDocumentedSignature() throws IOException {
        Map<String, KernelSignatures.Signature> docs =
                KernelSignatures.fromDocs(Files.readString(RepoFiles.resolve("docs/kernels.md")));
        Set<String> launched = checkAllLaunches(docs, "docs/kernels.md");
        assertEquals(names(KernelPack.ENTRY_POINTS), launched, "every entry point is launched and documented");
        assertEquals(names(KernelPack.ENTRY_POINTS), docs.keySet(), "docs/kernels.md lists exactly the engine's entry points");
    }

    @Test
    void everyLaunchMatchesTheCudaSources() throws IOException {
        Path dir = RepoFiles.resolve("src/main/cuda");
        Assumptions.assumeTrue(Files.isDirectory(dir), "no CUDA sources at " + dir + " in this checkout");
        Map<String, KernelSignatures.Signature> sources = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path cu : files.filter(p -> p.toString().endsWith(".cu")).sorted().toList()) {
                String family = cu.getFileName().toString().replace(".cu", "");
                for (KernelSignatures.Signature sig : KernelSignatures.fromCuda(Files.readString(cu)).values()) {
                    sources.put(sig.entry(), sig);
                    EntryPoint entry = KernelPack.ENTRY_POINTS.stream().filter(e -> e.name().equals(sig.entry()))
                            .findFirst().orElse(null);
                    assertNotNull(entry, cu + " defines " + sig.entry() + ", which no Java launcher knows");
                    assertEquals(entry.family(), family, sig.entry() + " lives in " + cu.getFileName());
                    if (sig.launchBounds() != null) {
                        assertEquals(entry.blockThreads(), geometryValue(sig.launchBounds()),
                                sig.entry() + " __launch_bounds__(" + sig.launchBounds() + ") vs the launcher's block");
                    }
                }
            }
        }
        Assumptions.assumeFalse(sources.isEmpty(), "no .cu files in " + dir);
        checkAllLaunches(sources, dir.toString());
    }

    @Test
    void gridsFollowTheContract() {
        AttentionShape shape = new AttentionShape(3, 1000, 250, 59, 37);
        ClusterPlan plan = ClusterPlan.resolve(1000, 250, 100, null);
        SmyrfSizes s = SmyrfSizes.of(shape, 3, plan);
        assertEquals(10, s.clusters());
        assertEquals(25, s.keyClusterSize());
        assertEquals(1024, s.querySegment());
        assertEquals(256, s.keySegment());
        Map<String, KernelLaunch> byEntry = new HashMap<>();
        RecordingLauncher recorder = record(s, true, true);
        for (KernelLaunch l : recorder.launches) {
            byEntry.putIfAbsent(l.entryPoint().name() + ":" + firstPointer(l), l);
        }
        KernelLaunch nq = byEntry.get("smyrf_max_sq_norms:x");
        assertEquals(List.of(1, 3, 1), List.of(nq.gridX(), nq.gridY(), nq.gridZ()), "ceil(1000/2048), B");
        SmyrfSizes longRows = SmyrfSizes.of(new AttentionShape(2, 5000, 4097, 8, 8), 1,
                ClusterPlan.resolve(5000, 4097, 100, null));
        RecordingLauncher longRecorder = record(longRows, false, false);
        List<List<Integer>> normGrids = longRecorder.launches.stream()
                .filter(l -> l.entryPoint().name().equals("smyrf_max_sq_norms"))
                .map(l -> List.of(l.gridX(), l.gridY(), l.gridZ())).toList();
        assertEquals(List.of(List.of(3, 2, 1), List.of(3, 2, 1)), normGrids, "ceil(5000/2048), ceil(4097/2048); B");
        // The blocks fold into maxSq with an atomic max, so both are cleared (B words) first.
        assertEquals(List.of("MAX_SQ_Q:2", "MAX_SQ_K:2"), longRecorder.cleared);
        KernelLaunch hq = byEntry.get("smyrf_hash_queries:q");
        assertEquals(List.of(4, 3, 1), List.of(hq.gridX(), hq.gridY(), hq.gridZ()), "ceil(1024/256), B: every round per thread");
        KernelLaunch hk = byEntry.get("smyrf_hash_keys:k");
        assertEquals(1, hk.gridX(), "ceil(256/256)");
        KernelLaunch attn = byEntry.get("smyrf_cluster_attention:q");
        assertEquals(List.of(10, 3, 3), List.of(attn.gridX(), attn.gridY(), attn.gridZ()), "L, B, H");
        assertEquals(4 * (128 * 59 + 32 * 59 + 32 * 32), attn.sharedBytes());
        KernelLaunch combine = byEntry.get("smyrf_combine:roundOut");
        assertEquals(12, combine.gridX(), "ceil(3*1000/256)");
        KernelLaunch extract = byEntry.get("smyrf_extract_order:keys");
        assertEquals((9 * 1000 + 255) / 256, extract.gridX(), "ceil(H*B*Nq'/256)");
    }

    @Test
    void untracedCallsPassNullHashes() {
        SmyrfSizes s = SmyrfSizes.of(new AttentionShape(1, 64, 64, 8, 8), 2, ClusterPlan.resolve(64, 64, 16, 16));
        for (KernelLaunch l : record(s, true, false).launches) {
            for (KernelArg a : l.args()) {
                if (a instanceof KernelArg.Buffer b && b.name().equals("hashes")) {
                    assertEquals(null, b.buffer(), l.describe());
                }
            }
        }
    }

    @Test
    void buffersFlowFromWriterToReader() {
        AttentionShape shape = new AttentionShape(2, 3000, 700, 24, 40);
        SmyrfSizes s = SmyrfSizes.of(shape, 3, ClusterPlan.resolve(3000, 700, 100, null));
        RecordingLauncher recorder = record(s, true, true);
        List<KernelLaunch> launches = recorder.launches;
        // Every buffer a launch reads was written by an earlier launch, cleared (the norms' maxima,
        // cleared right before their launch: gridsFollowTheContract) or is an input.
        Set<String> written = new HashSet<>(Set.of("q", "k", "v", "keyValid", "PROJECTIONS"));
        recorder.cleared.forEach(c -> written.add(c.substring(0, c.indexOf(':'))));
        for (KernelLaunch l : launches) {
            for (KernelArg a : l.args()) {
                if (a instanceof KernelArg.Buffer b && b.buffer() != null && b.access() != KernelArg.Access.OUT) {
                    assertTrue(written.contains(b.buffer().purpose()), l.describe() + " reads " + b.name() + " = "
                            + b.buffer().purpose() + " before anything wrote it");
                }
            }
            for (KernelArg a : l.args()) {
                if (a instanceof KernelArg.Buffer b && b.buffer() != null && b.access() != KernelArg.Access.IN) {
                    written.add(b.buffer().purpose());
                }
            }
        }
        // Which buffer each parameter gets, per launch. L = 30 clusters, so Ck = 24 and Nk' = 720.
        Map<String, String> wiring = new LinkedHashMap<>();
        for (KernelLaunch l : launches) {
            StringBuilder sb = new StringBuilder();
            for (KernelArg a : l.args()) {
                if (a instanceof KernelArg.Buffer b) {
                    sb.append(b.name()).append('=').append(b.buffer() == null ? "null" : b.buffer().purpose()).append(' ');
                } else if (a instanceof KernelArg.Int i && (i.name().equals("len") || i.name().equals("segLen")
                        || i.name().equals("paddedLen"))) {
                    sb.append(i.name()).append('=').append(i.value()).append(' ');
                }
            }
            wiring.putIfAbsent(l.entryPoint().name() + ":" + sb, l.describe());
        }
        List<String> expected = List.of(
                "smyrf_max_sq_norms:x=q len=3000 maxSq=MAX_SQ_Q ",
                "smyrf_max_sq_norms:x=k len=700 maxSq=MAX_SQ_K ",
                "smyrf_hash_queries:q=q mq2=MAX_SQ_Q mk2=MAX_SQ_K A=PROJECTIONS keyValid=keyValid paddedLen=3000"
                        + " segLen=4096 hashes=QUERY_HASHES keys=QUERY_KEYS ",
                "smyrf_hash_keys:k=k mq2=MAX_SQ_Q mk2=MAX_SQ_K A=PROJECTIONS keyValid=keyValid paddedLen=720"
                        + " segLen=1024 hashes=KEY_HASHES keys=KEY_KEYS ",
                "smyrf_sort_local:keys=QUERY_KEYS segLen=4096 ",
                "smyrf_sort_global_step:keys=QUERY_KEYS segLen=4096 ",
                "smyrf_sort_local_merge:keys=QUERY_KEYS segLen=4096 ",
                "smyrf_sort_local:keys=KEY_KEYS segLen=1024 ",
                "smyrf_extract_order:keys=QUERY_KEYS segLen=4096 paddedLen=3000 order=QUERY_ORDER ",
                "smyrf_extract_order:keys=KEY_KEYS segLen=1024 paddedLen=720 order=KEY_ORDER ",
                "smyrf_cluster_attention:q=q k=k v=v keyValid=keyValid qOrder=QUERY_ORDER kOrder=KEY_ORDER"
                        + " roundOut=ROUND_OUT roundLse=ROUND_LSE ",
                "smyrf_combine:roundOut=ROUND_OUT roundLse=ROUND_LSE out=out ");
        assertEquals(expected, List.copyOf(wiring.keySet()));
    }

    @Test
    void extensionBuffersFlowFromWriterToReader() {
        SmyrfSizes s = SmyrfSizes.of(new AttentionShape(2, 300, 300, 16, 8), 3, ClusterPlan.resolve(300, 300, 30, null));
        // Both extensions: the keys sort with KEY_SORT_VALID, queries keep keyValid.
        assertEquals(List.of(
                "smyrf_hash_queries keyValid=keyValid",
                "smyrf_hash_keys keyValid=KEY_SORT_VALID",
                "smyrf_cluster_ids order=QUERY_ORDER ids=QUERY_CLUSTERS",
                "smyrf_cluster_ids order=KEY_ORDER ids=KEY_CLUSTERS",
                "smyrf_cluster_attention_union keyValid=KEY_SORT_VALID globalKeys=GLOBAL_KEYS qCluster=QUERY_CLUSTERS"
                        + " kCluster=KEY_CLUSTERS G=2 window=0 roundOut=ROUND_OUT",
                "smyrf_combine roundOut=ROUND_OUT H=3"), extensionWiring(record(s, true, false, 2, true)));
        // Union alone: no global keys, so no sort mask of its own either.
        assertEquals(List.of(
                "smyrf_hash_queries keyValid=null",
                "smyrf_hash_keys keyValid=null",
                "smyrf_cluster_ids order=QUERY_ORDER ids=QUERY_CLUSTERS",
                "smyrf_cluster_ids order=KEY_ORDER ids=KEY_CLUSTERS",
                "smyrf_cluster_attention_union keyValid=null globalKeys=null qCluster=QUERY_CLUSTERS"
                        + " kCluster=KEY_CLUSTERS G=0 window=0 roundOut=ROUND_OUT",
                "smyrf_combine roundOut=ROUND_OUT H=3"), extensionWiring(record(s, false, false, 0, true)));
        // Global keys alone.
        assertEquals(List.of(
                "smyrf_hash_queries keyValid=null",
                "smyrf_hash_keys keyValid=KEY_SORT_VALID",
                "smyrf_cluster_attention_global keyValid=KEY_SORT_VALID globalKeys=GLOBAL_KEYS G=1 roundOut=ROUND_OUT",
                "smyrf_combine roundOut=ROUND_OUT H=3"), extensionWiring(record(s, false, false, 1, false)));
    }

    @Test
    void windowRoundFollowsTheHashRounds() {
        SmyrfSizes s = SmyrfSizes.of(new AttentionShape(2, 300, 300, 16, 8), 3, ClusterPlan.resolve(300, 300, 30, null),
                4);
        assertEquals(4, s.rounds());
        assertEquals(4L * 2 * 300 * 8, s.roundOutCount(), "H + 1 rounds");
        // Window alone: the plain kernel for the hash rounds, the window kernel with the mask.
        assertEquals(List.of(
                "smyrf_hash_queries keyValid=keyValid",
                "smyrf_hash_keys keyValid=keyValid",
                "smyrf_cluster_attention keyValid=keyValid roundOut=ROUND_OUT",
                "smyrf_window_attention keyValid=keyValid qCluster=null kCluster=null window=4 roundOut=ROUND_OUT",
                "smyrf_combine roundOut=ROUND_OUT H=4"), extensionWiring(record(s, true, false, 0, false)));
        // Global keys: never in the window, so it takes the sort mask too.
        assertEquals(List.of(
                "smyrf_hash_queries keyValid=null",
                "smyrf_hash_keys keyValid=KEY_SORT_VALID",
                "smyrf_cluster_attention_global keyValid=KEY_SORT_VALID globalKeys=GLOBAL_KEYS G=1 roundOut=ROUND_OUT",
                "smyrf_window_attention keyValid=KEY_SORT_VALID qCluster=null kCluster=null window=4"
                        + " roundOut=ROUND_OUT",
                "smyrf_combine roundOut=ROUND_OUT H=4"), extensionWiring(record(s, false, false, 1, false)));
        // Both extensions: the union kernel counts the window, the window kernel reads the cluster ids.
        assertEquals(List.of(
                "smyrf_hash_queries keyValid=keyValid",
                "smyrf_hash_keys keyValid=KEY_SORT_VALID",
                "smyrf_cluster_ids order=QUERY_ORDER ids=QUERY_CLUSTERS",
                "smyrf_cluster_ids order=KEY_ORDER ids=KEY_CLUSTERS",
                "smyrf_cluster_attention_union keyValid=KEY_SORT_VALID globalKeys=GLOBAL_KEYS qCluster=QUERY_CLUSTERS"
                        + " kCluster=KEY_CLUSTERS G=2 window=4 roundOut=ROUND_OUT",
                "smyrf_window_attention keyValid=KEY_SORT_VALID qCluster=QUERY_CLUSTERS kCluster=KEY_CLUSTERS window=4"
                        + " roundOut=ROUND_OUT",
                "smyrf_combine roundOut=ROUND_OUT H=4"), extensionWiring(record(s, true, false, 2, true)));
        RecordingLauncher both = record(s, true, false, 2, true);
        KernelLaunch window = both.launches.stream()
                .filter(l -> l.entryPoint() == AttentionKernels.WINDOW_ATTENTION).findFirst().orElseThrow();
        assertEquals(List.of(3, 2, 1), List.of(window.gridX(), window.gridY(), window.gridZ()), "ceil(300/128), B");
        assertEquals(AttentionKernels.unionSharedBytes(s), window.sharedBytes());
        // The window kernel keeps the hash rounds' slots: in-out, so checked mode does not poison them.
        for (KernelArg a : window.args()) {
            if (a instanceof KernelArg.Buffer b && b.name().startsWith("round")) {
                assertEquals(KernelArg.Access.IN_OUT, b.access(), b.name());
            }
        }
    }

    @Test
    void tensorCoresRunThePlainRounds() {
        // Cq = 100 and Ck = 25 (not multiples of the kernel's 64 query rows or 32-key tiles), d = 59, dv = 37.
        AttentionShape shape = new AttentionShape(3, 1000, 250, 59, 37);
        SmyrfSizes s = SmyrfSizes.of(shape, 3, ClusterPlan.resolve(1000, 250, 100, null));
        List<KernelLaunch> on = record(s, true, false, 0, false, true).launches;
        KernelLaunch tc = on.stream().filter(l -> l.entryPoint() == AttentionKernels.TC_ATTENTION).findFirst()
                .orElseThrow(() -> new AssertionError("no tensor-core launch in " + on));
        assertEquals(List.of(10, 3, 3), List.of(tc.gridX(), tc.gridY(), tc.gridZ()), "L, B, H");
        assertEquals(256, tc.blockThreads());
        assertEquals(KernelGeometry.TC_THREADS, tc.blockThreads());
        // d 59 -> 64 (+4), dv 37 -> 48 (+4): 4 * (160*68 + 160*52 + 128*36).
        assertEquals(4 * (160 * 68 + 160 * 52 + 128 * 36), tc.sharedBytes());
        assertEquals(KernelGeometry.tensorCoreSharedBytes(59, 37), tc.sharedBytes());
        // Same arguments as the CUDA-core kernel, in the same order (buffers by purpose and size:
        // each recording has buffers of its own).
        List<KernelLaunch> off = record(s, true, false, 0, false, false).launches;
        KernelLaunch plain = off.stream().filter(l -> l.entryPoint() == AttentionKernels.CLUSTER_ATTENTION)
                .findFirst().orElseThrow();
        assertEquals(plain.args().toString(), tc.args().toString());
        // Every other launch is the same; the CUDA-core kernel does not run.
        assertEquals(off.size(), on.size());
        for (int i = 0; i < off.size(); i++) {
            KernelLaunch a = off.get(i);
            KernelLaunch b = on.get(i);
            if (a.entryPoint() == AttentionKernels.CLUSTER_ATTENTION) {
                assertEquals(AttentionKernels.TC_ATTENTION, b.entryPoint(), "launch " + i);
            } else {
                assertEquals(a.toString(), b.toString(), "launch " + i);
            }
        }
        assertTrue(on.stream().noneMatch(l -> l.entryPoint() == AttentionKernels.CLUSTER_ATTENTION));
        // Off: the plan of an engine without tensor cores, launch for launch.
        assertEquals(record(s, true, false).launches.toString(), off.toString());
    }

    @Test
    void tensorCoresLeaveTheExtensionsAndTheWindowAlone() {
        SmyrfSizes s = SmyrfSizes.of(new AttentionShape(2, 300, 300, 16, 8), 3, ClusterPlan.resolve(300, 300, 30, null),
                4);
        // Global keys, union softmax, both: their kernels, whatever the setting.
        for (int[] ext : new int[][] {{2, 0}, {0, 1}, {2, 1}}) {
            assertEquals(extensionWiring(record(s, true, false, ext[0], ext[1] == 1, false)),
                    extensionWiring(record(s, true, false, ext[0], ext[1] == 1, true)), "extensions " + ext[0] + ", "
                            + ext[1]);
        }
        // The window alone: the hash rounds on tensor cores, then the window's own kernel.
        assertEquals(List.of(
                "smyrf_hash_queries keyValid=keyValid",
                "smyrf_hash_keys keyValid=keyValid",
                "smyrf_cluster_attention_tc keyValid=keyValid roundOut=ROUND_OUT",
                "smyrf_window_attention keyValid=keyValid qCluster=null kCluster=null window=4 roundOut=ROUND_OUT",
                "smyrf_combine roundOut=ROUND_OUT H=4"), extensionWiring(record(s, true, false, 0, false, true)));
    }

    @Test
    void windowNeedsSelfAttention() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> SmyrfSizes.of(new AttentionShape(1, 8, 16, 4, 4), 1, ClusterPlan.resolve(8, 16, 4, null), 2));
        assertTrue(e.getMessage().contains("window 2 needs self-attention"), e.getMessage());
    }

    /** The launches that read the extensions' buffers, with those parameters (others left out). */
    private static List<String> extensionWiring(RecordingLauncher recorder) {
        Set<String> shown = Set.of("keyValid", "globalKeys", "qCluster", "kCluster", "order", "ids", "roundOut");
        // The int arguments each extension adds, and the rounds the combine mixes.
        Set<String> shownInts = Set.of("G", "window");
        List<String> lines = new java.util.ArrayList<>();
        for (KernelLaunch l : recorder.launches) {
            String entry = l.entryPoint().name();
            if (entry.startsWith("smyrf_sort") || entry.equals("smyrf_extract_order")
                    || entry.equals("smyrf_max_sq_norms")) {
                continue;
            }
            StringBuilder sb = new StringBuilder(entry);
            for (KernelArg a : l.args()) {
                if (a instanceof KernelArg.Buffer b && shown.contains(b.name())) {
                    sb.append(' ').append(b.name()).append('=').append(b.buffer() == null ? "null" : b.buffer().purpose());
                } else if (a instanceof KernelArg.Int i && (shownInts.contains(i.name())
                        || entry.equals("smyrf_combine") && i.name().equals("H"))) {
                    sb.append(' ').append(i.name()).append('=').append(i.value());
                }
            }
            lines.add(sb.toString());
        }
        return lines;
    }

    // ---------------------------------------------------------------------------------------

    private Set<String> checkAllLaunches(Map<String, KernelSignatures.Signature> signatures, String source) {
        Set<String> launched = new HashSet<>();
        for (Object[] c : CASES) {
            AttentionShape shape = (AttentionShape) c[0];
            int hashes = (Integer) c[1];
            ClusterPlan plan = ClusterPlan.resolve(shape.queryLen(), shape.keyLen(), (Integer) c[2], (Integer) c[3]);
            SmyrfSizes s = SmyrfSizes.of(shape, hashes, plan);
            for (boolean masked : new boolean[] {false, true}) {
                RecordingLauncher recorder = record(s, masked, true);
                // SPEC Extensions: global keys alone, union alone, both.
                for (int[] ext : new int[][] {{3, 0}, {0, 1}, {2, 1}}) {
                    recorder.launches.addAll(record(s, masked, true, ext[0], ext[1] == 1).launches);
                }
                // The plain rounds on tensor cores.
                recorder.launches.addAll(record(s, masked, true, 0, false, true).launches);
                DenseKernels dense = new DenseKernels(recorder);
                dense.attention(shape, buffer("q", 4L * shape.queryElements()), buffer("k", 4L * shape.keyElements()),
                        buffer("v", 4L * shape.valueElements()), masked ? buffer("keyValid", shape.maskElements()) : null,
                        0.5f, buffer("out", 4L * shape.outputElements()));
                recordLayerLaunches(recorder, shape, masked);
                checkLaunches(recorder, s, signatures, source, launched);
                // The local window (self-attention only): alone, with global keys, with both.
                if (shape.queryLen() == shape.keyLen()) {
                    SmyrfSizes windowed = SmyrfSizes.of(shape, hashes, plan, 5);
                    for (int[] ext : new int[][] {{0, 0}, {3, 0}, {2, 1}}) {
                        checkLaunches(record(windowed, masked, true, ext[0], ext[1] == 1), windowed, signatures, source,
                                launched);
                    }
                    checkLaunches(record(windowed, masked, true, 0, false, true), windowed, signatures, source, launched);
                }
            }
        }
        return launched;
    }

    /** Arguments, buffer sizes and block sizes of every recorded launch of a call with sizes {@code s}. */
    private static void checkLaunches(RecordingLauncher recorder, SmyrfSizes s,
            Map<String, KernelSignatures.Signature> signatures, String source, Set<String> launched) {
        for (KernelLaunch l : recorder.launches) {
            launched.add(l.entryPoint().name());
            KernelSignatures.Signature sig = signatures.get(l.entryPoint().name());
            assertNotNull(sig, l.entryPoint().name() + " is not in " + source);
            checkArguments(l, sig, source);
            checkBufferSizes(l, s);
            assertTrue(l.blockThreads() >= 1 && l.blockThreads() <= 1024, l.describe());
        }
    }

    /**
     * The layer's launches for a model of width dv * 3 with 3 heads (so the attention shape's
     * batch is B * 3): projections with and without bias, the bias rows, split and merge.
     */
    private static void recordLayerLaunches(RecordingLauncher recorder, AttentionShape shape, boolean withBias) {
        int heads = 3;
        int modelDim = heads * shape.valueDim();
        int rows = shape.batch() * shape.queryLen();
        GemmKernels gemm = new GemmKernels(recorder);
        DeviceBuffer x = buffer("x", 4L * rows * modelDim);
        DeviceBuffer y = buffer("y", 4L * rows * modelDim);
        gemm.linear(x, buffer("w", 4L * modelDim * modelDim), withBias ? buffer("bias", 4L * modelDim) : null, rows,
                modelDim, modelDim, y);
        gemm.broadcastRows(buffer("bias", 4L * modelDim), rows, modelDim, y);
        HeadKernels heads3 = new HeadKernels(recorder);
        heads3.split(y, shape.batch(), shape.queryLen(), heads, shape.valueDim(), x);
        heads3.merge(x, shape.batch(), shape.queryLen(), heads, shape.valueDim(), y);
    }

    private static RecordingLauncher record(SmyrfSizes s, boolean masked, boolean withHashes) {
        return record(s, masked, withHashes, 0, false);
    }

    /** The launches of one call on CUDA cores; with {@code globalCount > 0} or {@code union}, SPEC Extensions. */
    private static RecordingLauncher record(SmyrfSizes s, boolean masked, boolean withHashes, int globalCount,
            boolean union) {
        return record(s, masked, withHashes, globalCount, union, false);
    }

    /** As above; with {@code tensorCores}, the plain rounds on the tensor-core kernel. */
    private static RecordingLauncher record(SmyrfSizes s, boolean masked, boolean withHashes, int globalCount,
            boolean union, boolean tensorCores) {
        RecordingLauncher recorder = new RecordingLauncher();
        AttentionShape shape = s.shape();
        SmyrfSequence.BufferSource source = (slot, bytes) -> buffer(slot.name(), bytes);
        SmyrfSequence.Buffers b = SmyrfSequence.buffers(s, source,
                buffer("q", 4L * shape.queryElements()), buffer("k", 4L * shape.keyElements()),
                buffer("v", 4L * shape.valueElements()), masked ? buffer("keyValid", shape.maskElements()) : null,
                buffer("out", 4L * shape.outputElements()), withHashes);
        // As the engine: extension buffers whenever an extension or the window is on.
        SmyrfSequence.ExtensionBuffers ext = globalCount > 0 || union || s.window() > 0
                ? SmyrfSequence.ExtensionBuffers.of(s, source, globalCount, union) : null;
        new SmyrfSequence(recorder).run(s, b, ext, 0.125f, tensorCores);
        return recorder;
    }

    private static void checkArguments(KernelLaunch l, KernelSignatures.Signature sig, String source) {
        List<KernelArg> args = l.args();
        assertEquals(sig.params().size(), args.size(),
                l.entryPoint().name() + ": argument count vs " + source + " " + sig.params());
        for (int i = 0; i < args.size(); i++) {
            KernelSignatures.Param p = sig.params().get(i);
            KernelArg a = args.get(i);
            KernelSignatures.Kind kind = a instanceof KernelArg.Buffer ? KernelSignatures.Kind.POINTER
                    : a instanceof KernelArg.Int ? KernelSignatures.Kind.INT : KernelSignatures.Kind.FLOAT;
            assertEquals(p.kind(), kind, l.entryPoint().name() + " parameter " + i + " (" + p.name() + ") in " + source);
            String expectedName = p.name();
            String actualName = a.name();
            // Java names the hashed tensor by what it is (q or k); the .cu helper may call it x.
            if (!(i == 0 && l.entryPoint().family().equals("hash"))) {
                assertEquals(expectedName, actualName, l.entryPoint().name() + " parameter " + i + " in " + source);
            }
        }
    }

    /** Bytes each buffer parameter must hold, from the shapes in docs/kernels.md. */
    private static void checkBufferSizes(KernelLaunch l, SmyrfSizes s) {
        AttentionShape sh = s.shape();
        long b = sh.batch();
        long h = s.hashes();
        Map<String, Long> need = new HashMap<>();
        String entry = l.entryPoint().name();
        switch (entry) {
            case "smyrf_max_sq_norms" -> {
                need.put("x", 4L * arg(l, "rows") * arg(l, "len") * arg(l, "dim"));
                need.put("maxSq", 4L * arg(l, "rows"));
            }
            case "smyrf_hash_queries", "smyrf_hash_keys" -> {
                boolean queries = entry.equals("smyrf_hash_queries");
                long len = queries ? sh.queryLen() : sh.keyLen();
                need.put(queries ? "q" : "k", 4L * b * len * sh.dim());
                need.put("mq2", 4L * b);
                need.put("mk2", 4L * b);
                need.put("A", 4L * (sh.dim() + 2) * h);
                need.put("keyValid", b * sh.keyLen());
                need.put("hashes", 4L * h * b * len);
                need.put("keys", 8L * h * b * arg(l, "segLen"));
                assertEquals(queries ? s.paddedQueryLen() : s.paddedKeyLen(), arg(l, "paddedLen"), entry);
                assertEquals(KernelGeometry.segmentLength(arg(l, "paddedLen")), arg(l, "segLen"), entry);
            }
            case "smyrf_sort_local", "smyrf_sort_local_merge" ->
                need.put("keys", 8L * l.gridX() * Math.min(arg(l, "segLen"), KernelGeometry.SORT_LOCAL));
            case "smyrf_sort_global_step" -> need.put("keys", 8L * arg(l, "total"));
            case "smyrf_extract_order" -> {
                need.put("keys", 8L * arg(l, "segments") * arg(l, "segLen"));
                need.put("order", 4L * arg(l, "segments") * arg(l, "paddedLen"));
            }
            case "smyrf_cluster_ids" -> {
                need.put("order", 4L * arg(l, "segments") * arg(l, "paddedLen"));
                need.put("ids", 4L * arg(l, "segments") * arg(l, "len"));
                assertEquals(h * b, arg(l, "segments"), entry);
            }
            case "smyrf_cluster_attention", "smyrf_cluster_attention_global", "smyrf_cluster_attention_union",
                    "smyrf_cluster_attention_tc" -> {
                if (entry.endsWith("_global") || entry.endsWith("_union")) {
                    need.put("globalKeys", 4L * b * arg(l, "G"));
                    need.put("qCluster", 4L * h * b * sh.queryLen());
                    need.put("kCluster", 4L * h * b * sh.keyLen());
                }
                long shared = entry.endsWith("_tc") ? KernelGeometry.tensorCoreSharedBytes(sh.dim(), sh.valueDim())
                        : KernelGeometry.clusterSharedBytes(KernelGeometry.ATTN_THREADS, sh.dim())
                                + (entry.endsWith("_union") ? KernelGeometry.unionSharedBytes(
                                        KernelGeometry.ATTN_THREADS, s.hashes()) : 0);
                assertEquals(shared, l.sharedBytes(), entry + " dynamic shared memory");
                assertEquals(List.of(s.clusters(), sh.batch(), s.hashes()), List.of(l.gridX(), l.gridY(), l.gridZ()),
                        entry + ": L, B, H");
                need.put("q", 4L * b * sh.queryLen() * sh.dim());
                need.put("k", 4L * b * sh.keyLen() * sh.dim());
                need.put("v", 4L * b * sh.keyLen() * sh.valueDim());
                need.put("keyValid", b * sh.keyLen());
                need.put("qOrder", 4L * h * b * arg(l, "L") * arg(l, "Cq"));
                need.put("kOrder", 4L * h * b * arg(l, "L") * arg(l, "Ck"));
                need.put("roundOut", 4L * h * b * sh.queryLen() * sh.valueDim());
                need.put("roundLse", 4L * h * b * sh.queryLen());
            }
            case "smyrf_window_attention" -> {
                // Writes slot H of (H+1, B, Nq, dv): the whole buffer must exist.
                assertEquals(s.window(), arg(l, "window"), entry);
                assertTrue(s.window() > 0 && sh.queryLen() == sh.keyLen(), entry + " needs a window and Nq == Nk");
                assertEquals(List.of((sh.queryLen() + KernelGeometry.ATTN_THREADS - 1) / KernelGeometry.ATTN_THREADS,
                        sh.batch(), 1), List.of(l.gridX(), l.gridY(), l.gridZ()), "ceil(Nq / ATTN_THREADS), B");
                boolean union = l.args().stream().anyMatch(a -> a instanceof KernelArg.Buffer buf
                        && buf.name().equals("kCluster") && buf.buffer() != null);
                long shared = KernelGeometry.clusterSharedBytes(KernelGeometry.ATTN_THREADS, sh.dim())
                        + (union ? KernelGeometry.unionSharedBytes(KernelGeometry.ATTN_THREADS, s.hashes()) : 0);
                assertEquals(shared, l.sharedBytes(), entry + " dynamic shared memory");
                need.put("q", 4L * b * sh.queryLen() * sh.dim());
                need.put("k", 4L * b * sh.keyLen() * sh.dim());
                need.put("v", 4L * b * sh.keyLen() * sh.valueDim());
                need.put("keyValid", b * sh.keyLen());
                need.put("qCluster", 4L * h * b * sh.queryLen());
                need.put("kCluster", 4L * h * b * sh.keyLen());
                need.put("roundOut", 4L * (h + 1) * b * sh.queryLen() * sh.valueDim());
                need.put("roundLse", 4L * (h + 1) * b * sh.queryLen());
            }
            case "smyrf_combine" -> {
                need.put("roundOut", 4L * arg(l, "H") * arg(l, "rows") * arg(l, "dv"));
                need.put("roundLse", 4L * arg(l, "H") * arg(l, "rows"));
                need.put("out", 4L * arg(l, "rows") * arg(l, "dv"));
            }
            case "smyrf_dense_attention" -> {
                need.put("q", 4L * b * sh.queryLen() * sh.dim());
                need.put("k", 4L * b * sh.keyLen() * sh.dim());
                need.put("v", 4L * b * sh.keyLen() * sh.valueDim());
                need.put("keyValid", b * sh.keyLen());
                need.put("out", 4L * b * sh.queryLen() * sh.valueDim());
            }
            case "smyrf_linear" -> {
                need.put("x", 4L * arg(l, "rows") * arg(l, "in"));
                need.put("w", 4L * arg(l, "out") * arg(l, "in"));
                need.put("bias", 4L * arg(l, "out"));
                need.put("y", 4L * arg(l, "rows") * arg(l, "out"));
                assertEquals(List.of((arg(l, "rows") + KernelGeometry.GEMM_TILE_M - 1) / KernelGeometry.GEMM_TILE_M,
                        (arg(l, "out") + KernelGeometry.GEMM_TILE_N - 1) / KernelGeometry.GEMM_TILE_N, 1),
                        List.of(l.gridX(), l.gridY(), l.gridZ()), "ceil(rows / TILE_M), ceil(out / TILE_N)");
            }
            case "smyrf_broadcast_rows" -> {
                need.put("row", 4L * arg(l, "cols"));
                need.put("out", 4L * arg(l, "rows") * arg(l, "cols"));
                assertTrue((long) l.gridX() * l.blockThreads() >= (long) arg(l, "rows") * arg(l, "cols"), l.describe());
            }
            case "smyrf_split_heads", "smyrf_merge_heads" -> {
                long elements = 4L * arg(l, "B") * arg(l, "len") * arg(l, "heads") * arg(l, "headDim");
                need.put("x", elements);
                need.put("out", elements);
                assertTrue((long) l.gridX() * l.blockThreads() * 4 >= elements, l.describe());
            }
            default -> fail("unexpected launch " + l.describe());
        }
        for (KernelArg a : l.args()) {
            if (a instanceof KernelArg.Buffer buf && buf.buffer() != null) {
                Long bytes = need.get(buf.name());
                assertNotNull(bytes, entry + ": no size rule for buffer " + buf.name());
                assertTrue(buf.buffer().bytes() >= bytes, entry + ": " + buf.name() + " holds " + buf.buffer().bytes()
                        + " bytes, the kernel touches " + bytes);
            }
        }
    }

    private static int arg(KernelLaunch l, String name) {
        for (KernelArg a : l.args()) {
            if (a instanceof KernelArg.Int i && i.name().equals(name)) {
                return i.value();
            }
        }
        throw new AssertionError(l.entryPoint().name() + " has no int argument " + name);
    }

    private static String firstPointer(KernelLaunch l) {
        for (KernelArg a : l.args()) {
            if (a instanceof KernelArg.Buffer b) {
                return b.name();
            }
        }
        return "";
    }

    private static DeviceBuffer buffer(String name, long bytes) {
        return RecordingLauncher.fakeBuffer(name, Math.max(bytes, 1));
    }

    /**
     * The block size of a {@code __launch_bounds__} such as {@code SMYRF_SORT_THREADS} or
     * {@code SMYRF_HASH_THREADS, 1} (the optional second argument is the minimum blocks per SM).
     */
    private static int geometryValue(String text) {
        String name = text.split(",")[0].trim();
        if (name.matches("\\d+")) {
            return Integer.parseInt(name);
        }
        try {
            return KernelGeometry.class.getField(name.replaceFirst("^SMYRF_", "")).getInt(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("__launch_bounds__(" + text + ") names no KernelGeometry constant");
        }
    }

    private static Set<String> names(List<EntryPoint> entries) {
        Set<String> names = new HashSet<>();
        entries.forEach(e -> names.add(e.name()));
        assertFalse(names.isEmpty());
        return names;
    }
}
