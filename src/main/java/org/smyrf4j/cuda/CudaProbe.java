package org.smyrf4j.cuda;

import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUresult;

/**
 * Finds out whether the CUDA engine can run here, and why not. The answer is a fact of the
 * machine, so {@link #probe()} computes it once per JVM.
 *
 * <p>Steps, each with its own reason on failure: JCuda's driver bindings load (they need
 * {@code libcuda.so.1}); {@code cuInit}; a device exists; device 0 has compute capability 8.0
 * or newer; the kernel pack is on the class path; it has an image for the card (exact cubin,
 * a binary-compatible cubin of the same major, or PTX to JIT); and that image loads, with every
 * entry point present and accepting its launch block size. Whether cuBLAS loads is reported but
 * never makes the probe fail (the engine does not need it).
 */
public final class CudaProbe {

    /** The reason given when the jar carries no kernel pack. */
    public static final String PACK_MISSING = "kernel pack missing: build with make kernels";

    private static final Pattern MISSING_LIBRARY =
            Pattern.compile("(lib[A-Za-z0-9_+.-]*?\\.so(?:\\.\\d+)*): cannot open shared object file");

    private CudaProbe() {
    }

    /**
     * What the probe found. Fields that could not be read are null.
     *
     * @param usable            whether the CUDA engine can run
     * @param reason            why (or why not), in words a user can act on
     * @param deviceName        the card, e.g. "NVIDIA H100 80GB HBM3"
     * @param computeCapability e.g. "9.0"
     * @param driverVersion     e.g. "13.0" (the CUDA version the driver supports)
     * @param kernelPack        summary of the kernel pack: targets, families, which image serves this card
     * @param cublas            whether cuBLAS loads, and why not
     */
    public record Result(boolean usable, String reason, String deviceName, String computeCapability,
            String driverVersion, String kernelPack, String cublas) {
        public String summary() { return reason; }
    }

    /** The probe of this JVM, computed on first use. Never throws: every failure becomes a reason. */
    public static Result probe() {
        return Holder.RESULT;
    }

    /** Prints the probe, one field per line (for scripts and bug reports). */
    public static void main(String[] args) {
        Result r = probe();
        System.out.println("usable:             " + r.usable());
        System.out.println("reason:             " + r.reason());
        System.out.println("device:             " + r.deviceName());
        System.out.println("compute capability: " + r.computeCapability());
        System.out.println("driver (CUDA):      " + r.driverVersion());
        System.out.println("kernel pack:        " + r.kernelPack());
        System.out.println("cuBLAS:             " + r.cublas());
    }

    private static final class Holder {
        static final Result RESULT = run();
    }

    /** Runs every check now. Never throws. */
    static Result run() {
        String cublas = cublasStatus();
        Facts f = new Facts(cublas);
        try {
            return f.probe();
        } catch (Throwable t) {
            // A bug or an unexpected driver state must not take the caller down: report it.
            return f.fail("CUDA probe failed unexpectedly: " + t);
        }
    }

    /** The facts gathered so far, so a failure at any step still reports them. */
    private static final class Facts {
        final String cublas;
        String device;
        String capability;
        String driver;
        String pack;

        Facts(String cublas) {
            this.cublas = cublas;
        }

        Result fail(String reason) {
            return new Result(false, reason, device, capability, driver, pack, cublas);
        }

