package org.smyrf4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.Mode;

/** One engine, many calling threads: exactly the results of sequential calls. */
class ConcurrencyTest {

    private static final int THREADS = 8;
    private static final int ROUNDS_PER_THREAD = 4;

    private record Job(AttentionConfig config, AttentionInputs inputs) {
    }

    @Test
    void concurrentCallsGiveTheSequentialResults() throws Exception {
        List<Job> jobs = new ArrayList<>();
        for (int n = 0; n < 12; n++) {
            int nq = 37 + 29 * n;
            int nk = n % 3 == 0 ? nq : 50 + 41 * n;
            AttentionShape shape = new AttentionShape(1 + n % 3, nq, nk, 5 + 7 * (n % 4), 3 + 11 * (n % 3));
            AttentionInputs in = RandomInputs.of(100 + n, shape, n % 2 == 0 ? 0.25 : 0);
            Mode mode = n % 4 == 3 ? Mode.DENSE : Mode.SMYRF;
            AttentionConfig config = AttentionConfig.builder().mode(mode).hashes(1 + n % 4)
                    .queryClusterSize(8 + 4 * n).seed(n).build();
            jobs.add(new Job(config, in));
        }
        try (CpuEngine engine = new CpuEngine()) {
            List<float[]> sequential = new ArrayList<>();
            for (Job job : jobs) {
                sequential.add(engine.attend(job.config(), job.inputs()));
            }
            ExecutorService callers = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<Integer>> done = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int first = t;
                    done.add(callers.submit(() -> {
                        int compared = 0;
                        for (int r = 0; r < ROUNDS_PER_THREAD; r++) {
                            for (int n = 0; n < jobs.size(); n++) {
                                int j = (first + n * (r + 1)) % jobs.size();
                                float[] out = engine.attend(jobs.get(j).config(), jobs.get(j).inputs());
                                BitExact.assertSame(sequential.get(j), out, "job " + j + " on caller " + first);
                                compared++;
                            }
                        }
                        return compared;
                    }));
                }
                int compared = 0;
                for (Future<Integer> f : done) {
                    compared += f.get();
                }
                assertEquals(THREADS * ROUNDS_PER_THREAD * jobs.size(), compared);
            } finally {
                callers.shutdownNow();
            }
        }
    }
}
