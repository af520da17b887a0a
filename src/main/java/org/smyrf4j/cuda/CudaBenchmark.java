package org.smyrf4j.cuda;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.Mode;

/**
 * A short GPU benchmark: SMYRF and dense attention on device tensors (no host copies timed),
 * B=16, d=dv=64, H=4, clusters of 128, for N = 4096, 16384, 65536 by default. Each row is
 * warmed up, then timed over several runs (each call returns once its output is written, so
 * wall time around the call is the GPU time plus launch overhead); the median is printed.
 *
 * <pre>{@code java -cp smyrf4j.jar org.smyrf4j.cuda.CudaBenchmark [--sizes 4096,16384] [--runs 7]}</pre>
 *
 * Prints "bench skipped: reason" and exits 0 where CUDA cannot run.
 */
public final class CudaBenchmark {

    private static final int BATCH = 16;
    private static final int DIM = 64;
    private static final int HASHES = 4;
    private static final int CLUSTER = 128;
    /** Rows slower than this per call get fewer runs, to keep the whole benchmark short. */
    private static final double SLOW_CALL_MS = 500;

    private CudaBenchmark() {
    }

    public static void main(String[] args) {
        int[] sizes = {4096, 16384, 65536};
        int runs = 7;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--sizes" -> sizes = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument '" + args[i]
                        + "' (use --sizes N1,N2,... and --runs R)");
            }
        }
        CudaProbe.Result probe = CudaProbe.probe();
        if (!probe.usable()) {
            System.out.println("bench skipped: " + probe.reason());
            return;
        }
        try (CudaEngine engine = CudaEngine.open(probe)) {
            System.out.println("bench on " + engine.description());
            for (int n : sizes) {
                SplittableRandom random = new SplittableRandom(n);
                try (DeviceTensor q = engine.upload(gaussian(random, BATCH * n * DIM), BATCH, n, DIM);
                        DeviceTensor k = engine.upload(gaussian(random, BATCH * n * DIM), BATCH, n, DIM);
                        DeviceTensor v = engine.upload(gaussian(random, BATCH * n * DIM), BATCH, n, DIM);
                        DeviceTensor out = engine.allocate(BATCH, n, DIM)) {
                    double smyrf = row(engine, Mode.SMYRF, n, runs, q, k, v, out);
                    double dense = row(engine, Mode.DENSE, n, runs, q, k, v, out);
                    System.out.printf(Locale.ROOT, "bench  N=%d  smyrf/dense speedup %.1fx%n", n, dense / smyrf);
                }
            }
        }
    }

    /** Times one (mode, N) row and prints it; returns the median in milliseconds. */
    private static double row(CudaEngine engine, Mode mode, int n, int runs, DeviceTensor q, DeviceTensor k,
            DeviceTensor v, DeviceTensor out) {
        AttentionConfig config = AttentionConfig.builder().mode(mode).hashes(HASHES).clusterSize(CLUSTER).seed(1)
                .build();
        double first = timeMs(() -> engine.attend(config, q, k, v, null, out));
        int count = first > SLOW_CALL_MS ? Math.min(runs, 3) : runs;
        if (first <= SLOW_CALL_MS) {
            engine.attend(config, q, k, v, null, out); // a second warm-up for fast rows
        }
        List<Double> times = new ArrayList<>();
        for (int r = 0; r < count; r++) {
            times.add(timeMs(() -> engine.attend(config, q, k, v, null, out)));
        }
        times.sort(null);
        double median = times.get(times.size() / 2);
        System.out.printf(Locale.ROOT,
                "bench  mode=%-5s B=%d N=%d d=%d dv=%d H=%d C=%d  median=%.3f ms  min=%.3f ms  first=%.1f ms  runs=%d%n",
                mode.name().toLowerCase(Locale.ROOT), BATCH, n, DIM, DIM, HASHES, CLUSTER, median, times.get(0), first,
                count);
        return median;
    }

    private static double timeMs(Runnable call) {
        long start = System.nanoTime();
        call.run();
        return (System.nanoTime() - start) / 1e6;
    }

    /** Standard normal values (Box-Muller), reproducible from the generator's seed. */
    private static float[] gaussian(SplittableRandom random, int count) {
        float[] data = new float[count];
        for (int i = 0; i < count; i += 2) {
            double u = 1.0 - random.nextDouble();
            double w = random.nextDouble();
            double r = Math.sqrt(-2.0 * Math.log(u));
            data[i] = (float) (r * Math.cos(2 * Math.PI * w));
            if (i + 1 < count) {
                data[i + 1] = (float) (r * Math.sin(2 * Math.PI * w));
            }
        }
        return data;
    }
}