        Result probe() {
            String driverProblem = loadDriverBindings();
            if (driverProblem != null) {
                return fail(driverProblem);
            }
            int init = cuInit(0);
            if (init == CUresult.CUDA_ERROR_NO_DEVICE) {
                return fail("no CUDA device (cuInit: CUDA_ERROR_NO_DEVICE)");
            }
            if (init != CUresult.CUDA_SUCCESS) {
                return fail("the CUDA driver does not initialize: cuInit returned " + CUresult.stringFor(init));
            }
            int[] version = new int[1];
            if (cuDriverGetVersion(version) == CUresult.CUDA_SUCCESS) {
                driver = version[0] / 1000 + "." + (version[0] % 1000) / 10;
            }
            int[] count = new int[1];
            int counted = cuDeviceGetCount(count);
            if (counted != CUresult.CUDA_SUCCESS) {
                return fail("cannot count CUDA devices: cuDeviceGetCount returned " + CUresult.stringFor(counted));
            }
            if (count[0] == 0) {
                return fail("no CUDA device");
            }
            CUdevice dev = new CUdevice();
            int got = cuDeviceGet(dev, 0);
            if (got != CUresult.CUDA_SUCCESS) {
                return fail("cannot open CUDA device 0: cuDeviceGet returned " + CUresult.stringFor(got));
            }
            device = CudaContext.deviceName(dev);
            int major = CudaContext.attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
            int minor = CudaContext.attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
            capability = major + "." + minor;
            if (major < 8) {
                return fail(device + " has compute capability " + capability
                        + "; the kernels need 8.0 (Ampere) or newer");
            }
            KernelManifest manifest;
            try {
                manifest = KernelPack.readManifest();
            } catch (RuntimeException e) {
                return fail("kernel pack manifest unreadable: " + e.getMessage());
            }
            if (manifest == null) {
                return fail(PACK_MISSING);
            }
            pack = manifest.summary();
            KernelImage image;
            try {
                image = manifest.imageFor(major, minor, KernelPack.REQUIRED_ENTRY_POINTS);
            } catch (IllegalStateException e) {
                return fail(e.getMessage());
            }
            pack = pack + "; serves " + capability + " with " + image.why();
            String loadProblem = tryLoad(manifest, image);
            if (loadProblem != null) {
                // The usual cause is a driver older than the nvcc that built the pack: say both.
                return fail("kernel pack does not load on " + device + ": " + loadProblem + " (driver: CUDA " + driver
                        + "; pack built by nvcc " + manifest.nvccVersion() + ")");
            }
            return new Result(true, device + " (compute " + capability + ", driver CUDA " + driver + "), kernels: "
                    + image.why(), device, capability, driver, pack, cublas);
        }
    }

    /** Loads every module and function of the chosen image once, then unloads them; null when fine. */
    private static String tryLoad(KernelManifest manifest, KernelImage image) {
        try (CudaContext context = CudaContext.open(0)) {
            try (CudaContext.Scope scope = context.enter();
                    KernelModules modules = KernelModules.load(manifest, image, KernelPack.REQUIRED_ENTRY_POINTS,
                            KernelPack.OPTIONAL_ENTRY_POINTS)) {
                return null;
            }
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    /** Null when JCuda's driver bindings load, else why not. */
    static String loadDriverBindings() {
        try {
            Class.forName("jcuda.driver.JCudaDriver", true, CudaProbe.class.getClassLoader());
            return null;
        } catch (Throwable t) {
            String missing = missingLibrary(t);
            if (missing != null && missing.startsWith("libcuda.so")) {
                return "no CUDA driver: " + missing + " not found";
            }
            if (missing != null) {
                return "cannot load JCuda's driver bindings: " + missing + " not found";
            }
            if (t instanceof ClassNotFoundException || t instanceof NoClassDefFoundError) {
                return "JCuda is not on the class path (" + t.getMessage() + ")";
            }
            return "cannot load JCuda's driver bindings: " + firstLine(t);
        }
    }

    /** Whether cuBLAS loads through JCublas (12.6.0 links libcublas.so.12), and why not. */
    static String cublasStatus() {
        // One load attempt per JVM, shared with the layers' GEMM choice: a failed class
        // initialization cannot be retried, and a second try would only say so.
        Throwable t = CublasLibrary.loadFailure();
        if (t == null) {
            return "cuBLAS available (libcublas.so.12 via JCublas 12.6.0)";
        }
        String missing = missingLibrary(t);
        if (missing != null && missing.startsWith("libcublas")) {
            return "cuBLAS unavailable: " + missing + " not found (JCublas 12.6.0 needs CUDA 12's cuBLAS;"
                    + " a CUDA 13 toolkit ships libcublas.so.13); the engine does not need it";
        }
        if (missing != null) {
            return "cuBLAS unavailable: " + missing + " not found; the engine does not need it";
        }
        return "cuBLAS unavailable: " + firstLine(t) + "; the engine does not need it";
    }

    /** The shared library a load failure names as missing ("libcuda.so.1"), or null. */
    static String missingLibrary(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String message = c.getMessage();
            if (message != null) {
                Matcher m = MISSING_LIBRARY.matcher(message);
                if (m.find()) {
                    return m.group(1);
                }
            }
        }
        return null;
    }

    private static String firstLine(Throwable t) {
        String message = t.getMessage();
        String text = t.getClass().getSimpleName() + (message == null ? "" : ": " + message);
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
