. ./lib.sh
out=cap1; mkdir -p $out
# 01 create via apply by alpha (all list/map kinds)
apply f1 alpha <<'Y' > $out/01-alpha-create.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata:
  name: f1
  namespace: wardle
  labels: {app: one, tier: web}
  annotations: {note: hi}
  finalizers: [example.com/keep]
spec:
  reference: a
  tags: [t1, t2]
  args: [--one, --two]
  ports:
  - {name: http, port: 80}
  - {name: dns, protocol: UDP, port: 53}
  selector: {k1: v1, k2: v2}
  config: {a: "1"}
  extra: {deep: {x: 1, y: [1, 2]}, s: str}
status: {phase: Ignored}
Y
# 02 beta applies same values on some fields + new ones (shared)
apply f1 beta <<'Y' > $out/02-beta-shared.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata:
  name: f1
  labels: {app: one}
spec:
  reference: a
  tags: [t2, t3]
  ports:
  - {name: http, port: 80}
  - {name: https, port: 443}
  selector: {k2: v2, k3: v3}
Y
# 03 beta conflicts on one field
apply f1 beta <<'Y' > $out/03-beta-conflict1.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata: {name: f1}
spec:
  reference: b
Y
# 04 gamma conflicts with several fields and two managers
apply f1 gamma <<'Y' > $out/04-gamma-conflicts.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata:
  name: f1
  labels: {app: two}
spec:
  reference: c
  args: [--three]
  ports:
  - {name: http, port: 8080}
  config: {b: "2"}
  extra: {deep: {x: 2}}
Y
# 05 alpha drops tags y, selector k1/k2, port dns, label tier, extra.s; keeps reference
apply f1 alpha <<'Y' > $out/05-alpha-removes.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata:
  name: f1
  labels: {app: one}
  annotations: {note: hi}
  finalizers: [example.com/keep]
spec:
  reference: a
  tags: [t1]
  args: [--one, --two]
  ports:
  - {name: http, port: 80}
  selector: {k1: v1}
  config: {a: "1"}
  extra: {deep: {x: 1, y: [1, 2]}}
Y
# 06 gamma force
apply f1 gamma '' '&force=true' <<'Y' > $out/06-gamma-force.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata:
  name: f1
  labels: {app: two}
spec:
  reference: c
  args: [--three]
  ports:
  - {name: http, port: 8080}
  config: {b: "2"}
  extra: {deep: {x: 2}}
Y
# 07 update (merge patch) by editor changes reference, adds tag, changes replicas
req PATCH '/f1?fieldManager=editor' application/merge-patch+json <<'J' > $out/07-editor-merge.json
{"spec":{"reference":"e","replicas":3,"tags":["t1","t3","t4"]}}
J
# 08 alpha re-applies reference a -> conflict with editor (Update manager)
apply f1 alpha <<'Y' > $out/08-alpha-conflict-update.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata:
  name: f1
spec:
  reference: a
  replicas: 1
Y
# 09 status apply
apply f1/status st <<'Y' > $out/09-status-apply.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata:
  name: f1
  labels: {fromstatus: "yes"}
spec:
  reference: zzz
status:
  phase: Running
  conditions:
  - {type: Ready, status: "True"}
Y
# 10 no-op apply by delta of identical values
apply f1 delta <<'Y' > $out/10-delta-noop.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata:
  name: f1
spec:
  reference: e
Y
# 11 alpha applies empty (removes everything it solely owns)
apply f1 alpha <<'Y' > $out/11-alpha-empty.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata:
  name: f1
Y
