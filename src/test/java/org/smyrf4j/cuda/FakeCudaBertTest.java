package org.smyrf4j.cuda;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CudaBertTest's comparison without a GPU: a child JVM runs {@link FakeBertSmoke} on the
 * stand-in driver ({@link StandInDriverRun}) with the kernel pack's GEMM forced, so a tiny
 * BERT's attention layers run through MultiHeadAttention's hand-off and JCuda on the CPU
 * emulation, dense and SMYRF (plain, global keys, union, union with a local window), against
 * the CPU engine; and {@code bert --backend cuda} prints the table of {@code --backend cpu}. The
 * stand-in's counters must balance.
 */
class FakeCudaBertTest {

    @Test
    void bertRunsEndToEndOnTheStandInDriver(@TempDir Path work) throws IOException, InterruptedException {
        String output = StandInDriverRun.run(work, FakeBertSmoke.class, "fake bert smoke: OK",
                "-D" + GemmSettings.PROPERTY + "=kernels");
        System.out.println(output.strip());
    }
}
