// gpu_pack_check.cpp: loads the kernel pack the way the Java launchers will (driver API, one
// module per file) on a real GPU: every entry of the manifest for this card's cubin target and
// for the PTX must resolve, and the cubin's register count must equal the manifest's.
// GPU machines only:  g++ -O2 -I$CUDA_HOME/include gpu_pack_check.cpp -lcuda -o pack-check
//                     ./pack-check target/kernel-pack
#include <cuda.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

static bool ok(CUresult r, const std::string& what) {
    if (r == CUDA_SUCCESS) return true;
    const char* text = nullptr;
    cuGetErrorString(r, &text);
    std::printf("FAIL %s: %s\n", what.c_str(), text ? text : "?");
    return false;
}

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: pack-check <pack-dir>\n");
        return 2;
    }
    std::string dir = argv[1];
    CUdevice dev;
    CUcontext ctx;
    if (!ok(cuInit(0), "cuInit") || !ok(cuDeviceGet(&dev, 0), "cuDeviceGet")) return 1;
    int major = 0, minor = 0;
    cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
    cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
    if (!ok(cuDevicePrimaryCtxRetain(&ctx, dev), "cuDevicePrimaryCtxRetain") || !ok(cuCtxSetCurrent(ctx), "cuCtxSetCurrent")) return 1;
    const std::string cubinTarget = "sm_" + std::to_string(major * 10 + minor);
    std::ifstream manifest(dir + "/manifest.tsv");
    std::map<std::string, CUmodule> modules;
    int checked = 0, failures = 0;
    for (std::string line; std::getline(manifest, line);) {
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> f;
        std::stringstream ss(line);
        for (std::string col; std::getline(ss, col, '\t');) f.push_back(col);
        const std::string& target = f[1];
        const std::string& file = f[2];
        const std::string& entry = f[3];
        if (target != cubinTarget && target != "compute_80") continue;
        if (!modules.count(file)) {
            CUmodule m;
            if (!ok(cuModuleLoad(&m, (dir + "/" + file).c_str()), "cuModuleLoad " + file)) { failures++; continue; }
            modules[file] = m;
        }
        CUfunction fn;
        if (!ok(cuModuleGetFunction(&fn, modules[file], entry.c_str()), file + ": " + entry)) { failures++; continue; }
        int regs = 0, smem = 0;
        cuFuncGetAttribute(&regs, CU_FUNC_ATTRIBUTE_NUM_REGS, fn);
        cuFuncGetAttribute(&smem, CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, fn);
        bool match = target != cubinTarget || (std::to_string(regs) == f[4] && std::to_string(smem) == f[5]);
        std::printf("%-4s %-26s %-24s regs %3d (manifest %s) static smem %5d (manifest %s)\n", match ? "ok" : "DIFF",
                file.c_str(), entry.c_str(), regs, f[4].c_str(), smem, f[5].c_str());
        failures += match ? 0 : 1;
        checked++;
    }
    std::printf("pack-check: %d entries on %s + compute_80 PTX, %d failures\n", checked, cubinTarget.c_str(), failures);
    return failures == 0 && checked > 0 ? 0 : 1;
}
