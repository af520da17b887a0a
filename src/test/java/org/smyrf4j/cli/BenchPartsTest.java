package org.smyrf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

/** The pieces of {@code bench} that need no engine: CSV format, sizes, the dense budget, the memory floor. */
class BenchPartsTest {

    @Test
    void csvRowsLeaveWhatDoesNotApplyEmpty() {
        BenchResult dense = BenchResult.of(BenchCase.dense(8, 4096, 64), "cpu", new double[] {3, 1, 2}, 1234, Double.NaN,
                Double.NaN);
        BenchResult smyrf = BenchResult.of(BenchCase.smyrf(8, 4096, 64, 4, 128), "cuda",
                new double[] {0.5, 0.25, 1.0, 0.75}, -1, 0.0123456789, 0.1);

        List<String> lines = BenchCsv.lines(List.of(dense, smyrf));

        assertEquals(List.of(BenchCsv.HEADER,
                "cpu,dense,8,4096,64,,,2.000,1.000,3.000,1234,",
                "cuda,smyrf,8,4096,64,4,128,0.625,0.250,1.000,,0.0123457"), lines);
        assertEquals(6.25, smyrf.timeOverFloor(), 1e-12);
    }

    @Test
    void tensorCoreRowsHaveTheirOwnMode() {
        BenchCase tc = BenchCase.smyrf(16, 65536, 64, 4, 128).withTensorCores(true);
        BenchResult r = BenchResult.of(tc, "cuda", new double[] {2, 1, 3}, 100, Double.NaN, Double.NaN);
        // The header of issue 5 stays; the mode column says smyrf-tc.
        assertEquals(List.of(BenchCsv.HEADER, "cuda,smyrf-tc,16,65536,64,4,128,2.000,1.000,3.000,100,"),
                BenchCsv.lines(List.of(r)));
        assertEquals("smyrf-tc H=4 C=128", tc.series());
        assertEquals("smyrf-tc B=16 N=65536 d=64 H=4 C=128", tc.text());
        assertEquals("smyrf", tc.withTensorCores(false).modeLabel());
        assertThrows(IllegalArgumentException.class, () -> BenchCase.dense(1, 64, 8).withTensorCores(true));
        assertEquals(List.of(false, true), BenchCommand.TensorCoreRows.BOTH.kernels());
        assertEquals(BenchCommand.TensorCoreRows.ON, new BenchCommand.TensorCoreRowsConverter().convert(" On"));
    }

    @Test
    void sizesAcceptTheKSuffix() {
        SizeConverter sizes = new SizeConverter();
        assertEquals(4096, sizes.convert("4k"));
        assertEquals(65536, sizes.convert(" 64K "));
        assertEquals(1000, sizes.convert("1000"));
        assertThrows(TypeConversionException.class, () -> sizes.convert("4m"));
        assertThrows(TypeConversionException.class, () -> sizes.convert("4194304k"));
    }

    @Test
    void denseBudgetLearnsTheRateOfTheLastDenseCase() {
        DenseBudget budget = new DenseBudget(10);
        BenchCase small = BenchCase.dense(1, 1024, 64);
        BenchCase large = BenchCase.dense(1, 8192, 64);
        // 2 * 1024^2 * 128 flops = 0.27 GFLOP; at the assumed 1 GFLOP/s, 7 calls take 1.9 s.
        assertEquals(7 * small.attentionFlops() / DenseBudget.ASSUMED_FLOPS_PER_SECOND, budget.estimateSeconds(small, 7));
        assertTrue(budget.fits(small, 7));
        assertFalse(budget.fits(large, 7)); // 64x the flops
        budget.observe(small, 2.684); // 100 GFLOP/s
        assertEquals(7 * large.attentionFlops() / 1e11, budget.estimateSeconds(large, 7), 1e-2);
        assertTrue(budget.fits(large, 7));
        assertTrue(budget.skipReason(large, 1000).startsWith("dense B=1 N=8192 d=64 skipped: estimated 172 s"));
    }

    @Test
    void denseBudgetStartsFromTheBackendsRate() {
        // Issue 5's first GPU case, 16 rows of N = 1024: 4.3 GFLOP a call. From the CPU's 1 GFLOP/s
        // the 13 calls look like 56 s and a 25 s budget skipped dense at every length; from the
        // CUDA backend's 1 TFLOP/s they take 0.06 s, so the case runs and the rate is learnt.
        BenchCase first = BenchCase.dense(16, 1024, 64);
        assertFalse(new DenseBudget(25).fits(first, 13));
        assertTrue(new DenseBudget(25, CudaBench.ASSUMED_DENSE_FLOPS_PER_SECOND).fits(first, 13));
        assertThrows(IllegalArgumentException.class, () -> new DenseBudget(25, 0));
    }

    @Test
    void memoryFloorCountsGathersRoundsAndOutput() {
        // B=2, N=8, d=3, dv=3 (the bench uses dv = d), H=5, by hand:
        // gathers 5*16*(3+3+3) = 720, rounds 2*5*16*(3+1) = 640, output 16*3 = 48 floats.
        assertEquals(4L * (720 + 640 + 48), MemoryFloor.smyrfBytes(2, 8, 3, 3, 5));
        // The GPU case, B=16 N=65536 d=64 H=4: 5.67 GB, 1.89 ms at 3 TB/s.
        long bytes = MemoryFloor.smyrfBytes(16, 65536, 64, 64, 4);
        assertEquals(5_670_699_008L, bytes);
        assertEquals(1.890, MemoryFloor.millis(bytes, 3e12), 1e-3);
    }
}
