#!/usr/bin/env bash
# Builds the base image Annex's images start from when no registry is reachable: a minimal Debian
# (debootstrap, minbase) with openjdk-17-jre-headless, written as a `docker save` tarball that Jib
# takes as `-Djib.from.image=tar://<file>`. Cached outside the clone; prints the tarball's path on
# its last line. Needs root (debootstrap) and installs debootstrap when missing.
set -euo pipefail
suite=${ANNEX_BASE_SUITE:-bookworm}
mirror=${ANNEX_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${ANNEX_CACHE:-$HOME/.cache/annex}/images
tarball=$cache/debian-$suite-jre17.tar
if [ -s "$tarball" ]; then echo "$tarball"; exit 0; fi

if ! command -v debootstrap >/dev/null; then
  echo "installing debootstrap ..." >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/annex-base.XXXXXX")
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
start=$(date +%s)
echo "debootstrapping $suite with openjdk-17-jre-headless into $rootfs ..." >&2
debootstrap --variant=minbase --include=openjdk-17-jre-headless,ca-certificates "$suite" "$rootfs" "$mirror" \
  > "$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
# What a JVM in a container never reads: package caches, lists, docs, manuals, translations.
rm -rf "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* \
  "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*
find "$rootfs"/usr/share/locale -mindepth 1 -maxdepth 1 ! -name 'C.*' -exec rm -rf {} +

python3 - "$rootfs" "$work/image" "$suite" <<'PY'
import hashlib, json, os, sys, tarfile
rootfs, out, suite = sys.argv[1:]
os.makedirs(out)
layer = os.path.join(out, "layer.tar")
with tarfile.open(layer, "w", format=tarfile.PAX_FORMAT) as tar:
    def clean(info):
        info.uname = info.gname = ""
        info.mtime = 0  # same rootfs, same layer digest
        return info
    for name in sorted(os.listdir(rootfs)):
        tar.add(os.path.join(rootfs, name), arcname=name, filter=clean)
digest = hashlib.sha256(open(layer, "rb").read()).hexdigest()
java_home = "/usr/lib/jvm/java-17-openjdk-amd64"
config = {
    "architecture": "amd64", "os": "linux",
    "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                       "JAVA_HOME=" + java_home, "LANG=C.UTF-8"]},
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + digest]},
    "history": [{"created_by": "debootstrap --variant=minbase %s + openjdk-17-jre-headless" % suite}],
}
config_bytes = json.dumps(config, sort_keys=True).encode()
config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
open(os.path.join(out, config_name), "wb").write(config_bytes)
json.dump([{"Config": config_name, "RepoTags": ["annex-base:%s-jre17" % suite], "Layers": ["layer.tar"]}],
          open(os.path.join(out, "manifest.json"), "w"))
PY
mkdir -p "$cache"
(cd "$work/image" && tar -cf "$tarball.tmp" -- *)
mv "$tarball.tmp" "$tarball"
echo "built $tarball ($(du -h "$tarball" | cut -f1)) in $(( $(date +%s) - start ))s" >&2
echo "$tarball"
