. ./lib.sh
out=cap4; mkdir -p $out
apply f12 one <<'Y' > $out/01-one-owners.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata:
  name: f12
  finalizers: [a.example.com/x, b.example.com/y]
  ownerReferences:
  - {apiVersion: v1, kind: ConfigMap, name: cm, uid: 11111111-1111-1111-1111-111111111111}
spec:
  reference: one
  replicas: 1
Y
apply f12 two <<'Y' > $out/02-two-owners.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata:
  name: f12
  finalizers: [b.example.com/y, c.example.com/z]
  ownerReferences:
  - {apiVersion: v1, kind: Secret, name: s, uid: 22222222-2222-2222-2222-222222222222, controller: true}
spec:
  replicas: 1
Y
apply f12/status st1 <<'Y' > $out/03-status-st1.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata: {name: f12}
status:
  phase: A
  conditions: [{type: Ready, status: "False"}, {type: Synced, status: "True"}]
Y
apply f12/status st2 <<'Y' > $out/04-status-st2-conflict.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata: {name: f12}
status:
  phase: B
  conditions: [{type: Ready, status: "True"}]
Y
apply f12/status st2 '' '&force=true' <<'Y' > $out/05-status-st2-force.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata: {name: f12}
status:
  phase: B
  conditions: [{type: Ready, status: "True"}]
Y
apply f12 one <<'Y' > $out/06-main-apply-with-status-ignored.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata:
  name: f12
  finalizers: [a.example.com/x, b.example.com/y]
  ownerReferences:
  - {apiVersion: v1, kind: ConfigMap, name: cm, uid: 11111111-1111-1111-1111-111111111111}
spec:
  reference: one
  replicas: 1
status:
  phase: Z
Y
req PATCH '/f12?fieldManager=upd' application/merge-patch+json <<'J' > $out/07-update-port-item.json
{"spec":{"replicas":5,"ports":[{"name":"p","port":1}]}}
J
apply f12 one <<'Y' > $out/08-one-conflict-with-update.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata:
  name: f12
  finalizers: [a.example.com/x, b.example.com/y]
  ownerReferences:
  - {apiVersion: v1, kind: ConfigMap, name: cm, uid: 11111111-1111-1111-1111-111111111111}
spec:
  reference: one
  replicas: 1
Y
apply f12 one '' '&force=true' <<'Y' > $out/09-one-force-over-update.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata:
  name: f12
  ownerReferences:
  - {apiVersion: v1, kind: ConfigMap, name: cm, uid: 11111111-1111-1111-1111-111111111111}
spec:
  reference: one
  replicas: 1
Y
apply f12 two <<'Y' > $out/10-two-drops-owner-ref.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata:
  name: f12
  finalizers: [b.example.com/y, c.example.com/z]
spec:
  replicas: 1
Y
