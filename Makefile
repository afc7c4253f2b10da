# The verbs a user and CI type. `make run` and `make test` are the two set-up commands.
SHELL := /bin/bash
MVN ?= mvn
MVN_FLAGS ?= -B -ntp
CONTROLPLANE_BUILD := controlplane/build.sh

.PHONY: build test run crds controlplane bench clean

build:
	$(MVN) $(MVN_FLAGS) -DskipTests package

# Every test: unit tests (surefire) and integration tests (failsafe, against the real control
# plane, whose binaries are built first; the harness finds them through ANNEX_CONTROLPLANE_DIR).
test:
	dir=$$($(CONTROLPLANE_BUILD) | tail -n 1) && ANNEX_CONTROLPLANE_DIR="$$dir" $(MVN) $(MVN_FLAGS) verify

# Regenerates crds/ from the model classes (the build checks the copy is not stale).
crds:
	$(MVN) $(MVN_FLAGS) -pl operator -am -DskipTests -Dannex.crds.update=true process-classes

# The pinned kube-apiserver, kube-controller-manager and etcd, built once into ~/.cache/annex.
controlplane:
	$(CONTROLPLANE_BUILD)

clean:
	$(MVN) $(MVN_FLAGS) clean
