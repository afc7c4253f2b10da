. ./lib.sh
out=cap5; mkdir -p $out
apply f13 base <<'Y' > $out/00-base.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata: {name: f13}
spec: {reference: base}
Y
for i in 01 02 03 04 05 06 07 08 09 10 11 12; do
req PATCH "/f13?fieldManager=u$i" application/merge-patch+json > $out/$i-u$i.json <<J
{"metadata":{"labels":{"l$i":"v"}}}
J
sleep 1
done
