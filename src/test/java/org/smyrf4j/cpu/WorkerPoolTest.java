package org.smyrf4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {

    @Test
    void everyItemRunsExactlyOnceWithItsWorkersScratch() {
        try (WorkerPool pool = new WorkerPool(3)) {
            AtomicIntegerArray runs = new AtomicIntegerArray(1000);
            pool.run(1000, () -> new int[1], (i, scratch) -> {
                scratch[0]++;
                runs.incrementAndGet(i);
            });
            for (int i = 0; i < 1000; i++) {
                assertEquals(1, runs.get(i), "runs of item " + i);
            }
            pool.run(0, () -> null, (i, s) -> {
                throw new AssertionError("no items");
            });
        }
    }

    @Test
    void failuresReachTheCaller() {
        try (WorkerPool pool = new WorkerPool(2)) {
            IllegalArgumentException thrown = new IllegalArgumentException("item 7 failed");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> pool.run(50, () -> null, (i, s) -> {
                        if (i == 7) {
                            throw thrown;
                        }
                    }));
            assertSame(thrown, e);
            assertThrows(OutOfMemoryError.class, () -> pool.run(3, () -> null, (i, s) -> {
                throw new OutOfMemoryError("simulated");
            }));
        }
    }

    @Test
    void closedPoolsAndBadSizesAreRefused() {
        WorkerPool pool = new WorkerPool(1);
        pool.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run(2, () -> null, (i, s) -> {
        }));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> new WorkerPool(0));
        assertTrue(bad.getMessage().contains("threads") && bad.getMessage().contains("0"), bad.getMessage());
    }
}
