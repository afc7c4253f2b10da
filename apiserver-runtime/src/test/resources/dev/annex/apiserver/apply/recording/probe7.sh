. ./lib.sh
out=cap7; mkdir -p $out
req POST "?fieldManager=creator" application/json <<'J' > $out/01-create.json
{"apiVersion":"wardle.example.com/v1alpha1","kind":"Flunder","metadata":{"name":"f14","namespace":"wardle","labels":{"a":"1","b":"2"}},"spec":{"reference":"r","args":["x"],"config":{"a":"1"},"ports":[{"name":"p","port":1}]},"status":{"phase":"dropped"}}
J
apply f14 app1 <<'Y' > $out/02-app1-shares-unchanged.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata:
  name: f14
  labels: {a: "1"}
spec:
  reference: r
  args: [x]
  config: {a: "1"}
  ports: [{name: p, port: 1}]
Y
apply f14 app2 <<'Y' > $out/03-app2-shares-atomics.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata:
  name: f14
  labels: {a: "1"}
spec:
  args: [x]
  config: {a: "1"}
Y
req PATCH '/f14?fieldManager=app1' application/merge-patch+json <<'J' > $out/04-app1-as-updater.json
{"spec":{"ports":[{"name":"p","port":1},{"name":"q","port":2}]},"metadata":{"labels":{"c":"3"}}}
J
req PATCH '/f14?fieldManager=creator' application/merge-patch+json <<'J' > $out/05-creator-touches-item.json
{"spec":{"ports":[{"name":"p","port":7},{"name":"q","port":2}]}}
J
apply f14 app1 '' '&force=true' <<'Y' > $out/06-app1-drops-item-and-label.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata:
  name: f14
spec:
  reference: r
  args: [x]
  config: {a: "1"}
Y
apply f14 app2 <<'Y' > $out/07-app2-drops-atomics.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata:
  name: f14
Y
req PATCH '/f14/status?fieldManager=stu' application/merge-patch+json <<'J' > $out/08-status-update.json
{"status":{"phase":"Up"}}
J
apply f14 app3 <<'Y' > $out/09-main-apply-status-no-conflict.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata:
  name: f14
status:
  phase: Other
Y
