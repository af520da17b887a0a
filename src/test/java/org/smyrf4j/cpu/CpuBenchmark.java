package org.smyrf4j.cpu;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.SplittableRandom;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.ClusterPlan;
import org.smyrf4j.Mode;

/**
 * Timing harness for the CPU engine (not a test). Arguments, all optional: {@code batch len dim
 * valueDim hashes clusterSize repetitions kernel(vector|scalar) threads mode(smyrf|dense)}.
 * Defaults to the case B=8, N=16384, d=dv=64, H=4, clusters of 128.
 *
 * <pre>
 * mvn -B -q -o test-compile
 * M3=$HOME/.m2/repository/org/apache/commons/commons-math3/3.6.1/commons-math3-3.6.1.jar
 * java --add-modules jdk.incubator.vector -Xmx6g -cp target/classes:target/test-classes:$M3 \
 *     org.smyrf4j.cpu.CpuBenchmark 8 16384 64 64 4 128 5
 * </pre>
 * Creates the engine first (its kernel warm-up then overlaps with making the inputs, as in an
 * application), then prints the time of every call with the JVM uptime and process CPU time,
 * and the wall and CPU time of each stage of one extra call. GFLOP/s count 2 flops per
 * multiply-add of the logits and of P x V (the attention work; hashing, sorting and softmax
 * are not counted).
 */
public final class CpuBenchmark {

    private CpuBenchmark() {
    }

    public static void main(String[] args) {
        int batch = intArg(args, 0, 8);
        int len = intArg(args, 1, 16384);
        int dim = intArg(args, 2, 64);
        int valueDim = intArg(args, 3, 64);
        int hashes = intArg(args, 4, 4);
        int cluster = intArg(args, 5, 128);
        int repetitions = intArg(args, 6, 5);
        String kernelName = args.length > 7 ? args[7] : "vector";
        int threads = intArg(args, 8, Runtime.getRuntime().availableProcessors());
        Mode mode = args.length > 9 ? Mode.parse(args[9]) : Mode.SMYRF;

        BlockAttention kernel = kernelName.equals("scalar") ? new ScalarBlockAttention() : BlockAttentions.best();
        double attentionFlops = mode == Mode.DENSE
                ? 2.0 * batch * len * (double) len * (dim + valueDim)
                : 2.0 * batch * hashes * len * (double) cluster * (dim + valueDim);
        // The engine first, as an application would create it before loading its inputs.
        try (CpuEngine engine = new CpuEngine(threads, kernel)) {
            AttentionShape shape = new AttentionShape(batch, len, len, dim, valueDim);
            SplittableRandom random = new SplittableRandom(1);
            AttentionInputs inputs = AttentionInputs.of(shape, uniform(random, shape.queryElements()),
                    uniform(random, shape.keyElements()), uniform(random, shape.valueElements()));
            AttentionConfig config = AttentionConfig.builder().mode(mode).hashes(hashes).clusterSize(cluster)
                    .seed(3).build();
            System.out.printf(Locale.ROOT, "%s, %s, B=%d N=%d d=%d dv=%d H=%d C=%d; inputs ready at JVM uptime"
                    + " %.3f s, process CPU %.3f s%n", engine.description(), mode, batch, len, dim, valueDim, hashes,
                    cluster, uptime(), cpuNanos() * 1e-9);
            for (int rep = 0; rep < repetitions; rep++) {
                long t0 = System.nanoTime();
                engine.attend(config, inputs);
                double s = (System.nanoTime() - t0) * 1e-9;
                System.out.printf(Locale.ROOT, "call %d: %.3f s (%.1f GFLOP/s attention-equivalent), JVM uptime"
                        + " %.3f s, process CPU so far %.3f s%n", rep, s, attentionFlops / s * 1e-9, uptime(),
                        cpuNanos() * 1e-9);
            }
            if (mode == Mode.SMYRF) {
                stages(engine, kernel, config, inputs, threads, attentionFlops);
            }
        }
        System.out.printf(Locale.ROOT, "JVM uptime %.3f s%n", uptime());
    }

    /** CPU time of the whole process (all threads, the JIT's included). */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static double uptime() {
        return ManagementFactory.getRuntimeMXBean().getUptime() * 1e-3;
    }

    /** One call stage by stage, on a pool of the same size. */
    private static void stages(CpuEngine engine, BlockAttention kernel, AttentionConfig config,
            AttentionInputs inputs, int threads, double attentionFlops) {
        AttentionShape shape = inputs.shape();
        int batch = shape.batch();
        int d = shape.dim();
        int hashes = config.hashes();
        ClusterPlan plan = config.plan(shape.queryLen(), shape.keyLen());
        try (WorkerPool pool = new WorkerPool(threads)) {
            long c0 = cpuNanos();
            long t0 = System.nanoTime();
            float[][] h = XboxHashing.hash(pool, batch, d, hashes, config.projections(d),
                    new XboxHashing.Side(inputs.q(), shape.queryLen(), d + 1),
                    new XboxHashing.Side(inputs.k(), shape.keyLen(), d));
            long t1 = System.nanoTime();
            long c1 = cpuNanos();
            int[][] orders = SortOrder.orders(pool, hashes, batch,
                    new SortOrder.Side(h[0], shape.queryLen(), plan.paddedQueryLen(), inputs::isQueryValid),
                    new SortOrder.Side(h[1], shape.keyLen(), plan.paddedKeyLen(), inputs::isKeyValid));
            long t2 = System.nanoTime();
            long c2 = cpuNanos();
            RoundCombine combine = new RoundCombine(batch * shape.queryLen(), shape.valueDim());
            ClusterAttention.compute(pool, kernel, inputs, plan, hashes, config.scale(d), orders[0], orders[1],
                    combine, null, null, GlobalKeys.none(batch, shape.keyLen()), null, 0);
            long t3 = System.nanoTime();
            long c3 = cpuNanos();
            combine.finish(pool);
            long t4 = System.nanoTime();
            long c4 = cpuNanos();
            System.out.printf(Locale.ROOT, "stages: hashing %.3f s, sorting %.3f s, cluster attention + combine"
                    + " %.3f s (%.1f GFLOP/s), final division %.3f s%n", (t1 - t0) * 1e-9, (t2 - t1) * 1e-9,
                    (t3 - t2) * 1e-9, attentionFlops / ((t3 - t2) * 1e-9) * 1e-9, (t4 - t3) * 1e-9);
            System.out.printf(Locale.ROOT, "process CPU: hashing %.3f s, sorting %.3f s, cluster attention +"
                    + " combine %.3f s, final division %.3f s%n", (c1 - c0) * 1e-9, (c2 - c1) * 1e-9,
                    (c3 - c2) * 1e-9, (c4 - c3) * 1e-9);
        }
    }

    private static float[] uniform(SplittableRandom random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return a;
    }

    private static int intArg(String[] args, int index, int fallback) {
        return args.length > index ? Integer.parseInt(args[index]) : fallback;
    }
}
