package org.smyrf4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The probe on whatever machine runs the tests: it never throws and always says why. */
class CudaProbeTest {

    @Test
    void neverThrowsAndGivesAReason() {
        CudaProbe.Result r = CudaProbe.probe();
        assertNotNull(r.reason());
        assertFalse(r.reason().isBlank());
        assertNotNull(r.cublas(), "cuBLAS status is always reported");
        assertSame(r, CudaProbe.probe(), "computed once per JVM");
        if (r.usable()) {
            assertNotNull(r.deviceName());
            assertNotNull(r.computeCapability());
            assertNotNull(r.driverVersion());
            assertNotNull(r.kernelPack());
        }
    }

    @Test
    void unusableProbeRefusesToOpenAnEngine() {
        CudaProbe.Result r = new CudaProbe.Result(false, "no CUDA driver: libcuda.so.1 not found", null, null, null,
                null, "cuBLAS unavailable");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> CudaEngine.open(r));
        assertTrue(e.getMessage().contains("libcuda.so.1"), e.getMessage());
    }

    @Test
    void namesTheMissingLibrary() {
        Throwable t = new UnsatisfiedLinkError("Error while loading native library \"JCudaDriver-12.6.0-linux-x86_64\"\n"
                + "java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: "
                + "cannot open shared object file: No such file or directory");
        assertEquals("libcuda.so.1", CudaProbe.missingLibrary(t));
        assertEquals("libcublas.so.12", CudaProbe.missingLibrary(new RuntimeException("wrapped",
                new UnsatisfiedLinkError("/tmp/libJCublas2.so: libcublas.so.12: cannot open shared object file"))));
        assertNull(CudaProbe.missingLibrary(new UnsatisfiedLinkError("undefined symbol: cuFoo")));
    }

    @Test
    void withoutADriverTheReasonSaysSo() {
        CudaProbe.Result r = CudaProbe.probe();
        if (!r.usable() && r.reason().startsWith("no CUDA driver")) {
            assertEquals("no CUDA driver: libcuda.so.1 not found", r.reason());
            assertNull(r.deviceName());
        }
    }
}
