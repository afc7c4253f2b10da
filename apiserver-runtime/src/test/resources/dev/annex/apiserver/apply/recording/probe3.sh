. ./lib.sh
out=cap3; mkdir -p $out
get f3 > $out/01-f3-after-ssa-upgrade.json
get f4 > $out/02-f4-after-failed-upgrade.json
# status PUT/merge on tracked f5
req PATCH "/f5/status?fieldManager=stp" application/merge-patch+json <<'J' > $out/03-f5-status-merge.json
{"status":{"phase":"Down"},"metadata":{"labels":{"x":"y"}},"spec":{"reference":"nope"}}
J
# main-resource merge patch touching status (ignored) by mainp
req PATCH "/f5?fieldManager=mainp" application/merge-patch+json <<'J' > $out/04-f5-main-merge-status.json
{"status":{"phase":"Ignored"},"metadata":{"labels":{"m":"1"}}}
J
# apply to untracked f2 (managedFields were reset)
apply f2 late <<'Y' > $out/05-f2-apply-untracked-conflict.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata: {name: f2}
spec: {reference: changed}
Y
apply f2 late <<'Y' > $out/06-f2-apply-untracked-same.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata: {name: f2}
spec: {reference: p7}
Y
# f5: map list reorder / set list order by two appliers
apply f7 one <<'Y' > $out/07-f7-one.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata: {name: f7}
spec:
  tags: [a, b, c]
  ports: [{name: a, port: 1}, {name: b, port: 2}, {name: c, port: 3}]
Y
apply f7 two <<'Y' > $out/08-f7-two.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata: {name: f7}
spec:
  tags: [d, c, a]
  ports: [{name: d, port: 4}, {name: c, port: 3}, {name: a, port: 1}]
Y
apply f7 one <<'Y' > $out/09-f7-one-reorder.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata: {name: f7}
spec:
  tags: [c, b, a, e]
  ports: [{name: c, port: 3}, {name: b, port: 2}, {name: a, port: 1}, {name: e, port: 5}]
Y
# numbers in set, null values, empty maps
apply f7 three <<'Y' > $out/10-f7-three-empty.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata: {name: f7, labels: {}, annotations: {"a.b/c": "x"}}
spec:
  selector: {}
  extra: {emptymap: {}, list: [1, {a: 1}], n: null}
Y
