package org.smyrf4j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionEngine;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.BackendKind;
import org.smyrf4j.Mode;
import org.smyrf4j.cpu.CpuEngine;
import org.smyrf4j.cuda.GpuTestSupport.MaskKind;

/**
 * The CUDA engine's own behaviour with default options (no poisoning, one synchronization per
 * call): device tensors, concurrency, memory, bad input, closing.
 */
@Tag("gpu")
class CudaEngineTest {

    private static final int THREADS = 8;
    private static final int CALLS_PER_THREAD = 12;
    /** Slack for cuMemGetInfo between two quiet moments: the driver's own bookkeeping, not ours. */
    private static final long MEMORY_SLACK_BYTES = 64L << 20;

    private static CudaProbe.Result probe;
    private static CudaEngine engine;

    @BeforeAll
    static void open() {
        probe = CudaProbe.probe();
        if (probe.usable()) {
            engine = CudaEngine.open(probe);
        } else {
            // Printed once per class so the build log, not only the reports, says why.
            System.out.println("CudaEngineTest skipped: CUDA unusable here: " + probe.reason());
        }
    }

    /** Each test skips with the probe's reason where CUDA cannot run (visible per test in the reports). */
    @BeforeEach
    void requireGpu() {
        GpuTestSupport.requireUsableGpu();
    }

    @AfterAll
    static void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private record Case(AttentionConfig config, AttentionInputs inputs) {
    }

    /** Mixed shapes and modes, some masked. */
    private static List<Case> mixedCases(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Case> cases = new ArrayList<>();
        AttentionShape[] shapes = {
            new AttentionShape(2, 512, 512, 64, 64), new AttentionShape(1, 1000, 300, 59, 37),
            new AttentionShape(3, 97, 97, 16, 8), new AttentionShape(1, 4096, 4096, 32, 32),
            new AttentionShape(2, 200, 200, 128, 96), new AttentionShape(1, 3000, 3000, 8, 4),
        };
        for (int i = 0; i < shapes.length; i++) {
            AttentionShape s = shapes[i];
            Mode mode = i == 2 ? Mode.DENSE : Mode.SMYRF;
            MaskKind mask = i % 2 == 0 ? MaskKind.PREFIX : MaskKind.NONE;
            AttentionConfig config = AttentionConfig.builder().mode(mode).hashes(1 + i % 4).queryClusterSize(64)
                    .seed(i).build();
            cases.add(new Case(config, GpuTestSupport.randomInputs(random, s, mask, false)));
        }
        return cases;
    }

    @Test
    void defaultAndCheckedEnginesAgreeBitForBit() {
        try (CudaEngine checked = CudaEngine.open(probe, CudaEngine.Options.CHECKED)) {
            for (Case c : mixedCases(1)) {
                assertArrayEquals(checked.attend(c.config, c.inputs), engine.attend(c.config, c.inputs),
                        c.inputs.shape().toString());
            }
        }
    }

