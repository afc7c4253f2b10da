. ./lib.sh
out=cap9; mkdir -p $out
apply f16 m <<'Y' > $out/01-bool-in-string-set.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata: {name: f16}
spec: {tags: [a, true]}
Y
apply f16 m <<'Y' > $out/02-string-in-integer.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata: {name: f16}
spec: {replicas: "3"}
Y
apply f16 m <<'Y' > $out/03-number-in-string.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata: {name: f16}
spec: {reference: 12}
Y
apply f16 m <<'Y' > $out/04-map-in-string.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata: {name: f16}
spec: {reference: {a: 1}}
Y
apply f16 m <<'Y' > $out/05-unknown-metadata-field.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata: {name: f16, bogus: 1}
Y
apply f16 m <<'Y' > $out/06-missing-key-no-default.json
apiVersion: wardle.example.com/v1alpha1
kind: Flunder
metadata: {name: f16}
spec: {ports: [{port: 1}]}
Y
