. ./lib.sh
out=cap2; mkdir -p $out
cat > f2.yaml <<'Y'
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata:
  name: f2
  namespace: wardle
  labels: {app: two}
spec:
  reference: r1
  tags: [t1]
  ports:
  - {name: http, port: 80}
Y
# a) kubectl create => Update by kubectl-create
kubectl create -f f2.yaml -o json > $out/01-kubectl-create.json
# b) CSA flow on f3
sed 's/f2/f3/' f2.yaml > f3.yaml
kubectl apply -f f3.yaml -o json > $out/02-csa-apply.json
sed 's/r1/r2/' f3.yaml > f3b.yaml
kubectl apply --server-side -f f3b.yaml -o json > $out/03-ssa-after-csa.json 2> $out/03-ssa-after-csa.err
# a manager other than kubectl after CSA conflicts
sed 's/r1/r3/' f3.yaml > f3c.yaml
kubectl apply --server-side --field-manager=other -f f3c.yaml -o json > $out/04-other-after-csa.json 2> $out/04-other-after-csa.err
# CSA flow on f4 where live differs from last-applied (edited by someone) then ssa
sed 's/f2/f4/' f2.yaml > f4.yaml
kubectl apply -f f4.yaml -o json > $out/05-csa-f4.json
kubectl patch flunder f4 -n wardle --type=merge -p '{"spec":{"reference":"edited"}}' --field-manager=kubectl-client-side-apply -o json > $out/06-f4-edited.json
sed 's/r1/r9/' f4.yaml > f4b.yaml
kubectl apply --server-side -f f4b.yaml -o json > $out/07-ssa-f4.json 2> $out/07-ssa-f4.err
# c) PUT with invalid managedFields
get f2 > $out/f2.json
python3 - <<'PY'
import json
d=json.load(open('cap2/f2.json'))
def w(name, mf, change=None):
    x=json.loads(json.dumps(d)); x['metadata']['managedFields']=mf
    if change: x['spec']['reference']=change
    json.dump(x,open('cap2/put-'+name+'.in','w'))
base=d['metadata']['managedFields']
w('badop',[dict(base[0],operation='Bogus')],'p1')
w('badfields',[dict(base[0],fieldsV1={'x:bad':{}})],'p2')
w('longmanager',[dict(base[0],manager='m'*129)],'p3')
w('nofieldstype',[{k:v for k,v in base[0].items() if k!='fieldsType'}],'p4')
w('badtype',[dict(base[0],fieldsType='FieldsV2')],'p5')
w('emptylist',[],'p6')
w('reset',[{}],'p7')
w('custom',[dict(base[0],manager='someone-else')],'p8')
w('badmanagerchar',[dict(base[0],manager='a\tb')],'p9')
PY
for n in badop badfields longmanager nofieldstype badtype emptylist custom badmanagerchar reset; do
  python3 - $n <<'PY'
import json,sys
n=sys.argv[1]
d=json.load(open('cap2/f2.json')) 
PY
  get f2 > $out/cur.json
  python3 -c "
import json
c=json.load(open('$out/cur.json')); x=json.load(open('$out/put-$n.in'))
x['metadata']['resourceVersion']=c['metadata']['resourceVersion']
json.dump(x,open('$out/put-$n.in','w'))"
  req PUT "/f2?fieldManager=putter" application/json < $out/put-$n.in > $out/08-put-$n.json
done
# d) user agent default
cat <<'J' | req POST "" application/json -A 'my-tool/1.2 (linux) extra' > $out/09-ua-create.json
{"apiVersion":"wardle.example.com/v1alpha1","kind":"Flunder","metadata":{"name":"f5","namespace":"wardle"},"spec":{"reference":"u"}}
J
cat <<'J' | req POST "" application/json -A 'Two Words/1.0' > $out/10-ua2-create.json
{"apiVersion":"wardle.example.com/v1alpha1","kind":"Flunder","metadata":{"name":"f6","namespace":"wardle"},"spec":{"reference":"u"}}
J
# e) apply errors
curl -sk --cert $P/admin.crt --key $P/admin.key -X PATCH -H 'Content-Type: application/apply-patch+yaml' --data-binary $'apiVersion: wardle.example.com/v1alpha1\nkind: Flunder\nmetadata: {name: f2}\n' "$BASE/f2" > $out/11-apply-nomanager.json; echo >> $out/11-apply-nomanager.json
apply f2 m <<'Y' > $out/12-apply-with-managedfields.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata:
  name: f2
  managedFields: [{manager: x, operation: Apply}]
Y
apply f2 m <<'Y' > $out/13-apply-wrong-version.json
apiVersion: wardle.example.com/v1beta1
kind: Flunder
metadata: {name: f2}
Y
apply f2 m <<'Y' > $out/14-apply-wrong-kind.json
apiVersion: wardle.example.com/v1alpha1
kind: Fischer
metadata: {name: f2}
Y
apply f2 m <<'Y' > $out/15-apply-unknown-field.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata: {name: f2}
spec: {nope: 1}
Y
apply f2 m <<'Y' > $out/16-apply-dup-set.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata: {name: f2}
spec: {tags: [a, a]}
Y
apply f2 m <<'Y' > $out/17-apply-name-mismatch.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata: {name: other}
Y
# f) status update via PUT
get f2 > $out/cur.json
python3 -c "
import json
c=json.load(open('$out/cur.json')); c['status']={'phase':'Up'}; c['spec']['reference']='ignored'
json.dump(c,open('$out/st.in','w'))"
req PUT "/f2/status?fieldManager=stw" application/json < $out/st.in > $out/18-status-put.json
req PATCH "/f2/status?fieldManager=stp" application/merge-patch+json <<'J' > $out/19-status-merge.json
{"status":{"phase":"Down"},"metadata":{"labels":{"x":"y"}}}
J
# g) update with labels from nothing (. entries) and removal of whole map
req PATCH "/f2?fieldManager=upd" application/merge-patch+json <<'J' > $out/20-update-add-annotations.json
{"metadata":{"annotations":{"a":"1"}},"spec":{"selector":{"s":"1"},"config":{"a":"x"},"extra":{"q":{"r":1}}}}
J
req PATCH "/f2?fieldManager=upd2" application/merge-patch+json <<'J' > $out/21-update-remove-labels.json
{"metadata":{"labels":null},"spec":{"ports":[{"name":"http","port":81},{"name":"new","port":1}]}}
J
