package org.smyrf4j.cuda;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether cuBLAS can be called from this JVM: JCublas's classes initialize, which loads its
 * native library, which links {@code libcublas.so.12} (CUDA 12's cuBLAS; a CUDA 13 machine ships
 * libcublas.so.13 only). Loading may fail with an UnsatisfiedLinkError or anything else; the
 * failure becomes a reason, never a crash.
 */
final class CublasLibrary {

    /** The bindings the project builds against (pom.xml's jcuda.version). */
    static final String JCUBLAS = "JCublas 12.6.0";
    /** The library JCublas 12.6.0 links. */
    static final String LIBRARY = "libcublas.so.12";

    private static final Pattern CANNOT_OPEN =
            Pattern.compile("(lib[A-Za-z0-9_+.-]*?\\.so(?:\\.\\d+)*): (cannot open shared object file[^\\n]*)");

    private CublasLibrary() {
    }

    /**
     * Null when JCublas loads, else why not, in one line. Computed once per JVM: a class whose
     * static initializer failed cannot be initialized again, so a second try would only report
     * "Could not initialize class".
     */
    static String loadProblem() {
        Throwable failure = loadFailure();
        return failure == null ? null : reason(failure);
    }

    /** What the one attempt to load JCublas threw, or null when it loaded (CudaProbe reports it too). */
    static Throwable loadFailure() {
        return Holder.FAILURE;
    }

    private static final class Holder {
        static final Throwable FAILURE = tryLoad();
    }

    private static Throwable tryLoad() {
        try {
            Class.forName("jcuda.jcublas.JCublas2", true, CublasLibrary.class.getClassLoader());
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    /**
     * The dynamic linker's complaint when the failure has one ("cannot open shared object file:
     * No such file or directory", prefixed with the library when it is not libcublas.so.12
     * itself), else the failure's first line.
     */
    static String reason(Throwable failure) {
        for (Throwable c = failure; c != null; c = c.getCause()) {
            String message = c.getMessage();
            if (message != null) {
                Matcher m = CANNOT_OPEN.matcher(message);
                if (m.find()) {
                    return m.group(1).equals(LIBRARY) ? m.group(2) : m.group(1) + ": " + m.group(2);
                }
            }
        }
        String message = failure.getMessage();
        String text = failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
