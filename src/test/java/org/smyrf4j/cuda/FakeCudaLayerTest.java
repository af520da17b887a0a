package org.smyrf4j.cuda;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CUDA layer end to end without a GPU: a child JVM runs {@link FakeLayerSmoke} on the
 * stand-in driver ({@link StandInDriverRun}) with the kernel pack's GEMM forced, so the layer's
 * projections, head moves, attention and copies run through JCuda for real on the CPU
 * emulation. The CUDA layer must equal the CPU layer within 1e-4 relative (self- and
 * cross-attention, key masks, dense, SMYRF and auto), and the stand-in's counters must balance.
 */
class FakeCudaLayerTest {

    @Test
    void layerRunsEndToEndOnTheStandInDriver(@TempDir Path work) throws IOException, InterruptedException {
        // cuBLAS cannot run on the stand-in: the kernel pack's GEMM, whatever this machine has.
        StandInDriverRun.run(work, FakeLayerSmoke.class, "fake layer smoke: OK",
                "-D" + GemmSettings.PROPERTY + "=kernels");
    }
}
