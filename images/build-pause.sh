#!/usr/bin/env bash
# Builds the test node's sandbox ("pause") image from pause.c: a static binary in a one-layer image,
# written as a `docker save` tarball that `ctr images import` takes. Cached outside the clone;
# prints the tarball's path on its last line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tag=${ANNEX_PAUSE_IMAGE:-annex.local/pause:3.10}
cache=${ANNEX_CACHE:-$HOME/.cache/annex}/images
sum=$(sha256sum "$here/pause.c" "$0" | sha256sum | cut -c1-12)
tarball=$cache/pause-$sum.tar
if [ -s "$tarball" ]; then echo "$tarball"; exit 0; fi
work=$(mktemp -d "${TMPDIR:-/tmp}/annex-pause.XXXXXX")
trap 'rm -rf "$work"' EXIT
gcc -Os -static -o "$work/pause" "$here/pause.c"
python3 - "$work" "$tag" <<'PY'
import hashlib, json, os, sys, tarfile
work, tag = sys.argv[1:]
layer = os.path.join(work, "layer.tar")
with tarfile.open(layer, "w") as tar:
    info = tar.gettarinfo(os.path.join(work, "pause"), "pause")
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mtime = 0
    with open(os.path.join(work, "pause"), "rb") as f:
        tar.addfile(info, f)
digest = hashlib.sha256(open(layer, "rb").read()).hexdigest()
config = json.dumps({"architecture": "amd64", "os": "linux",
                     "config": {"Entrypoint": ["/pause"], "User": "65535:65535"},
                     "rootfs": {"type": "layers", "diff_ids": ["sha256:" + digest]}}, sort_keys=True).encode()
name = hashlib.sha256(config).hexdigest() + ".json"
open(os.path.join(work, name), "wb").write(config)
json.dump([{"Config": name, "RepoTags": [tag], "Layers": ["layer.tar"]}],
          open(os.path.join(work, "manifest.json"), "w"))
PY
mkdir -p "$cache"
(cd "$work" && tar -cf "$tarball.tmp" layer.tar -- *.json)
mv "$tarball.tmp" "$tarball"
echo "$tarball"
