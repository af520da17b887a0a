package org.smyrf4j.layer;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A small timing harness for {@link CpuGemm}, not a test: a BERT-base projection, 768 -> 768
 * on 8 x 512 tokens, with the vector and the scalar kernel.
 *
 * <pre>
 * mvn -B -q -o test-compile
 * java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes \
 *     org.smyrf4j.layer.GemmBenchmark [rows in out threads]
 * </pre>
 * Reports the median of {@link #RUNS} calls after {@link #WARM_UP} warm-up calls.
 */
final class GemmBenchmark {

    static final int WARM_UP = 10;
    static final int RUNS = 15;

    private GemmBenchmark() {
    }

    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 8 * 512;
        int in = args.length > 1 ? Integer.parseInt(args[1]) : 768;
        int out = args.length > 2 ? Integer.parseInt(args[2]) : 768;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : Runtime.getRuntime().availableProcessors();
        SplittableRandom random = new SplittableRandom(1);
        float[] x = values(random, rows * in);
        float[] w = values(random, out * in);
        float[] b = values(random, out);
        float[] y = new float[rows * out];
        double flops = 2.0 * rows * in * out;
        System.out.printf(Locale.ROOT, "y = x W^T + b: x (%d, %d), W (%d, %d), %.2f GFLOP per call%n",
                rows, in, out, in, flops / 1e9);
        GemmKernel vector = GemmKernels.vector();
        for (GemmKernel kernel : new GemmKernel[] {vector, new ScalarGemmKernel()}) {
            if (kernel == null) {
                continue;
            }
            for (int t : threads == 1 ? new int[] {1} : new int[] {1, threads}) {
                try (CpuGemm gemm = new CpuGemm(t, kernel)) {
                    double ms = medianMillis(gemm, x, rows, in, w, b, y, kernel instanceof ScalarGemmKernel);
                    System.out.printf(Locale.ROOT, "%-26s %2d threads: %8.2f ms  %6.1f GFLOP/s%n", kernel.name(), t,
                            ms, flops / ms / 1e6);
                }
            }
        }
    }

    private static double medianMillis(CpuGemm gemm, float[] x, int rows, int in, float[] w, float[] b, float[] y,
            boolean slow) {
        int warm = slow ? 2 : WARM_UP;
        int runs = slow ? 3 : RUNS;
        for (int i = 0; i < warm; i++) {
            gemm.linear(x, rows, in, w, b, y);
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            gemm.linear(x, rows, in, w, b, y);
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        java.util.Arrays.sort(ms);
        return ms[runs / 2];
    }

    private static float[] values(SplittableRandom random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return a;
    }
}
