package org.smyrf4j.cuda;

import static org.smyrf4j.cuda.KernelGeometry.COMBINE_THREADS;
import static org.smyrf4j.cuda.KernelGeometry.ceilDiv;

import java.util.List;

/**
 * Launcher of combine.cu: SPEC step 7, {@code out(i) = sum_h w_h(i) o_h(i)} with
 * {@code w_h = exp(lse_h - logsumexp_h' lse_h')}. Grid ceil(rows/COMBINE_THREADS) x
 * COMBINE_THREADS, one thread per output row, rows = B*Nq.
 */
final class CombineKernels {

    static final String FAMILY = "combine";
    static final EntryPoint COMBINE = new EntryPoint(FAMILY, "smyrf_combine", COMBINE_THREADS);
    static final List<EntryPoint> ENTRY_POINTS = List.of(COMBINE);

    private final KernelLauncher launcher;

    CombineKernels(KernelLauncher launcher) {
        this.launcher = launcher;
    }

    /**
     * @param roundOut (H, rows, dv); roundLse (H, rows)
     * @param out      (rows, dv) written
     */
    void combine(DeviceBuffer roundOut, DeviceBuffer roundLse, int hashes, int rows, int valueDim, DeviceBuffer out) {
        launcher.launch(KernelLaunch.of(COMBINE).grid(ceilDiv(rows, COMBINE_THREADS))
                .in("roundOut", roundOut).in("roundLse", roundLse)
                .i("H", hashes).i("rows", rows).i("dv", valueDim)
                .out("out", out)
                .build());
    }
}