    @Test
    void repeatedCallsAreBitIdentical() {
        Case c = mixedCases(2).get(1);
        float[] first = engine.attend(c.config, c.inputs);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(first, engine.attend(c.config, c.inputs));
        }
    }

    @Test
    void deviceTensorsGiveTheHostResult() {
        for (Case c : mixedCases(3)) {
            AttentionShape s = c.inputs.shape();
            float[] expected = engine.attend(c.config, c.inputs);
            try (DeviceTensor q = engine.upload(c.inputs.q(), s.batch(), s.queryLen(), s.dim());
                    DeviceTensor k = engine.upload(c.inputs.k(), s.batch(), s.keyLen(), s.dim());
                    DeviceTensor v = engine.upload(c.inputs.v(), s.batch(), s.keyLen(), s.valueDim());
                    DeviceMask mask = c.inputs.hasMask() ? engine.uploadMask(c.inputs.keyValid(), s.batch(), s.keyLen())
                            : null;
                    DeviceTensor out = engine.allocate(s.batch(), s.queryLen(), s.valueDim())) {
                engine.attend(c.config, q, k, v, mask, out);
                assertArrayEquals(expected, engine.download(out), s + " device vs host entry point");
                assertArrayEquals(c.inputs.q(), engine.download(q), "inputs are not modified");
            }
        }
    }

    @Test
    void concurrentCallsGiveSequentialResults() throws Exception {
        List<Case> cases = mixedCases(4);
        List<float[]> sequential = new ArrayList<>();
        for (Case c : cases) {
            sequential.add(engine.attend(c.config, c.inputs));
        }
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < CALLS_PER_THREAD; i++) {
                        int which = (thread + i) % cases.size();
                        Case c = cases.get(which);
                        float[] out = engine.attend(c.config, c.inputs);
                        for (int e = 0; e < out.length; e++) {
                            if (Float.floatToIntBits(out[e]) != Float.floatToIntBits(sequential.get(which)[e])) {
                                return "thread " + thread + " call " + i + " case " + which + ": first difference at "
                                        + e + ": sequential " + sequential.get(which)[e] + ", concurrent " + out[e];
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<String> f : results) {
                String failure = f.get();
                assertEquals(null, failure);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void warmCallsAllocateNothingAndReleasedMemoryReturns() {
        engine.releaseWorkspace();
        DeviceMemoryStats before = engine.memoryStats();
        List<Case> cases = mixedCases(5);
        for (Case c : cases) {
            engine.attend(c.config, c.inputs);
            engine.trace(c.config.toBuilder().mode(Mode.SMYRF).build(), c.inputs);
        }
        long warm = engine.memoryStats().allocations();
        for (int round = 0; round < 3; round++) {
            for (Case c : cases) {
                engine.attend(c.config, c.inputs);
                engine.trace(c.config.toBuilder().mode(Mode.SMYRF).build(), c.inputs);
            }
        }
        assertEquals(warm, engine.memoryStats().allocations(), "calls after warm-up allocate no device memory");
        for (int i = 0; i < 20; i++) {
            Case c = cases.get(i % cases.size());
            AttentionShape s = c.inputs.shape();
            try (DeviceTensor t = engine.upload(c.inputs.q(), s.batch(), s.queryLen(), s.dim())) {
                assertEquals(s.queryElements(), t.elements());
            }
        }
        engine.releaseWorkspace();
        DeviceMemoryStats after = engine.memoryStats();
        assertEquals(before.liveBuffers(), after.liveBuffers(), "live buffers " + before + " -> " + after);
        assertEquals(before.liveBytes(), after.liveBytes(), "live bytes");
        assertTrue(Math.abs(before.deviceFree() - after.deviceFree()) <= MEMORY_SLACK_BYTES,
                "device free memory " + before.deviceFree() + " -> " + after.deviceFree());
    }

    @Test
    void headDimBeyondSharedMemoryIsRefused() {
        int dim = engine.maxDim() + 1;
        AttentionShape shape = new AttentionShape(1, 8, 8, dim, 4);
        AttentionInputs inputs = GpuTestSupport.randomInputs(new SplittableRandom(6), shape, MaskKind.NONE, false);
        for (Mode mode : new Mode[] {Mode.SMYRF, Mode.DENSE}) {
            AttentionConfig config = AttentionConfig.builder().mode(mode).hashes(1).clusterSize(4).build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> engine.attend(config, inputs));
            assertTrue(e.getMessage().contains("dim=" + dim), e.getMessage());
        }
        // The largest accepted dim runs (and needs the raised dynamic shared memory limit).
        AttentionShape fits = new AttentionShape(1, 8, 8, engine.maxDim(), 4);
        AttentionInputs ok = GpuTestSupport.randomInputs(new SplittableRandom(7), fits, MaskKind.NONE, false);
        float[] out = engine.attend(AttentionConfig.builder().hashes(1).clusterSize(4).build(), ok);
        GpuTestSupport.assertNoNaN("max dim", out);
    }

    /**
     * SPEC Extensions: device tensors with a device mask give the host result bit for bit (the
     * mask's kept bytes resolve the global keys), a global key position outside a row is refused
     * with the CPU engine's message, and union rounds whose ids outgrow shared memory are refused
     * naming {@code hashes}.
     */
    @Test
    void extensionsRunOnDeviceTensorsAndRefuseWhatDoesNotFit() {
        AttentionShape shape = new AttentionShape(2, 300, 300, 32, 16);
        AttentionInputs inputs = GpuTestSupport.randomInputs(new SplittableRandom(8), shape, MaskKind.PREFIX, false);
        AttentionConfig config = AttentionConfig.builder().hashes(3).clusterSize(50).globalKeys(0, -1)
                .unionRounds(true).build();
        float[] host = engine.attend(config, inputs);
        try (DeviceTensor q = engine.upload(inputs.q(), 2, 300, 32);
                DeviceTensor k = engine.upload(inputs.k(), 2, 300, 32);
                DeviceTensor v = engine.upload(inputs.v(), 2, 300, 16);
                DeviceMask mask = engine.uploadMask(inputs.keyValid(), 2, 300);
                DeviceTensor out = engine.allocate(2, 300, 16)) {
            engine.attend(config, q, k, v, mask, out);
            assertArrayEquals(host, engine.download(out), "device tensors vs host arrays");
            // The local window's round too (docs/kernels.md "Local window").
            AttentionConfig windowed = config.toBuilder().localWindow(7).build();
            engine.attend(windowed, q, k, v, mask, out);
            assertArrayEquals(engine.attend(windowed, inputs), engine.download(out), "window: device vs host");
        }
        try (CpuEngine cpu = new CpuEngine(1)) {
            AttentionConfig outside = config.toBuilder().globalKeys(300).build();
            IllegalArgumentException cpuError = assertThrows(IllegalArgumentException.class,
                    () -> cpu.attend(outside, inputs));
            IllegalArgumentException gpuError = assertThrows(IllegalArgumentException.class,
                    () -> engine.attend(outside, inputs));
            assertEquals(cpuError.getMessage(), gpuError.getMessage());
            // A window on cross-attention: refused with the CPU engine's message.
            AttentionConfig windowed = config.toBuilder().localWindow(3).build();
            AttentionInputs cross = GpuTestSupport.randomInputs(new SplittableRandom(9),
                    new AttentionShape(1, 300, 280, 32, 16), MaskKind.NONE, false);
            IllegalArgumentException cpuWindow = assertThrows(IllegalArgumentException.class,
                    () -> cpu.attend(windowed, cross));
            IllegalArgumentException gpuWindow = assertThrows(IllegalArgumentException.class,
                    () -> engine.attend(windowed, cross));
            assertEquals(cpuWindow.getMessage(), gpuWindow.getMessage());
            assertTrue(gpuWindow.getMessage().contains("needs self-attention"), gpuWindow.getMessage());
        }
        AttentionConfig manyRounds = AttentionConfig.builder().hashes(4000).clusterSize(50).unionRounds(true).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> engine.attend(manyRounds, inputs));
        assertTrue(e.getMessage().contains("hashes=4000"), e.getMessage());
    }

    @Test
    void badTensorsAreRefused() {
        AttentionConfig config = AttentionConfig.builder().hashes(1).clusterSize(4).build();
        try (DeviceTensor q = engine.allocate(1, 8, 16);
                DeviceTensor k = engine.allocate(1, 8, 16);
                DeviceTensor kWrongDim = engine.allocate(1, 8, 15);
                DeviceTensor v = engine.allocate(1, 8, 4);
                DeviceTensor out = engine.allocate(1, 8, 4);
                DeviceMask wrongMask = engine.uploadMask(new boolean[9], 1, 9)) {
            assertIae("k must be", () -> engine.attend(config, q, kWrongDim, v, null, out));
            assertIae("keyValid must be", () -> engine.attend(config, q, k, v, wrongMask, out));
            assertIae("out must not be", () -> engine.attend(config, q, k, v, null, v));
            assertIae("data must hold", () -> engine.upload(new float[5], 2, 3));
            assertIae("shape[1] must be > 0", () -> engine.allocate(2, 0));
            DeviceTensor closed = engine.allocate(1, 8, 16);
            closed.close();
            assertIae("q is closed", () -> engine.attend(config, closed, k, v, null, out));
            try (CudaEngine other = CudaEngine.open(probe);
                    DeviceTensor foreign = other.allocate(1, 8, 16)) {
                assertIae("belongs to another engine", () -> engine.attend(config, foreign, k, v, null, out));
            }
        }
    }

    @Test
    void closingFreesTensorsAndRefusesCalls() {
        CudaEngine local = CudaEngine.open(probe);
        DeviceTensor t = local.allocate(4, 4);
        local.close();
        assertTrue(t.isClosed(), "closing the engine frees its tensors");
        t.close(); // a second close does nothing
        local.close();
        AttentionShape s = new AttentionShape(1, 4, 4, 4, 4);
        AttentionInputs inputs = GpuTestSupport.randomInputs(new SplittableRandom(8), s, MaskKind.NONE, false);
        assertThrows(IllegalStateException.class, () -> local.attend(AttentionConfig.builder().build(), inputs));
    }

    @Test
    void attentionEngineRunsOnCuda() {
        try (AttentionEngine e = AttentionEngine.create(BackendKind.CUDA)) {
            assertEquals(BackendKind.CUDA, e.backend());
            Case c = mixedCases(9).get(0);
            assertArrayEquals(engine.attend(c.config, c.inputs), e.attend(c.config, c.inputs));
        }
    }

    private static void assertIae(String messagePart, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(messagePart), "expected '" + messagePart + "' in: " + e.getMessage());
    }
}
