package org.smyrf4j.cuda;

import java.util.SplittableRandom;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.Mode;
import org.smyrf4j.SmyrfTrace;
import org.smyrf4j.cpu.CpuEngine;
import org.smyrf4j.cuda.GpuTestSupport.MaskKind;

/**
 * The CUDA engine end to end on whatever libcuda.so.1 the process finds, meant for the stand-in
 * of {@code make fakecuda} (FakeCudaDriverTest runs it in a child JVM with that library on
 * LD_LIBRARY_PATH): checked mode, every path once on small shapes, each against the CPU engine.
 * Exits 0 when everything agrees, 3 when CUDA is unusable (with the reason), else throws.
 */
final class FakeDriverSmoke {

    /** Continuous stages against the CPU engine: the emulation computes what the GPU does in float32. */
    private static final double TOLERANCE = 1e-5;

    private FakeDriverSmoke() {
    }

    public static void main(String[] args) {
        CudaProbe.Result probe = CudaProbe.probe();
        if (!probe.usable()) {
            System.out.println("CUDA unusable: " + probe.reason());
            System.exit(3);
        }
        SplittableRandom random = new SplittableRandom(5);
        try (CudaEngine gpu = CudaEngine.open(probe, CudaEngine.Options.CHECKED);
                CpuEngine cpu = new CpuEngine()) {
            System.out.println("engine: " + gpu.description());
            // Self-attention with padding (invalid queries), dv over one 32-column chunk.
            traced(gpu, cpu, random, new AttentionShape(2, 50, 50, 8, 40), 2, 16, MaskKind.PREFIX);
            // Cross lengths with key holes; d = 96 needs the raised dynamic shared memory limit.
            traced(gpu, cpu, random, new AttentionShape(1, 40, 70, 96, 8), 1, 8, MaskKind.RANDOM);
            // 2100 tokens: sort segments of 4096 > SORT_LOCAL, so the global merge steps run.
            traced(gpu, cpu, random, new AttentionShape(1, 2100, 2100, 4, 4), 1, 700, MaskKind.NONE);
            // SPEC Extensions: both (padding, dv over one chunk), global keys alone on cross lengths
            // with key holes, union alone; the untraced and device-tensor paths and a bad position.
            AttentionConfig.Builder both = AttentionConfig.builder().globalKeys(0, -1, 3).unionRounds(true);
            traced(gpu, cpu, random, new AttentionShape(2, 50, 50, 8, 40), 3, 16, MaskKind.PREFIX, both);
            traced(gpu, cpu, random, new AttentionShape(1, 40, 70, 16, 8), 2, 8, MaskKind.RANDOM,
                    AttentionConfig.builder().globalKeys(-1, 5, -1));
            traced(gpu, cpu, random, new AttentionShape(1, 50, 50, 8, 8), 2, 10, MaskKind.NONE,
                    AttentionConfig.builder().unionRounds(true));
            extensionsOnDeviceTensors(gpu, cpu, random);
            // The local window: alone (w = 3, padding), and with both extensions at w = 40 over
            // two blocks of 128 queries (spans of seven key tiles), key holes, dv 37.
            traced(gpu, cpu, random, new AttentionShape(2, 50, 50, 8, 40), 2, 16, MaskKind.PREFIX,
                    AttentionConfig.builder().localWindow(3));
            traced(gpu, cpu, random, new AttentionShape(2, 150, 150, 8, 37), 2, 20, MaskKind.RANDOM,
                    AttentionConfig.builder().globalKeys(0, -1).unionRounds(true).localWindow(40));
            windowOnDeviceTensors(gpu, cpu, random);
            // Dense and auto on host arrays, and the untraced SMYRF path (null hash pointers).
            AttentionShape shape = new AttentionShape(2, 90, 90, 16, 24);
            AttentionInputs inputs = GpuTestSupport.randomInputs(random, shape, MaskKind.SOME_ROW_EMPTY, true);
            for (Mode mode : Mode.values()) {
                AttentionConfig config = AttentionConfig.builder().mode(mode).hashes(2).queryClusterSize(30).build();
                compare(mode + " attend", cpu.attend(config, inputs), gpu.attend(config, inputs));
            }
            // Auto picks dense where H * Ck >= Nk: 4 * 30 >= 90.
            AttentionConfig autoDense = AttentionConfig.builder().mode(Mode.AUTO).hashes(4).queryClusterSize(30).build();
            if (autoDense.resolveMode(90, 90) != Mode.DENSE) {
                throw new AssertionError("auto should pick dense here: " + autoDense);
            }
            compare("AUTO (dense) attend", cpu.attend(autoDense, inputs), gpu.attend(autoDense, inputs));
            // Device tensors give the host result.
            AttentionConfig config = AttentionConfig.builder().hashes(2).queryClusterSize(30).build();
            try (DeviceTensor q = gpu.upload(inputs.q(), 2, 90, 16);
                    DeviceTensor k = gpu.upload(inputs.k(), 2, 90, 16);
                    DeviceTensor v = gpu.upload(inputs.v(), 2, 90, 24);
                    DeviceMask mask = gpu.uploadMask(inputs.keyValid(), 2, 90);
                    DeviceTensor out = gpu.allocate(2, 90, 24)) {
                gpu.attend(config, q, k, v, mask, out);
                compare("device tensors", gpu.attend(config, inputs), gpu.download(out));
            }
            DeviceMemoryStats memory = gpu.memoryStats();
            System.out.println("memory: " + memory);
            tensorCores(probe, cpu, random);
        }
        System.out.println("fake driver smoke: OK");
    }

