package org.smyrf4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Runs the sort launch sequence of {@link SortKernels} through a Java model of each entry
 * point's contract (docs/kernels.md) and checks every segment ends sorted. This validates the
 * sequence (stages, distances, grids) without a GPU; the kernels themselves are checked
 * against the same contract on the GPU.
 */
class SortLaunchSequenceTest {

    @Test
    void sequenceSortsEverySegmentLength() {
        SplittableRandom random = new SplittableRandom(11);
        int checked = 0;
        for (int segLen = 1; segLen <= 1 << 15; segLen <<= 1) {
            for (int segments : new int[] {1, 3}) {
                long[] keys = new long[segLen * segments];
                for (int i = 0; i < keys.length; i++) {
                    // Few distinct values so equal keys are common; sign bit set in some.
                    keys[i] = random.nextInt(1 + segLen / 4) * 0x9E3779B97F4A7C15L;
                }
                long[] expected = keys.clone();
                for (int s = 0; s < segments; s++) {
                    sortUnsigned(expected, s * segLen, (s + 1) * segLen);
                }
                RecordingLauncher recorder = new RecordingLauncher();
                DeviceBuffer buffer = RecordingLauncher.fakeBuffer("keys", 8L * keys.length);
                new SortKernels(recorder).sort(buffer, segLen, segments);
                for (KernelLaunch launch : recorder.launches) {
                    emulate(launch, keys);
                }
                for (int i = 0; i < keys.length; i++) {
                    if (keys[i] != expected[i]) {
                        fail("segLen=" + segLen + " segments=" + segments + ": first mismatch at " + i + ": expected "
                                + Long.toUnsignedString(expected[i]) + ", got " + Long.toUnsignedString(keys[i]));
                    }
                }
                checked++;
            }
        }
        assertEquals(32, checked);
    }

    @Test
    void segmentsUpToSortLocalNeedOneLaunch() {
        RecordingLauncher recorder = new RecordingLauncher();
        new SortKernels(recorder).sort(RecordingLauncher.fakeBuffer("keys", 8L * 2048 * 5), 2048, 5);
        assertEquals(1, recorder.launches.size());
        assertEquals(5, recorder.launches.get(0).gridX());
    }

    @Test
    void longSegmentsRunGlobalStepsThenLocalMerges() {
        RecordingLauncher recorder = new RecordingLauncher();
        new SortKernels(recorder).sort(RecordingLauncher.fakeBuffer("keys", 8L * 8192 * 2), 8192, 2);
        // local; k=4096: global j=2048, merge; k=8192: global j=4096, 2048, merge.
        String[] expected = {"smyrf_sort_local", "smyrf_sort_global_step", "smyrf_sort_local_merge",
            "smyrf_sort_global_step", "smyrf_sort_global_step", "smyrf_sort_local_merge"};
        assertEquals(Arrays.asList(expected), recorder.launches.stream().map(l -> l.entryPoint().name()).toList());
        KernelLaunch step = recorder.launches.get(1);
        assertEquals(8, step.gridX(), "16384 keys = 8192 pairs = 8 blocks of 1024 threads");
        assertTrue(recorder.launches.stream().allMatch(l -> l.blockThreads() == KernelGeometry.SORT_THREADS));
    }

    /** Sorts a range as unsigned 64-bit values (the keys are uint64 on the device). */
    private static void sortUnsigned(long[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            a[i] ^= Long.MIN_VALUE;
        }
        Arrays.sort(a, from, to);
        for (int i = from; i < to; i++) {
            a[i] ^= Long.MIN_VALUE;
        }
    }

    // ---- A model of sort.cu's contract, one method per entry point --------------------------

    private static void emulate(KernelLaunch launch, long[] keys) {
        int segLen = intArg(launch, "segLen");
        switch (launch.entryPoint().name()) {
            case "smyrf_sort_local" -> {
                int n = Math.min(segLen, KernelGeometry.SORT_LOCAL);
                assertEquals(keys.length / n, launch.gridX(), "sort_local grid");
                for (int block = 0; block < launch.gridX(); block++) {
                    for (int k = 2; k <= n; k <<= 1) {
                        for (int j = k >> 1; j > 0; j >>= 1) {
                            step(keys, block * n, n, segLen, k, j);
                        }
                    }
                }
            }
            case "smyrf_sort_global_step" -> {
                int k = intArg(launch, "k");
                int j = intArg(launch, "j");
                int total = intArg(launch, "total");
                assertEquals(keys.length, total, "total");
                assertTrue(j >= KernelGeometry.SORT_LOCAL, "global steps only for j >= SORT_LOCAL, got " + j);
                assertTrue((long) launch.gridX() * launch.blockThreads() >= total / 2, "grid covers every pair");
                step(keys, 0, total, segLen, k, j);
            }
            case "smyrf_sort_local_merge" -> {
                int k = intArg(launch, "k");
                int n = KernelGeometry.SORT_LOCAL;
                assertEquals(keys.length / n, launch.gridX(), "local_merge grid");
                for (int block = 0; block < launch.gridX(); block++) {
                    for (int j = n / 2; j > 0; j >>= 1) {
                        step(keys, block * n, n, segLen, k, j);
                    }
                }
            }
            default -> fail("unexpected launch " + launch.describe());
        }
    }

    /**
     * One compare-exchange step of the bitonic network over {@code keys[start, start+n)}:
     * pairs (lo, lo+j) with {@code lo & j == 0}, ascending when {@code (i & k) == 0}, i the
     * index inside the segment.
     */
    private static void step(long[] keys, int start, int n, int segLen, int k, int j) {
        for (int lo = start; lo < start + n; lo++) {
            if ((lo & j) != 0) {
                continue;
            }
            int inSegment = lo & (segLen - 1);
            boolean ascending = (inSegment & k) == 0;
            long a = keys[lo];
            long b = keys[lo + j];
            if ((Long.compareUnsigned(a, b) > 0) == ascending) {
                keys[lo] = b;
                keys[lo + j] = a;
            }
        }
    }

    private static int intArg(KernelLaunch launch, String name) {
        for (KernelArg arg : launch.args()) {
            if (arg instanceof KernelArg.Int i && i.name().equals(name)) {
                return i.value();
            }
        }
        throw new AssertionError(launch.entryPoint().name() + " has no int argument " + name);
    }
}
