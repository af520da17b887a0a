# smyrf4j build. `make run` and `make test` do all set-up on a fresh machine.
MVN      ?= mvn -B -q
JAVA     ?= java
NVCC     ?= nvcc
CXX      ?= g++
JAR      := target/smyrf4j.jar
PACK_DIR := target/kernel-pack

# Kernel sources: one .cu per family; every header is a dependency of every family.
CUDA_DIR      := src/main/cuda
KERNEL_FAMILIES := $(basename $(notdir $(wildcard $(CUDA_DIR)/*.cu)))
CUDA_HEADERS  := $(wildcard $(CUDA_DIR)/*.h $(CUDA_DIR)/*.cuh)
KERNEL_PARTS  := $(KERNEL_FAMILIES:%=target/kernel-build/%.tsv)

# The CPU emulation: the same .cu files compiled by g++ with src/test/cpp/cuda_emu.h first.
EMU_DIR      := target/emu
EMU_SRC_DIR  := src/test/cpp
EMU_HEADERS  := $(wildcard $(EMU_SRC_DIR)/*.h)
EMU_OBJECTS  := $(KERNEL_FAMILIES:%=$(EMU_DIR)/obj/%.o) $(EMU_DIR)/obj/kernel_driver.o
EMU_CXXFLAGS := -std=c++20 -O2 -pthread -ffp-contract=off -fno-strict-aliasing -Wall -Wextra -Wno-unknown-pragmas \
                -I$(CUDA_DIR) -I$(EMU_SRC_DIR) -include $(EMU_SRC_DIR)/cuda_emu.h

.PHONY: all run test kernels emu jar clean

all: jar

## kernels: the kernel pack (cubins for sm_80/86/89/90 + PTX, and a manifest) under target/kernel-pack
kernels: $(PACK_DIR)/manifest.tsv

$(PACK_DIR)/manifest.tsv: $(KERNEL_PARTS) scripts/build-kernels.sh
	@scripts/build-kernels.sh manifest $@ $(KERNEL_PARTS)

target/kernel-build/%.tsv: $(CUDA_DIR)/%.cu $(CUDA_HEADERS) scripts/build-kernels.sh
	@NVCC="$(NVCC)" scripts/build-kernels.sh family $* $(CUDA_DIR) $(PACK_DIR) $@

## emu: the kernels on the CPU emulation, driven like the Java engine drives them (target/emu/smyrf-emu)
emu: $(EMU_DIR)/smyrf-emu

$(EMU_DIR)/smyrf-emu: $(EMU_OBJECTS)
	$(CXX) -pthread -o $@ $^

$(EMU_DIR)/obj/%.o: $(CUDA_DIR)/%.cu $(CUDA_HEADERS) $(EMU_HEADERS)
	@mkdir -p $(@D)
	$(CXX) $(EMU_CXXFLAGS) -Wno-unused-parameter -x c++ -c $< -o $@

$(EMU_DIR)/obj/kernel_driver.o: $(EMU_SRC_DIR)/kernel_driver.cpp $(CUDA_HEADERS) $(EMU_HEADERS)
	@mkdir -p $(@D)
	$(CXX) $(EMU_CXXFLAGS) -c $< -o $@

## jar: the runnable fat jar, kernel pack inside
jar: kernels
	$(MVN) package -DskipTests

## run: build, then the main job on the embedded default case
run: jar
	scripts/smyrf4j run

## test: every CPU test; gpu tests skip with their reason where no GPU is usable
test: kernels emu
	$(MVN) package

clean:
	rm -rf target