    /**
     * A second engine with tensor cores on: the plain hash rounds on {@code smyrf_cluster_attention_tc}
     * (d and dv off the tile multiples, cross lengths, key holes, Cq and Ck off the block's 64 query
     * rows and 32-key tiles; d = dv = 96 past the 48 KiB default), with the local window after
     * them, and the union softmax (its own kernel); and d = dv = 300, which falls back to CUDA cores;
 * each stage against the CPU engine.
     */
    private static void tensorCores(CudaProbe.Result probe, CpuEngine cpu, SplittableRandom random) {
        try (CudaEngine tc = CudaEngine.open(probe, CudaEngine.Options.CHECKED, TensorCores.ON)) {
            System.out.println("engine: " + tc.description() + "; attention kernel: " + tc.attentionKernel());
            AttentionShape[] shapes = {new AttentionShape(2, 70, 45, 37, 20), new AttentionShape(1, 50, 50, 96, 96)};
            for (AttentionShape shape : shapes) {
                AttentionKernelChoice choice = tc.attentionKernel(shape.dim(), shape.valueDim());
                if (!choice.tensorCores()) {
                    throw new AssertionError(shape + " should run on tensor cores: " + choice);
                }
            }
            traced(tc, cpu, random, shapes[0], 2, 20, MaskKind.RANDOM);
            traced(tc, cpu, random, shapes[1], 1, 25, MaskKind.PREFIX);
            traced(tc, cpu, random, new AttentionShape(2, 50, 50, 8, 40), 2, 16, MaskKind.PREFIX,
                    AttentionConfig.builder().localWindow(3));
            traced(tc, cpu, random, new AttentionShape(1, 50, 50, 8, 8), 2, 10, MaskKind.NONE,
                    AttentionConfig.builder().unionRounds(true));
            // d = dv = 300 needs more shared memory on tensor cores than an H100 has: CUDA cores, with the reason.
            AttentionKernelChoice fallback = tc.attentionKernel(300, 300);
            if (fallback.tensorCores() || !fallback.description().contains("tensor cores on, but d=300, dv=300 needs")) {
                throw new AssertionError("d = dv = 300 should fall back to CUDA cores: " + fallback);
            }
            traced(tc, cpu, random, new AttentionShape(1, 20, 20, 300, 300), 1, 10, MaskKind.NONE);
            // The untraced path gives the trace's output bit for bit.
            AttentionInputs inputs = GpuTestSupport.randomInputs(random, shapes[0], MaskKind.SOME_ROW_EMPTY, false);
            AttentionConfig config = AttentionConfig.builder().hashes(2).queryClusterSize(20).build();
            same("tensor cores: attend vs trace", tc.trace(config, inputs).output(), tc.attend(config, inputs));
            compare("tensor cores: attend", cpu.attend(config, inputs), tc.attend(config, inputs));
        }
        System.out.println("tensor cores: every stage agrees");
    }

    private static void traced(CudaEngine gpu, CpuEngine cpu, SplittableRandom random, AttentionShape shape,
            int hashes, int queryClusterSize, MaskKind mask) {
        traced(gpu, cpu, random, shape, hashes, queryClusterSize, mask, AttentionConfig.builder());
    }

    /** Every stage against the CPU engine, with the SPEC Extensions {@code builder} holds. */
    private static void traced(CudaEngine gpu, CpuEngine cpu, SplittableRandom random, AttentionShape shape,
            int hashes, int queryClusterSize, MaskKind mask, AttentionConfig.Builder builder) {
        AttentionInputs inputs = GpuTestSupport.randomInputs(random, shape, mask, false);
        AttentionConfig config = builder.hashes(hashes).queryClusterSize(queryClusterSize)
                .seed(random.nextLong()).build();
        SmyrfTrace want = cpu.trace(config, inputs);
        SmyrfTrace got = gpu.trace(config, inputs);
        String label = shape + " H=" + hashes + " mask " + mask
                + (config.hasGlobalKeys() ? " globalKeys " + java.util.Arrays.toString(config.globalKeys()) : "")
                + (config.unionRounds() ? " union" : "")
                + (config.localWindow() > 0 ? " window " + config.localWindow() : "");
        same(label + " queryHashes", want.queryHashes(), got.queryHashes());
        same(label + " keyHashes", want.keyHashes(), got.keyHashes());
        same(label + " queryOrder", want.queryOrder(), got.queryOrder());
        same(label + " keyOrder", want.keyOrder(), got.keyOrder());
        compare(label + " roundOutputs", want.roundOutputs(), got.roundOutputs());
        compare(label + " roundLse", want.roundLse(), got.roundLse());
        compare(label + " output", want.output(), got.output());
        System.out.println("traced " + label + ": every stage agrees");
    }

