package org.smyrf4j.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java CUDA path end to end without a GPU: a child JVM runs {@link FakeDriverSmoke} on the
 * stand-in driver ({@link StandInDriverRun}), and the stand-in's counters must balance; the
 * tensor-core kernel runs there too.
 */
class FakeCudaDriverTest {

    @Test
    void engineRunsEndToEndOnTheStandInDriver(@TempDir Path work) throws IOException, InterruptedException {
        String output = StandInDriverRun.run(work, FakeDriverSmoke.class, "fake driver smoke: OK");
        // The tensor-core kernel ran through the driver too (an engine opened with it on).
        assertTrue(output.contains("tensor cores (3xTF32)") && output.contains("tensor cores: every stage agrees"),
                output);
        output.lines().filter(l -> l.contains("tensor cores on") || l.startsWith("tensor cores:"))
                .forEach(System.out::println);
    }

    /**
     * The tensor-core kernel is optional at load time: where the driver cannot provide it, CUDA
     * stays usable and the plain rounds run on CUDA cores, with the reason.
     */
    @Test
    void aTensorCoreKernelThatDoesNotLoadLeavesCudaUsable(@TempDir Path work) throws IOException, InterruptedException {
        String output = StandInDriverRun.run(work, Map.of("FAKECUDA_WITHHOLD", AttentionKernels.TC_ATTENTION.name()),
                FakeTensorCoresWithheld.class, "tensor cores withheld: OK");
        assertTrue(output.contains("did not load on this GPU"), output);
    }
}
