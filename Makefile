# smyrf4j build. `make run` and `make test` do all set-up on a fresh machine.
MVN      ?= mvn -B -q
JAVA     ?= java
NVCC     ?= nvcc
JAR      := target/smyrf4j.jar
PACK_DIR := target/kernel-pack

.PHONY: all run test kernels jar clean jmh bench

all: jar

## kernels: the kernel pack (cubins for sm_80/86/89/90 + PTX, and a manifest) under target/kernel-pack
kernels:
	@command -v $(NVCC) >/dev/null || { echo "nvcc not found: install the CUDA toolkit (13.x) to build the kernel pack"; exit 1; }
	@mkdir -p $(PACK_DIR)

## jar: the runnable fat jar, kernel pack inside
jar: kernels
	$(MVN) package -DskipTests

## run: build, then the main job on the embedded default case
run: jar
	scripts/smyrf4j run

## test: every CPU test; gpu tests skip with their reason where no GPU is usable
test: kernels
	$(MVN) package

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
## a jlink JRE, the jar (kernel pack inside), the test classes and golden data, JUnit's console launcher
BUNDLE_DIR     := .bundle
JLINK          ?= jlink
STRIP          := $(shell command -v strip 2>/dev/null)
BUNDLE_MODULES := java.base,java.logging,java.xml,jdk.incubator.vector,jdk.unsupported,jdk.zipfs
JUNIT_CONSOLE  := org.junit.platform:junit-platform-console-standalone:1.14.1
BUNDLE_MAX_MIB := 60

.PHONY: bundle
bundle: jar
	rm -rf $(BUNDLE_DIR)
	mkdir -p $(BUNDLE_DIR)/lib $(BUNDLE_DIR)/test-data
	$(JLINK) --add-modules $(BUNDLE_MODULES) --strip-debug --no-man-pages --no-header-files --compress=2 \
		--output $(BUNDLE_DIR)/jre
	# The distribution's libjvm.so keeps its symbol table: 3 MiB that only debuggers read.
	$(if $(STRIP),$(STRIP) --strip-unneeded $(BUNDLE_DIR)/jre/lib/server/libjvm.so)
	cp $(JAR) $(BUNDLE_DIR)/smyrf4j.jar
	cp -r target/test-classes $(BUNDLE_DIR)/test-classes
	cp -r test-data/golden $(BUNDLE_DIR)/test-data/golden
	$(MVN) dependency:copy -Dartifact=$(JUNIT_CONSOLE) -DoutputDirectory=$(BUNDLE_DIR)/lib -Dmdep.stripVersion=true
	@size=$$(du -sm $(BUNDLE_DIR) | cut -f1); echo "bundle: $(BUNDLE_DIR) is $$size MiB (limit $(BUNDLE_MAX_MIB) MiB)"; \
		test $$size -le $(BUNDLE_MAX_MIB) || { echo "bundle too large: $$size MiB > $(BUNDLE_MAX_MIB) MiB"; exit 1; }
