#!/usr/bin/env bash
# Runs OrderFlow on a local kind cluster through its operator, then places an order:
#
#   kind/up.sh          # create the cluster, build and load the images, install, verify
#   kind/down.sh        # delete the cluster
#
# Needs docker, kind, kubectl, helm and curl. Environment:
#   CLUSTER       kind cluster name (orderflow)
#   NAMESPACE     namespace of the operator (orderflow-system)
#   PLATFORM_NS   namespace of the platform (orderflow)
#   TAG           image tag (dev); the platform sample asks for orderflow/<service>:dev
#   SKIP_BUILD=1  reuse images already built
#   TIMEOUT       how long to wait for the platform to be Ready (15m)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cluster="${CLUSTER:-orderflow}"
namespace="${NAMESPACE:-orderflow-system}"
platform_ns="${PLATFORM_NS:-orderflow}"
tag="${TAG:-dev}"
timeout="${TIMEOUT:-15m}"
gateway="http://localhost:8080"

# Service package, port: one image per binary from the root Dockerfile.
images=(
  "customer-service 8081"
  "order-service 8082"
  "payment-service 8083"
  "inventory-service 8084"
  "notification-service 8085"
  "gateway-service 8080"
  "orderflow-operator 8090"
)

step() { printf '\n==> %s\n' "$*"; }
need() {
  command -v "$1" >/dev/null 2>&1 || { echo "kind/up.sh needs $1 on PATH" >&2; exit 1; }
}
for tool in docker kind kubectl helm curl; do need "$tool"; done

step "cluster ${cluster}"
if kind get clusters | grep -qx "${cluster}"; then
  echo "reusing the existing cluster"
else
  kind create cluster --name "${cluster}" --config "${root}/kind/cluster.yaml" --wait 120s
fi
kubectl config use-context "kind-${cluster}" >/dev/null

if [ "${SKIP_BUILD:-}" != 1 ]; then
  # Every image's builder stage compiles the same package list, so Docker builds it once and
  # reuses the layer for the other images.
  packages=""
  for entry in "${images[@]}"; do packages="${packages:+${packages} }${entry%% *}"; done
  for entry in "${images[@]}"; do
    package="${entry%% *}"
    port="${entry##* }"
    step "image orderflow/${package}:${tag}"
    docker build "${root}" \
      --build-arg SERVICE="${package}" \
      --build-arg PORT="${port}" \
      --build-arg PACKAGES="${packages}" \
      --tag "orderflow/${package}:${tag}"
  done
fi

step "loading the images into ${cluster}"
for entry in "${images[@]}"; do
  kind load docker-image --name "${cluster}" "orderflow/${entry%% *}:${tag}"
done

step "operator chart in ${namespace}"
helm upgrade --install orderflow-operator "${root}/charts/orderflow-operator" \
  --namespace "${namespace}" --create-namespace \
  --set image.repository=orderflow/orderflow-operator \
  --set image.tag="${tag}" \
  --set image.pullPolicy=IfNotPresent \
  --wait --timeout 5m
# Helm installs crds/ on first install only: keep the CRD current on upgrades too.
kubectl apply --server-side --force-conflicts \
  -f "${root}/charts/orderflow-operator/crds/orderflow.io_orderflowplatforms.yaml"
kubectl wait --for=condition=Established crd/orderflowplatforms.orderflow.io --timeout=60s

step "platform shop in ${platform_ns}"
kubectl create namespace "${platform_ns}" --dry-run=client -o yaml | kubectl apply -f -
kubectl apply -n "${platform_ns}" -f "${root}/kind/platform.yaml"
if ! kubectl wait -n "${platform_ns}" --for=condition=Ready ofp/shop --timeout="${timeout}"; then
  kubectl get -n "${platform_ns}" ofp/shop -o yaml >&2 || true
  kubectl get -n "${platform_ns}" pods >&2 || true
  exit 1
fi
kubectl get -n "${platform_ns}" ofp

step "placing an order through ${gateway}"
for _ in $(seq 60); do
  curl -sf -o /dev/null "${gateway}/health/ready" && break
  sleep 2
done
curl -sf -o /dev/null "${gateway}/health/ready" || { echo "gateway not ready at ${gateway}" >&2; exit 1; }

api="${gateway}/api"
field() { grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | cut -d '"' -f 4; }
# The order service learns of new customers and of the catalogue from the broker: retry the
# calls that depend on it.
retry() {
  for _ in $(seq 20); do "$@" && return 0; sleep 1; done
  return 1
}
customer=$(curl -sf "${api}/customers" -H 'content-type: application/json' \
  -d "{\"firstName\":\"Ada\",\"lastName\":\"Lovelace\",\"email\":\"ada.$(date +%s)@example.com\"}" | field id)
product=$(curl -sf "${api}/products?per_page=100" \
  | grep -o '"id":"[^"]*","sku":"MUG-BLUE-350ML"' | cut -d '"' -f 4)
if [ -z "${customer}" ] || [ -z "${product}" ]; then
  echo "could not create a customer or find the seeded product MUG-BLUE-350ML" >&2
  exit 1
fi
order=$(curl -sf "${api}/orders" -H 'content-type: application/json' \
  -d "{\"customerId\":\"${customer}\"}" | field id)
retry curl -sf -o /dev/null "${api}/orders/${order}/lines" -H 'content-type: application/json' \
  -d "{\"productId\":\"${product}\",\"quantity\":2}"
retry curl -sf -o /dev/null -X POST "${api}/orders/${order}/place"
status=""
for _ in $(seq 60); do
  status=$(curl -sf "${api}/orders/${order}" | field status)
  [ "${status}" = Placed ] || break
  sleep 1
done
echo "order ${order} is ${status}"
curl -s "${api}/orders/${order}"
echo
case "${status}" in
  Placed | "") echo "the order did not settle" >&2; exit 1 ;;
esac
