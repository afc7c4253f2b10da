# The verbs a user and CI type. `make run` and `make test` are the two set-up commands.
SHELL := /bin/bash
MVN ?= mvn
MVN_FLAGS ?= -B -ntp
CONTROLPLANE_BUILD := controlplane/build.sh

.PHONY: build test run run-cluster run-operator crds controlplane node-prereqs bench bench-runtime clean

build:
	$(MVN) $(MVN_FLAGS) -DskipTests package

# Every test: unit tests (surefire) and integration tests (failsafe, against the real control
# plane, whose binaries are built first; the harness finds them through ANNEX_CONTROLPLANE_DIR).
# The OLM bundle is validated first; the images are built too (Jib, on the Debian base
# images/build-base.sh caches), tested, and run as pods on a one-node cluster (cluster/).
test: node-prereqs bundle-validate
	dir=$$($(CONTROLPLANE_BUILD) | tail -n 1) && base=$$($(BASE_IMAGE_BUILD) | tail -n 1) && \
	  ANNEX_CONTROLPLANE_DIR="$$dir" $(MVN) $(MVN_FLAGS) $(IMAGE_FLAGS) verify

# Regenerates crds/ from the model classes (the build checks the copy is not stale).
crds:
	$(MVN) $(MVN_FLAGS) -pl operator -am -DskipTests -Dannex.crds.update=true process-classes

# The embedded default: a local control plane (built once into ~/.cache/annex), the operator, and
# examples/wardle.yaml with its runtime as a local process; prints `export KUBECONFIG=...` and
# serves until Ctrl-C, then stops everything it started.
run:
	dir=$$($(CONTROLPLANE_BUILD) etcd kube-apiserver kube-controller-manager | tail -n 1) && \
	  $(MVN) $(MVN_FLAGS) -pl local -am -DskipTests package && \
	  ANNEX_CONTROLPLANE_DIR="$$dir" java -jar local/target/annex-local.jar

# Annex as in a real cluster, on the one-node cluster the node tests use (root: it makes a network
# namespace): the images built and imported into the node's containerd, deploy/annex.yaml and
# examples/wardle.yaml applied with kubectl, operator and runtime running as pods; prints
# `export KUBECONFIG=...` and stays up until Ctrl-C, then removes everything the node made.
run-cluster: node-prereqs
	dir=$$($(CONTROLPLANE_BUILD) | tail -n 1) && base=$$($(BASE_IMAGE_BUILD) | tail -n 1) && \
	  $(MVN) $(MVN_FLAGS) -pl cluster -am -DskipTests $(IMAGE_FLAGS) package && \
	  ANNEX_CONTROLPLANE_DIR="$$dir" java -jar cluster/target/annex-cluster.jar

# Runs only the operator, against the cluster of the current kubeconfig (CRD applied first).
# /metrics on ANNEX_METRICS_PORT (8080).
run-operator:
	$(MVN) $(MVN_FLAGS) -pl operator -am -DskipTests package
	kubectl apply --server-side -f crds/aggregatedapis.annex.dev-v1.yml
	java -jar operator/target/annex-operator-*-all.jar

# The pinned control-plane and node binaries (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubelet, kube-proxy, CoreDNS), built once into ~/.cache/annex.
controlplane:
	$(CONTROLPLANE_BUILD)

# What the test node runs besides the pinned binaries: containerd, runc and the CNI plugins from
# Debian (runc must be Debian's: one built without seccomp fails), debootstrap for the base image.
NODE_PACKAGES := containerd runc containernetworking-plugins debootstrap iproute2 util-linux gcc
node-prereqs:
	@missing=""; for p in $(NODE_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing (Debian packages for the test node) ..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# Annex's runtime against k8s.io/sample-apiserver on one etcd, then its memory backend alone (see
# bench/README.md; about 25 min with the defaults). Installs wrk from Debian if missing; k6 (Go
# module proxy) and matplotlib (PyPI) are cached under ~/.cache/annex by the script. Prints where
# the results went. BENCH_SECONDS per phase, BENCH_REPEATS alternated runs per server.
BENCH_SECONDS ?= 6
BENCH_REPEATS ?= 3
bench:
	@command -v wrk >/dev/null 2>&1 || { echo "installing wrk (Debian) ..."; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(MVN) $(MVN_FLAGS) -pl apiserver-runtime,local -am -DskipTests package
	bench/compare.sh $(BENCH_SECONDS) $(BENCH_REPEATS)

# The older load run of the runtime alone (memory and etcd3, AlwaysAllow), into bench/results/<time>.md.
bench-runtime:
	@command -v wrk >/dev/null 2>&1 || { echo "installing wrk (Debian) ..."; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(MVN) $(MVN_FLAGS) -pl apiserver-runtime -am -DskipTests package
	bench/run.sh 15

# Images without a Docker engine: Jib writes operator/target/annex-operator-image.tar and
# apiserver-runtime/target/annex-apiserver-image.tar (`docker load -i`, `ctr images import`). The base
# is the offline Debian + JRE 17 that images/build-base.sh debootstraps once into ~/.cache/annex/images;
# with a registry at hand, `make images BASE_IMAGE=eclipse-temurin:17-jre` (the poms' default) works too.
.PHONY: images bundle bundle-validate
BASE_IMAGE_BUILD := images/build-base.sh
BASE_IMAGE ?=
IMAGE_FLAGS = -Dannex.images.skip=false -Djib.from.image=$(if $(BASE_IMAGE),$(BASE_IMAGE),tar://$$base)
images: node-prereqs
	base=$$($(BASE_IMAGE_BUILD) | tail -n 1) && \
	  $(MVN) $(MVN_FLAGS) -pl operator,apiserver-runtime -am -DskipTests $(IMAGE_FLAGS) package
	@ls -lh operator/target/annex-operator-image.tar apiserver-runtime/target/annex-apiserver-image.tar

# Regenerates deploy/ and bundle/ from their one source (shipping/; the RBAC from the operator's code).
bundle:
	$(MVN) $(MVN_FLAGS) -pl shipping -am -DskipTests -Dannex.shipping.update=true process-classes

# The operator-framework validators (tools/bundle-validate, built once from the Go module proxy into
# ~/.cache/annex/bin) on bundle/, for the Kubernetes minor the tests run; exits non-zero on any error.
BUNDLE_VALIDATE := $(HOME)/.cache/annex/bin/bundle-validate-$(shell cat tools/bundle-validate/go.sum tools/bundle-validate/main.go | sha256sum | cut -c1-12)
K8S_MINOR := $(shell sed -n 's/^[[:space:]]*k8s.io\/kubernetes v\([0-9]*\.[0-9]*\).*/\1/p' controlplane/go.mod | head -n 1)
bundle-validate:
	@test -x $(BUNDLE_VALIDATE) || { echo "building tools/bundle-validate ..."; mkdir -p $(dir $(BUNDLE_VALIDATE)) && \
	  cd tools/bundle-validate && go build -o $(BUNDLE_VALIDATE).tmp . && mv $(BUNDLE_VALIDATE).tmp $(BUNDLE_VALIDATE); }
	$(BUNDLE_VALIDATE) -k8s-version $(K8S_MINOR) bundle

clean:
	$(MVN) $(MVN_FLAGS) clean
