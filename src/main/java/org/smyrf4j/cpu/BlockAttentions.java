package org.smyrf4j.cpu;

/** Picks the {@link BlockAttention} kernel for this JVM. */
final class BlockAttentions {

    /** The incubating module the vector kernel needs ({@code --add-modules jdk.incubator.vector}). */
    static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final String VECTOR_KERNEL = "org.smyrf4j.cpu.VectorBlockAttention";

    private BlockAttentions() {
    }

    /** The vector kernel when the module is in the boot layer, else the scalar one. */
    static BlockAttention best() {
        if (vectorModulePresent()) {
            BlockAttention vector = vector();
            if (vector != null) {
                return vector;
            }
        }
        return new ScalarBlockAttention();
    }

    static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    /**
     * The vector kernel, or null where it cannot load. Created by reflection so that no class
     * naming jdk.incubator.vector is linked on a JVM without the module.
     */
    static BlockAttention vector() {
        if (!vectorModulePresent()) {
            return null;
        }
        try {
            return (BlockAttention) Class.forName(VECTOR_KERNEL).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }
}
