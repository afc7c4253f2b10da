. ./lib.sh
BASE=$SRV/apis/wardle.example.com/v1alpha1/namespaces/wardle/widgets
out=cap6; mkdir -p $out
apply w1 one <<'Y' > $out/01-one.json
apiVersion: wardle.example.com/v1alpha1
kind: Widget
metadata: {name: w1}
spec:
  name: a
  size: 3
  nums: [3, 1, 20]
  items:
  - {id: 2, v: two, sub: {a: x}}
  - {id: 1, v: one}
status: {phase: Main}
Y
apply w1 two <<'Y' > $out/02-two.json
apiVersion: wardle.example.com/v1alpha1
kind: Widget
metadata: {name: w1}
spec:
  nums: [1, 5]
  items:
  - {id: 2, sub: {b: yes-b}}
  - {id: 3, v: three}
Y
apply w1 one <<'Y' > $out/03-one-without-name.json
apiVersion: wardle.example.com/v1alpha1
kind: Widget
metadata: {name: w1}
spec:
  size: 3
  nums: [3, 1, 20]
  items:
  - {id: 2, v: two}
  - {id: 1, v: one}
Y
apply w1 one <<'Y' > $out/04-one-drops-items.json
apiVersion: wardle.example.com/v1alpha1
kind: Widget
metadata: {name: w1}
spec:
  size: 4
Y
req PATCH '/w1?fieldManager=putter' application/merge-patch+json <<'J' > $out/05-put-replaces.json
{"spec":{"size":5,"nums":[5],"items":[{"id":3,"v":"three","sub":{"a":"q"}}]}}
J
