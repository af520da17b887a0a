package org.smyrf4j.cuda;

import java.util.SplittableRandom;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.cpu.CpuEngine;
import org.smyrf4j.cuda.GpuTestSupport.MaskKind;

/**
 * On the stand-in driver with FAKECUDA_WITHHOLD=smyrf_cluster_attention_tc (the driver finds no
 * such function, as it would for an image that lacks it): the probe still finds CUDA usable, an
 * engine with tensor cores on opens, says why its plain rounds run on CUDA cores, and computes
 * what the CPU engine computes. FakeCudaDriverTest runs it in a child JVM.
 */
final class FakeTensorCoresWithheld {

    private static final double TOLERANCE = 1e-5;

    private FakeTensorCoresWithheld() {
    }

    public static void main(String[] args) {
        CudaProbe.Result probe = CudaProbe.probe();
        if (!probe.usable()) {
            throw new IllegalStateException("the probe refused CUDA over an optional kernel: " + probe.reason());
        }
        try (CudaEngine gpu = CudaEngine.open(probe, CudaEngine.Options.CHECKED, TensorCores.ON);
                CpuEngine cpu = new CpuEngine()) {
            AttentionKernelChoice choice = gpu.attentionKernel(16, 16);
            System.out.println("attention kernel: " + choice);
            if (choice.tensorCores() || !choice.toString().contains("did not load")) {
                throw new IllegalStateException("expected CUDA cores with the load failure as reason, got " + choice);
            }
            AttentionShape shape = new AttentionShape(2, 70, 70, 16, 16);
            AttentionInputs inputs = GpuTestSupport.randomInputs(new SplittableRandom(9), shape, MaskKind.PREFIX, false);
            AttentionConfig config = AttentionConfig.builder().hashes(2).queryClusterSize(16).seed(4).build();
            float[] want = cpu.attend(config, inputs);
            float[] got = gpu.attend(config, inputs);
            for (int i = 0; i < want.length; i++) {
                if (!(Math.abs(want[i] - got[i]) <= TOLERANCE * (1 + Math.abs(want[i])))) {
                    throw new IllegalStateException("output[" + i + "]: cuda " + got[i] + ", cpu " + want[i]);
                }
            }
            System.out.println("tensor cores withheld: OK");
        }
    }
}
