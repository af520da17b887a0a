package org.smyrf4j.layer;

/** Picks the {@link GemmKernel} for this JVM, as the CPU attention engine picks its kernel. */
final class GemmKernels {

    /** The incubating module the vector kernel needs ({@code --add-modules jdk.incubator.vector}). */
    static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final String VECTOR_KERNEL = "org.smyrf4j.layer.VectorGemmKernel";

    private GemmKernels() {
    }

    /** The vector kernel when the module is in the boot layer and loads, else the scalar one. */
    static GemmKernel best() {
        GemmKernel vector = vector();
        return vector != null ? vector : new ScalarGemmKernel();
    }

    /**
     * The vector kernel, or null where it cannot load. Created by reflection so that no class
     * naming jdk.incubator.vector is linked on a JVM without the module.
     */
    static GemmKernel vector() {
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
            return null;
        }
        try {
            return (GemmKernel) Class.forName(VECTOR_KERNEL).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }
}
