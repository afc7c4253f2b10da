export KUBECONFIG=/tmp/annex-reference/admin.kubeconfig
SRV=$(grep server: $KUBECONFIG | awk '{print $2}')
P=/tmp/annex-reference/pki
BASE=$SRV/apis/wardle.example.com/v1alpha1/namespaces/wardle/flunders
# apply NAME MANAGER [extra query] < yaml
apply() { curl -sk --cert $P/admin.crt --key $P/admin.key -X PATCH -H 'Content-Type: application/apply-patch+yaml' --data-binary @- "$BASE/$1$3?fieldManager=$2$4"; echo; }
req() { local m=$1 url=$2 ct=$3; shift 3; curl -sk --cert $P/admin.crt --key $P/admin.key -X $m -H "Content-Type: $ct" --data-binary @- "$BASE$url" "$@"; echo; }
get() { curl -sk --cert $P/admin.crt --key $P/admin.key "$BASE/$1"; echo; }