    /**
     * Both extensions on host arrays (untraced) and on device tensors with a device mask, whose
     * kept bytes resolve the global keys; and a position outside a row refused as on the CPU.
     */
    private static void extensionsOnDeviceTensors(CudaEngine gpu, CpuEngine cpu, SplittableRandom random) {
        AttentionShape shape = new AttentionShape(2, 40, 40, 8, 8);
        AttentionInputs inputs = GpuTestSupport.randomInputs(random, shape, MaskKind.PREFIX, false);
        AttentionConfig config = AttentionConfig.builder().hashes(2).queryClusterSize(10).globalKeys(0, -1)
                .unionRounds(true).build();
        hostAndDeviceTensorsAgree("extensions", gpu, cpu, config, inputs);
        AttentionConfig outside = config.toBuilder().globalKeys(-41).build();
        String cpuMessage = refusal(() -> cpu.attend(outside, inputs));
        String gpuMessage = refusal(() -> gpu.attend(outside, inputs));
        if (!cpuMessage.equals(gpuMessage)) {
            throw new AssertionError("a global key outside the row: cpu says \"" + cpuMessage + "\", cuda says \""
                    + gpuMessage + "\"");
        }
        System.out.println("extensions on device tensors agree; bad position refused: " + gpuMessage);
    }

    /**
     * The local window with global keys on host arrays (untraced) and on device tensors; on
     * cross-attention it is refused with the CPU engine's message.
     */
    private static void windowOnDeviceTensors(CudaEngine gpu, CpuEngine cpu, SplittableRandom random) {
        AttentionShape shape = new AttentionShape(2, 40, 40, 8, 8);
        AttentionInputs inputs = GpuTestSupport.randomInputs(random, shape, MaskKind.PREFIX, false);
        AttentionConfig config = AttentionConfig.builder().hashes(2).queryClusterSize(10).globalKeys(0)
                .localWindow(2).build();
        hostAndDeviceTensorsAgree("window", gpu, cpu, config, inputs);
        AttentionInputs cross = GpuTestSupport.randomInputs(random, new AttentionShape(1, 40, 60, 8, 8), MaskKind.NONE,
                false);
        String cpuMessage = refusal(() -> cpu.attend(config, cross));
        String gpuMessage = refusal(() -> gpu.attend(config, cross));
        if (!cpuMessage.equals(gpuMessage)) {
            throw new AssertionError("a window on cross-attention: cpu says \"" + cpuMessage + "\", cuda says \""
                    + gpuMessage + "\"");
        }
        System.out.println("window on device tensors agrees; cross-attention refused: " + gpuMessage);
    }

    /**
     * {@code config} on host arrays against the CPU engine, and on device tensors with a device
     * mask (shape (2, 40, 40, 8, 8)) bit for bit against the host arrays.
     */
    private static void hostAndDeviceTensorsAgree(String what, CudaEngine gpu, CpuEngine cpu, AttentionConfig config,
            AttentionInputs inputs) {
        float[] host = gpu.attend(config, inputs);
        compare(what + " attend", cpu.attend(config, inputs), host);
        try (DeviceTensor q = gpu.upload(inputs.q(), 2, 40, 8);
                DeviceTensor k = gpu.upload(inputs.k(), 2, 40, 8);
                DeviceTensor v = gpu.upload(inputs.v(), 2, 40, 8);
                DeviceMask mask = gpu.uploadMask(inputs.keyValid(), 2, 40);
                DeviceTensor out = gpu.allocate(2, 40, 8)) {
            gpu.attend(config, q, k, v, mask, out);
            same(what + " on device tensors vs host arrays", host, gpu.download(out));
        }
    }

    private static String refusal(Runnable call) {
        try {
            call.run();
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected an IllegalArgumentException");
    }

    private static void same(String what, float[] want, float[] got) {
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToIntBits(want[i]) != Float.floatToIntBits(got[i])) {
                throw new AssertionError(what + " first differs at " + i + ": cpu " + want[i] + ", cuda " + got[i]);
            }
        }
    }

    private static void same(String what, int[] want, int[] got) {
        for (int i = 0; i < want.length; i++) {
            if (want[i] != got[i]) {
                throw new AssertionError(what + " first differs at " + i + ": cpu " + want[i] + ", cuda " + got[i]);
            }
        }
    }

    private static void compare(String what, float[] want, float[] got) {
        if (want.length != got.length) {
            throw new AssertionError(what + ": " + got.length + " values, expected " + want.length);
        }
        for (int i = 0; i < want.length; i++) {
            float w = want[i];
            float g = got[i];
            boolean ok = Float.isInfinite(w) || Float.isInfinite(g) ? w == g
                    : Math.abs(w - g) <= TOLERANCE * Math.max(1, Math.abs(w));
            if (!ok) {
                throw new AssertionError(what + " first differs at " + i + ": cpu " + w + ", cuda " + g);
            }
        }
    }
}
