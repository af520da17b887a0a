package org.smyrf4j.cuda;

import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static org.smyrf4j.cuda.CudaCheck.check;

import java.util.List;
import jcuda.Pointer;

/**
 * Runs kernel launches on the engine's stream: packs the arguments as the driver expects
 * (one pointer per parameter, pointing at the value), raises the dynamic shared memory limit
 * where needed and checks the launch. In checked mode it also poisons every output buffer
 * before the launch, so a result the kernel failed to write shows up as NaN (or as an index
 * out of range), and waits after each launch so an asynchronous fault names its kernel.
 */
final class CudaLauncher implements KernelLauncher {

    /**
     * Poison for outputs: a quiet NaN as float32, 2143289344 as an int index (never a valid
     * position), and neither a valid hash key nor a placeholder key as uint64 halves.
     */
    static final int POISON = 0x7FC00000;

    private final KernelModules modules;
    private final CudaStream stream;
    private final boolean poisonOutputs;
    private final boolean syncEachLaunch;

    CudaLauncher(KernelModules modules, CudaStream stream, boolean poisonOutputs, boolean syncEachLaunch) {
        this.modules = modules;
        this.stream = stream;
        this.poisonOutputs = poisonOutputs;
        this.syncEachLaunch = syncEachLaunch;
    }

    @Override
    public void launch(KernelLaunch launch) {
        EntryPoint entry = launch.entryPoint();
        modules.allowDynamicShared(entry, launch.sharedBytes());
        if (poisonOutputs) {
            poison(launch);
        }
        Pointer params = Pointer.to(parameters(launch.args()));
        check(cuLaunchKernel(modules.function(entry),
                launch.gridX(), launch.gridY(), launch.gridZ(),
                launch.blockThreads(), 1, 1,
                launch.sharedBytes(), stream.handle(), params, null), "cuLaunchKernel(" + launch.describe() + ")");
        if (syncEachLaunch) {
            stream.synchronize(launch.describe());
        }
    }

    @Override
    public void clear(DeviceBuffer buffer, long words, String name) {
        stream.fill32(buffer, 0, words, "clear " + name);
    }

    private void poison(KernelLaunch launch) {
        for (KernelArg arg : launch.args()) {
            if (arg instanceof KernelArg.Buffer b && b.access() == KernelArg.Access.OUT && b.buffer() != null) {
                stream.fill32(b.buffer(), POISON, b.buffer().bytes() / 4, "poison " + b.name());
            }
        }
    }

    /** One pointer per parameter, to a copy of its value; a null buffer passes a zero pointer. */
    static Pointer[] parameters(List<KernelArg> args) {
        Pointer[] params = new Pointer[args.size()];
        for (int i = 0; i < params.length; i++) {
            KernelArg arg = args.get(i);
            if (arg instanceof KernelArg.Buffer b) {
                params[i] = b.buffer() == null ? Pointer.to(new long[] {0L}) : Pointer.to(b.buffer().pointer());
            } else if (arg instanceof KernelArg.Int n) {
                params[i] = Pointer.to(new int[] {n.value()});
            } else if (arg instanceof KernelArg.Float32 f) {
                params[i] = Pointer.to(new float[] {f.value()});
            } else {
                throw new IllegalStateException("unknown kernel argument " + arg);
            }
        }
        return params;
    }
}
