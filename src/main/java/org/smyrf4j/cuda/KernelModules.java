package org.smyrf4j.cuda;

import static jcuda.driver.JCudaDriver.cuFuncGetAttribute;
import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;
import static org.smyrf4j.cuda.CudaCheck.check;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUmodule;

/**
 * The pack's modules loaded into a context, one per family, and their functions. The context
 * must be current while loading, launching and closing.
 */
final class KernelModules implements AutoCloseable {

    private final KernelImage image;
    private final Map<String, CUmodule> modules;
    private final Map<EntryPoint, CUfunction> functions;
    private final Map<EntryPoint, Integer> staticShared;
    private final Map<EntryPoint, String> unavailable;
    private final Map<EntryPoint, Integer> dynamicSharedSet = new HashMap<>();
    private boolean closed;

    private KernelModules(KernelImage image, Map<String, CUmodule> modules, Map<EntryPoint, CUfunction> functions,
            Map<EntryPoint, Integer> staticShared, Map<EntryPoint, String> unavailable) {
        this.image = image;
        this.modules = modules;
        this.functions = functions;
        this.staticShared = staticShared;
        this.unavailable = unavailable;
    }

    /**
     * Loads the image of every family that {@code entryPoints} need and looks up each entry point.
     * Checks that every kernel accepts the block size its launcher uses (register pressure can
     * lower a kernel's limit below 1024 threads).
     *
     * @throws CudaException         when the driver refuses an image or a function is missing
     * @throws IllegalStateException when a kernel cannot take its launcher's block size
     */
    static KernelModules load(KernelManifest manifest, KernelImage image, List<EntryPoint> entryPoints) {
        return load(manifest, image, entryPoints, List.of());
    }

    /**
     * As {@link #load(KernelManifest, KernelImage, List)} for {@code required}, then tries each of
     * {@code optional}: one that fails is left out, with the reason ({@link #unavailable}).
     */
    static KernelModules load(KernelManifest manifest, KernelImage image, List<EntryPoint> required,
            List<EntryPoint> optional) {
        Map<String, CUmodule> modules = new LinkedHashMap<>();
        Map<EntryPoint, CUfunction> functions = new LinkedHashMap<>();
        Map<EntryPoint, Integer> staticShared = new LinkedHashMap<>();
        Map<EntryPoint, String> unavailable = new LinkedHashMap<>();
        try {
            for (EntryPoint entry : required) {
                loadEntry(manifest, image, entry, modules, functions, staticShared);
            }
        } catch (RuntimeException e) {
            unloadAll(modules.values(), e);
            throw e;
        }
        for (EntryPoint entry : optional) {
            boolean familyLoaded = modules.containsKey(entry.family());
            try {
                loadEntry(manifest, image, entry, modules, functions, staticShared);
            } catch (RuntimeException e) {
                unavailable.put(entry, e.getMessage());
                CUmodule module = familyLoaded ? null : modules.remove(entry.family());
                if (module != null) {
                    try {
                        unloadAll(List.of(module), null);
                    } catch (RuntimeException cleanup) {
                        unavailable.put(entry, e.getMessage() + " (and unloading it: " + cleanup.getMessage() + ")");
                    }
                }
            }
        }
        return new KernelModules(image, modules, functions, staticShared, unavailable);
    }

    private static void loadEntry(KernelManifest manifest, KernelImage image, EntryPoint entry,
            Map<String, CUmodule> modules, Map<EntryPoint, CUfunction> functions,
            Map<EntryPoint, Integer> staticShared) {
        CUmodule module = modules.get(entry.family());
        if (module == null) {
            String file = manifest.file(entry.family(), image.target());
            if (file == null) {
                throw new IllegalStateException("kernel pack has no " + image.target() + " image of family "
                        + entry.family());
            }
            module = new CUmodule();
            check(cuModuleLoadData(module, KernelPack.readImage(file, image.ptx())), "cuModuleLoadData(" + file + ")");
            modules.put(entry.family(), module);
        }
        CUfunction function = new CUfunction();
        check(cuModuleGetFunction(function, module, entry.name()),
                "cuModuleGetFunction(" + entry.family() + ", " + entry.name() + ")");
        int maxThreads = attribute(function, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, entry);
        if (maxThreads < entry.blockThreads()) {
            throw new IllegalStateException(entry.name() + " accepts at most " + maxThreads
                    + " threads per block (registers), its launcher uses " + entry.blockThreads()
                    + ": rebuild the pack with __launch_bounds__ matching smyrf_geometry.h");
        }
        functions.put(entry, function);
        staticShared.put(entry, attribute(function, CUfunction_attribute.CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, entry));
    }

    /** Why an optional entry point did not load, or null when it did. */
    String unavailable(EntryPoint entry) {
        return unavailable.get(entry);
    }

    private static int attribute(CUfunction function, int attribute, EntryPoint entry) {
        int[] value = new int[1];
        check(cuFuncGetAttribute(value, attribute, function), "cuFuncGetAttribute(" + entry.name() + ", "
                + attribute + ")");
        return value[0];
    }

    KernelImage image() { return image; }

    CUfunction function(EntryPoint entry) {
        CUfunction f = functions.get(entry);
        if (f == null) {
            throw new IllegalStateException("kernel " + entry.name() + " is not loaded");
        }
        return f;
    }

    /** Static shared memory the compiled kernel declares (bytes). */
    int staticSharedBytes(EntryPoint entry) {
        Integer bytes = staticShared.get(entry);
        return bytes == null ? 0 : bytes;
    }

    /**
     * Raises the kernel's dynamic shared memory limit to {@code bytes} when the default does not
     * cover it: the default is 48 KiB less the kernel's static shared memory, so the rule looks
     * at both (once per size; the attribute stays set on the function).
     */
    synchronized void allowDynamicShared(EntryPoint entry, int bytes) {
        if (!KernelGeometry.needsSharedOptIn(bytes, staticSharedBytes(entry))) {
            return;
        }
        Integer set = dynamicSharedSet.get(entry);
        if (set != null && set >= bytes) {
            return;
        }
        check(cuFuncSetAttribute(function(entry), CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                bytes), "cuFuncSetAttribute(" + entry.name() + ", MAX_DYNAMIC_SHARED_SIZE_BYTES, " + bytes + ")");
        dynamicSharedSet.put(entry, bytes);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            List<CUmodule> all = new ArrayList<>(modules.values());
            modules.clear();
            functions.clear();
            unloadAll(all, null);
        }
    }

    private static void unloadAll(Iterable<CUmodule> modules, RuntimeException pending) {
        RuntimeException first = null;
        for (CUmodule module : modules) {
            try {
                check(cuModuleUnload(module), "cuModuleUnload");
            } catch (RuntimeException e) {
                if (pending != null) {
                    pending.addSuppressed(e);
                } else if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
