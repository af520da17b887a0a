# smyrf4j build. `make run` and `make test` do all set-up on a fresh machine.
MVN      ?= mvn -B -q
JAVA     ?= java
NVCC     ?= nvcc
JAR      := target/smyrf4j.jar
PACK_DIR := target/kernel-pack

.PHONY: all run test kernels jar clean

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
