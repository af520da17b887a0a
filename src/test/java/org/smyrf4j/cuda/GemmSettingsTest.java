package org.smyrf4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The GEMM settings and the cuBLAS load check, without a GPU. */
class GemmSettingsTest {

    @Test
    void propertiesChooseTheGemm() {
        assertEquals(GemmSettings.DEFAULT, settings(Map.of()));
        assertEquals(new GemmSettings(GemmSettings.Request.KERNELS, false), settings(Map.of("smyrf4j.gemm", "Kernels ")));
        assertEquals(new GemmSettings(GemmSettings.Request.CUBLAS, true),
                settings(Map.of("smyrf4j.gemm", "cublas", "smyrf4j.gemm.tf32", "TRUE")));
        assertEquals(new GemmSettings(GemmSettings.Request.AUTO, false), settings(Map.of("smyrf4j.gemm", " ")));
    }

    @Test
    void badPropertyValuesAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> settings(Map.of("smyrf4j.gemm", "MKL")));
        assertEquals("-Dsmyrf4j.gemm must be auto, cublas or kernels, got 'mkl'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> settings(Map.of("smyrf4j.gemm.tf32", "yes")));
        assertEquals("-Dsmyrf4j.gemm.tf32 must be true or false, got 'yes'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GemmSettings.Request.parse("blas"));
        assertEquals("gemm must be auto, cublas or kernels, got 'blas'", e.getMessage());
    }

    @Test
    void choicesDescribeThemselves() {
        assertEquals("cuBLAS 12.6.4 via JCublas 12.6.0 (tf32)", GemmChoice.cublas("12.6.4", true).description());
        GemmChoice fallback = GemmChoice.kernels("libcublas.so.12 not loadable: cannot open shared object file");
        assertEquals(GemmChoice.Path.KERNELS, fallback.path());
        assertFalse(fallback.tf32());
        assertEquals("kernel pack (libcublas.so.12 not loadable: cannot open shared object file)", fallback.toString());
    }

    /** JCuda's message nests the dynamic linker's; the reason is that line, on one line. */
    @Test
    void aLinkFailureBecomesTheLinkersReason() {
        UnsatisfiedLinkError missingCublas = new UnsatisfiedLinkError("Error while loading native library"
                + " \"JCublas2-12.6.0-linux-x86_64\"\nOperating system name: Linux\n---(start of nested stack traces)---\n"
                + "java.lang.UnsatisfiedLinkError: /tmp/libJCublas2-12.6.0-linux-x86_64.so: libcublas.so.12: cannot open"
                + " shared object file: No such file or directory\n\tat java.base/jdk.internal.loader.NativeLibraries.load");
        assertEquals("cannot open shared object file: No such file or directory", CublasLibrary.reason(missingCublas));
        UnsatisfiedLinkError missingLt = new UnsatisfiedLinkError("x: libcublasLt.so.12: cannot open shared object"
                + " file: No such file or directory");
        assertEquals("libcublasLt.so.12: cannot open shared object file: No such file or directory",
                CublasLibrary.reason(new IllegalStateException("wrapped", missingLt)));
        assertEquals("NoClassDefFoundError: Could not initialize class jcuda.jcublas.JCublas2",
                CublasLibrary.reason(new NoClassDefFoundError("Could not initialize class jcuda.jcublas.JCublas2\nmore")));
    }

    /** The probe and the layers share one load attempt: a second would only report the first one's failure. */
    @Test
    void theLoadCheckNeverThrowsAndHoldsForTheJvm() {
        CudaProbe.probe();
        String first = CublasLibrary.loadProblem();
        assertEquals(first, CublasLibrary.loadProblem());
        if (first != null) {
            assertFalse(first.contains("Could not initialize class"), "the first attempt's reason: " + first);
            assertFalse(first.contains("\n"), first);
            assertTrue(!first.isBlank(), "a reason, not a blank");
        }
    }

    private static GemmSettings settings(Map<String, String> properties) {
        return GemmSettings.fromProperties(properties::get);
    }
}
