package org.smyrf4j.cuda;

import static org.smyrf4j.cuda.KernelGeometry.ELEMENTWISE_THREADS;
import static org.smyrf4j.cuda.KernelGeometry.GEMM_THREADS;
import static org.smyrf4j.cuda.KernelGeometry.GEMM_TILE_M;
import static org.smyrf4j.cuda.KernelGeometry.GEMM_TILE_N;
import static org.smyrf4j.cuda.KernelGeometry.ceilDiv;

import java.util.List;

/**
 * Launcher of gemm.cu: the attention layer's projections {@code y = x W^T + b} on the kernel
 * pack (float32, row-major, the CPU GEMM's fma chain per element, so the same bits), and the
 * bias rows the cuBLAS path starts its product from.
 * <ul>
 *   <li>{@code smyrf_linear}: grid (ceil(rows / GEMM_TILE_M), ceil(out / GEMM_TILE_N)) x
 *       GEMM_THREADS, static shared memory only;</li>
 *   <li>{@code smyrf_broadcast_rows}: grid ceil(rows * cols / ELEMENTWISE_THREADS) x
 *       ELEMENTWISE_THREADS.</li>
 * </ul>
 */
final class GemmKernels {

    static final String FAMILY = "gemm";
    static final EntryPoint LINEAR = new EntryPoint(FAMILY, "smyrf_linear", GEMM_THREADS);
    static final EntryPoint BROADCAST_ROWS = new EntryPoint(FAMILY, "smyrf_broadcast_rows", ELEMENTWISE_THREADS);
    static final List<EntryPoint> ENTRY_POINTS = List.of(LINEAR, BROADCAST_ROWS);

    private final KernelLauncher launcher;

    GemmKernels(KernelLauncher launcher) {
        this.launcher = launcher;
    }

    /**
     * {@code y = x W^T + b}.
     *
     * @param x    (rows, in)
     * @param w    (out, in), nn.Linear layout
     * @param bias (out), or null for none
     * @param y    (rows, out), written
     * @throws IllegalArgumentException when out needs more than 65535 column blocks
     */
    void linear(DeviceBuffer x, DeviceBuffer w, DeviceBuffer bias, int rows, int in, int out, DeviceBuffer y) {
        requireFloats("x", x, (long) rows * in);
        requireFloats("w", w, (long) out * in);
        if (bias != null) {
            requireFloats("bias", bias, out);
        }
        requireFloats("y", y, (long) rows * out);
        launcher.launch(KernelLaunch.of(LINEAR).grid(ceilDiv(rows, GEMM_TILE_M), ceilDiv(out, GEMM_TILE_N), 1)
                .in("x", x).in("w", w).in("bias", bias).i("rows", rows).i("in", in).i("out", out).out("y", y)
                .build());
    }

    /** {@code out[r, c] = row[c]} for rows x cols: the bias as cuBLAS's C before a beta = 1 product. */
    void broadcastRows(DeviceBuffer row, int rows, int cols, DeviceBuffer out) {
        requireFloats("row", row, cols);
        requireFloats("out", out, (long) rows * cols);
        launcher.launch(KernelLaunch.of(BROADCAST_ROWS).grid(ceilDiv((long) rows * cols, ELEMENTWISE_THREADS))
                .in("row", row).i("rows", rows).i("cols", cols).out("out", out).build());
    }

    /** A buffer that holds {@code count} floats; too small is a bug of the caller, not bad input. */
    static void requireFloats(String name, DeviceBuffer buffer, long count) {
        if (count <= 0) {
            throw new IllegalArgumentException(name + " must hold > 0 values, got " + count);
        }
        if (buffer.bytes() < 4 * count) {
            throw new IllegalStateException(name + ": " + count + " floats do not fit " + buffer);
        }
    }
}
