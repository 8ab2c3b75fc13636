#!/usr/bin/env bash
# control-plane.sh — a real Kubernetes control plane (etcd + kube-apiserver +
# kube-controller-manager + kube-scheduler) plus kwok-simulated nodes, all on
# 127.0.0.1, no containers, no kubelet: what `npm run test:kubernetes` runs against.
# From the project's tested recipe (shared/k8s/RECIPE.md); binaries are built once from
# the Go module proxy and cached per version under ~/.cache/slipway/k8s.
#
#   control-plane.sh build        build missing binaries (Go module proxy only)
#   control-plane.sh start        generate PKI/kubeconfigs, start everything, wait until ready
#   control-plane.sh wait         wait until ready (already started)
#   control-plane.sh stop         stop every process this script started (by PID) and wipe state
#   control-plane.sh status       print pids / health
#   control-plane.sh env          print "export KUBECONFIG=..." lines (KUBECONFIG, K8S_SERVER, K8S_CA_FILE, K8S_TOKEN, K8S_TOKEN_KUBECONFIG)
#   control-plane.sh node NAME [cpu] [memory] [gpus] [pods]   create a kwok-managed fake node
#
# Environment (all optional):
#   CP_HOME      root for bin/, build/ and Go caches     (default: ~/.cache/slipway/k8s)
#   CP_RUN       runtime state: pki, etcd data, logs, pids (default: $CP_HOME/run)
#   CP_BIN       where binaries live/are built            (default: $CP_HOME/bin-<versions>)
#   GOCACHE / GOMODCACHE  Go caches to reuse (default: $CP_HOME/gocache, $CP_HOME/gopath/pkg/mod)
#   K8S_VERSION=v1.37.2 ETCD_VERSION=v3.7.3 KWOK_VERSION=v0.8.0
#   CP_APISERVER_PORT=26443 CP_ETCD_PORT=23790 CP_ETCD_PEER_PORT=23791
#   CP_CM_PORT=26457 CP_SCHED_PORT=26459 CP_KWOK_PORT=26480
#   CP_KEEP_DATA=1   keep etcd data / pki across stop/start
#   CP_TIMEOUT=120   seconds to wait for readiness
#   CP_CM_CONTROLLERS=*  kube-controller-manager --controllers list (a short list starts faster)
set -euo pipefail

CP_HOME="${CP_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/slipway/k8s}"
K8S_VERSION="${K8S_VERSION:-v1.37.2}"
ETCD_VERSION="${ETCD_VERSION:-v3.7.3}"
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"
CP_RUN="${CP_RUN:-$CP_HOME/run}"
# One folder per set of versions: a version bump builds afresh, an unchanged one reuses.
CP_BIN="${CP_BIN:-$CP_HOME/bin-$K8S_VERSION-$ETCD_VERSION-$KWOK_VERSION}"
APISERVER_PORT="${CP_APISERVER_PORT:-26443}"
ETCD_PORT="${CP_ETCD_PORT:-23790}"
ETCD_PEER_PORT="${CP_ETCD_PEER_PORT:-23791}"
CM_PORT="${CP_CM_PORT:-26457}"
SCHED_PORT="${CP_SCHED_PORT:-26459}"
KWOK_PORT="${CP_KWOK_PORT:-26480}"
TIMEOUT="${CP_TIMEOUT:-120}"
HOST=127.0.0.1
# The controllers the tests need (the recipe's list): the controller-manager starts in ~5 s
# instead of ~9 s with all of them.
CM_CONTROLLERS="deployment-controller,persistentvolume-binder-controller,replicaset-controller,endpointslice-controller,endpointslice-mirroring-controller,serviceaccount-controller,serviceaccount-token-controller,garbage-collector-controller,namespace-controller,node-lifecycle-controller,pod-garbage-collector-controller,job-controller,disruption-controller,root-ca-certificate-publisher-controller,taint-eviction-controller,horizontal-pod-autoscaler-controller,clusterrole-aggregation-controller,resourcequota-controller,ttl-after-finished-controller"
SERVER="https://$HOST:$APISERVER_PORT"
PKI="$CP_RUN/pki"
LOGS="$CP_RUN/logs"
PIDS="$CP_RUN/pids"

log() { printf '[control-plane %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- build
go_env() {
  export PATH="/usr/local/go/bin:$PATH"
  export GOCACHE="${GOCACHE:-$CP_HOME/gocache}"
  export GOMODCACHE="${GOMODCACHE:-$CP_HOME/gopath/pkg/mod}"
  export GOPATH="${GOPATH:-$CP_HOME/gopath}"
  export GOTOOLCHAIN="${GOTOOLCHAIN:-local}" GOFLAGS="${GOFLAGS:--buildvcs=false}" CGO_ENABLED=0
}

# k8s.io/kubernetes's go.mod replaces its staging modules with ./staging/...
# paths, so `go install k8s.io/kubernetes/cmd/...@v` is refused (golang/go#44840).
# A wrapper main module that pins every staging module to the matching v0.x tag fixes it.
write_k8s_wrapper() {
  local dir="$1" minor staging
  minor="$(echo "$K8S_VERSION" | cut -d. -f2)"
  staging="api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider
    cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api
    cri-client cri-streaming csi-translation-lib dynamic-resource-allocation endpointslice externaljwt
    kms kube-aggregator kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics
    mount-utils pod-security-admission sample-apiserver streaming"
  local sv="v0.${minor}.$(echo "$K8S_VERSION" | cut -d. -f3)"
  mkdir -p "$dir"
  {
    echo "module local/k8sbuild"; echo; echo "go 1.26.0"; echo
    echo "require k8s.io/kubernetes $K8S_VERSION"; echo
    echo "require ("; for m in $staging; do echo "	k8s.io/$m $sv"; done; echo ")"; echo
    echo "replace ("; for m in $staging; do echo "	k8s.io/$m => k8s.io/$m $sv"; done; echo ")"
  } > "$dir/go.mod"
}

cmd_build() {
  go_env
  mkdir -p "$CP_BIN"
  local minor; minor="$(echo "$K8S_VERSION" | cut -d. -f2)"
  local ldf="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  local need=()
  for c in kube-apiserver kube-controller-manager kube-scheduler; do
    [ -x "$CP_BIN/$c" ] || need+=("$c")
  done
  if [ ${#need[@]} -gt 0 ]; then
    local w="$CP_HOME/build"
    [ -f "$w/go.mod" ] || write_k8s_wrapper "$w"
    ( cd "$w"
      for c in "${need[@]}"; do grep -q "k8s.io/kubernetes/cmd/$c\$" go.mod || nice -n 19 go get -tool "k8s.io/kubernetes/cmd/$c"; done
      for c in "${need[@]}"; do
        log "building $c $K8S_VERSION"; local s=$SECONDS
        nice -n 19 go build -trimpath -ldflags "$ldf" -o "$CP_BIN/$c" "k8s.io/kubernetes/cmd/$c"
        log "built $c in $((SECONDS - s))s"
      done )
  fi
  if [ ! -x "$CP_BIN/etcd" ]; then
    # go.etcd.io/etcd/server/v3 is the etcd main package; its go.mod also has
    # relative replaces, so build it from a wrapper module too.
    local w="$CP_HOME/build-etcd"; mkdir -p "$w"
    ( cd "$w"
      [ -f go.mod ] || printf 'module local/etcdbuild\n\ngo 1.26.0\n' > go.mod
      grep -q "^tool go.etcd.io/etcd/server/v3" go.mod || nice -n 19 go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
      log "building etcd $ETCD_VERSION"; local s=$SECONDS
      nice -n 19 go build -trimpath -ldflags "-s -w" -o "$CP_BIN/etcd" go.etcd.io/etcd/server/v3
      log "built etcd in $((SECONDS - s))s" )
  fi
  if [ ! -x "$CP_BIN/kwok" ]; then
    log "building kwok $KWOK_VERSION"; local s=$SECONDS
    GOBIN="$CP_BIN" nice -n 19 go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
    log "built kwok in $((SECONDS - s))s"
  fi
  if [ ! -f "$CP_BIN/kwok-stages.yaml" ]; then
    # kwok >= v0.8 has no built-in stages: take the "fast" ones kwokctl uses
    # (node-initialize, node-heartbeat-with-lease, pod-ready/complete/delete) from the module.
    local d; d="$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
    [ -d "$d" ] || die "kwok module source not found"
    for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
             pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
      echo "---"; cat "$d/kustomize/stage/$f"
    done > "$CP_BIN/kwok-stages.yaml"
  fi
}

# ---------------------------------------------------------------- pki / kubeconfig
gen_pki() {
  [ -f "$PKI/front-proxy-client.crt" ] && return 0
  mkdir -p "$PKI"
  ( cd "$PKI"
    openssl genrsa -out ca.key 2048 2>/dev/null
    openssl req -x509 -new -key ca.key -days 3650 -subj "/CN=test-kubernetes-ca" -out ca.crt
    sign() { # name subject extensions
      openssl genrsa -out "$1.key" 2048 2>/dev/null
      openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
      printf '%s\n' "$3" > "$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
        -extfile "$1.ext" -out "$1.crt" 2>/dev/null
      rm -f "$1.csr" "$1.ext"
    }
    sign apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:10.96.0.1"
    local cli="basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
    sign admin "/O=system:masters/CN=kubernetes-admin" "$cli"
    sign controller-manager "/CN=system:kube-controller-manager" "$cli"
    sign scheduler "/CN=system:kube-scheduler" "$cli"
    # aggregation-layer client; also fills requestheader-client-ca-file in the
    # extension-apiserver-authentication ConfigMap that controller-manager/scheduler read
    sign front-proxy-client "/CN=front-proxy-client" "$cli"
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    local token; token="$(openssl rand -hex 24)"
    echo "$token,token-admin,token-admin-uid,\"system:masters\"" > tokens.csv
    printf '%s' "$token" > admin.token
    chmod 600 ./*.key tokens.csv admin.token )
}

# write_kubeconfig FILE USER CREDENTIALS: CREDENTIALS are the user's fields, indented 4 spaces.
write_kubeconfig() {
  local ca; ca="$(base64 -w0 < "$PKI/ca.crt")"
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: $SERVER
    certificate-authority-data: $ca
users:
- name: $2
  user:
$3
contexts:
- name: test
  context:
    cluster: test
    user: $2
current-context: test
EOF
  chmod 600 "$1"
}

cert_user() { # certbase: a client certificate's credentials
  printf '    client-certificate-data: %s\n    client-key-data: %s' \
    "$(base64 -w0 < "$PKI/$1.crt")" "$(base64 -w0 < "$PKI/$1.key")"
}

# ---------------------------------------------------------------- process helpers
port_free() { ! (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

spawn() { # name bin args...
  local name="$1"; shift
  nohup "$@" > "$LOGS/$name.log" 2>&1 < /dev/null &
  echo $! > "$PIDS/$name.pid"
}

# running PID: exists and is not a zombie (an orphan stays a zombie until PID 1 reaps it)
running() { [ -r "/proc/$1/stat" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" != Z ]; }

alive() { [ -f "$PIDS/$1.pid" ] && running "$(cat "$PIDS/$1.pid")"; }

all_alive() { # every process started so far is still running
  local f
  for f in "$PIDS"/*.pid; do
    [ -e "$f" ] || continue
    running "$(cat "$f")" || { log "$(basename "$f" .pid) exited:"; tail -5 "$LOGS/$(basename "$f" .pid).log" >&2; return 1; }
  done
}

wait_for() { # description command...
  local what="$1"; shift
  local deadline=$((SECONDS + TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    all_alive || die "a component died while waiting for $what (logs in $LOGS)"
    [ $SECONDS -lt $deadline ] || die "timed out waiting for $what (logs in $LOGS)"
    sleep 0.1
  done
}

api() { # path  (admin client cert)
  curl -sf --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$SERVER$1"
}

check_component() { # name port
  alive "$1" || die "$1 exited; see $LOGS/$1.log"
  curl -skf "https://$HOST:$2/healthz" | grep -q ok
}

# ---------------------------------------------------------------- start / wait / stop
cmd_start() {
  for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok kwok-stages.yaml; do
    [ -e "$CP_BIN/$b" ] || die "$CP_BIN/$b missing: run '$0 build' first"
  done
  if alive kube-apiserver; then log "already running"; cmd_wait; return; fi
  for p in "$ETCD_PORT" "$ETCD_PEER_PORT" "$APISERVER_PORT" "$CM_PORT" "$SCHED_PORT" "$KWOK_PORT"; do
    port_free "$p" || die "port $HOST:$p is in use"
  done
  [ "${CP_KEEP_DATA:-0}" = 1 ] || rm -rf "$CP_RUN/etcd-data"
  mkdir -p "$CP_RUN" "$LOGS" "$PIDS"
  T0=$(date +%s%N)
  gen_pki
  write_kubeconfig "$CP_RUN/admin.kubeconfig" kubernetes-admin "$(cert_user admin)"
  write_kubeconfig "$CP_RUN/controller-manager.kubeconfig" system:kube-controller-manager "$(cert_user controller-manager)"
  write_kubeconfig "$CP_RUN/scheduler.kubeconfig" system:kube-scheduler "$(cert_user scheduler)"
  write_kubeconfig "$CP_RUN/token.kubeconfig" token-admin "    token: $(cat "$PKI/admin.token")"

  spawn etcd "$CP_BIN/etcd" --name=cp --data-dir="$CP_RUN/etcd-data" \
    --listen-client-urls="http://$HOST:$ETCD_PORT" --advertise-client-urls="http://$HOST:$ETCD_PORT" \
    --listen-peer-urls="http://$HOST:$ETCD_PEER_PORT" --initial-advertise-peer-urls="http://$HOST:$ETCD_PEER_PORT" \
    --initial-cluster="cp=http://$HOST:$ETCD_PEER_PORT" \
    --unsafe-no-fsync=true --quota-backend-bytes=4294967296 --log-level=warn
  wait_for etcd curl -sf "http://$HOST:$ETCD_PORT/health"
  log "etcd ready (+$(ms_since) ms)"

  spawn kube-apiserver "$CP_BIN/kube-apiserver" \
    --etcd-servers="http://$HOST:$ETCD_PORT" \
    --bind-address=$HOST --advertise-address=$HOST --secure-port="$APISERVER_PORT" \
    --endpoint-reconciler-type=none \
    --service-cluster-ip-range=10.96.0.0/16 \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" --token-auth-file="$PKI/tokens.csv" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --authorization-mode=Node,RBAC --allow-privileged=true \
    --requestheader-client-ca-file="$PKI/ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$PKI/front-proxy-client.crt" --proxy-client-key-file="$PKI/front-proxy-client.key" \
    --cert-dir="$CP_RUN/apiserver-certs" --profiling=false --v=1
  wait_for kube-apiserver api /readyz
  log "kube-apiserver ready (+$(ms_since) ms)"

  spawn kube-controller-manager "$CP_BIN/kube-controller-manager" \
    --kubeconfig="$CP_RUN/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$CP_RUN/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$CP_RUN/controller-manager.kubeconfig" \
    --bind-address=$HOST --secure-port="$CM_PORT" --cert-dir="$CP_RUN/cm-certs" \
    --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --service-cluster-ip-range=10.96.0.0/16 --controllers="${CP_CM_CONTROLLERS:-$CM_CONTROLLERS}" --profiling=false --v=1
  spawn kube-scheduler "$CP_BIN/kube-scheduler" \
    --kubeconfig="$CP_RUN/scheduler.kubeconfig" \
    --authentication-kubeconfig="$CP_RUN/scheduler.kubeconfig" \
    --authorization-kubeconfig="$CP_RUN/scheduler.kubeconfig" \
    --bind-address=$HOST --secure-port="$SCHED_PORT" --cert-dir="$CP_RUN/scheduler-certs" \
    --leader-elect=false --profiling=false --v=1
  # Only Stage objects go in --config: a KwokConfiguration read from a file is not
  # defaulted by kwok v0.8.0 ("playStageParallelism must be greater than 0"), so options are flags.
  spawn kwok "$CP_BIN/kwok" --config="$CP_BIN/kwok-stages.yaml" --kubeconfig="$CP_RUN/admin.kubeconfig" \
    --server-address="$HOST:$KWOK_PORT" --cidr=10.244.0.1/16 --node-ip=10.0.0.1 \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --node-lease-duration-seconds=40
  cmd_wait
  log "control plane ready in $(ms_since) ms; KUBECONFIG=$CP_RUN/admin.kubeconfig"
}

ms_since() { echo $(( ($(date +%s%N) - ${T0:-$(date +%s%N)}) / 1000000 )); }

cmd_wait() {
  wait_for "kube-apiserver /readyz" api /readyz
  wait_for kube-controller-manager check_component kube-controller-manager "$CM_PORT"
  wait_for kube-scheduler check_component kube-scheduler "$SCHED_PORT"
  wait_for kwok curl -sf "http://$HOST:$KWOK_PORT/healthz"
  log "controller-manager, scheduler, kwok healthy (+$(ms_since) ms)"
  # pods can only be admitted once the service-account controller created "default"
  wait_for "default ServiceAccount" api /api/v1/namespaces/default/serviceaccounts/default
}

cmd_stop() {
  local name pid
  for name in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
    [ -f "$PIDS/$name.pid" ] || continue
    pid="$(cat "$PIDS/$name.pid")"
    if running "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 200); do running "$pid" || break; sleep 0.05; done
      if running "$pid"; then log "$name ($pid) did not exit after 10s, SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    rm -f "$PIDS/$name.pid"
  done
  [ "${CP_KEEP_DATA:-0}" = 1 ] || rm -rf "$CP_RUN/etcd-data"
  log "stopped"
}

cmd_status() {
  local name
  for name in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
    if alive "$name"; then
      local pid; pid="$(cat "$PIDS/$name.pid")"
      printf '%-24s pid %-7s rss %6s MiB\n' "$name" "$pid" "$(( $(awk '/VmRSS/{print $2}' "/proc/$pid/status") / 1024 ))"
    else
      printf '%-24s not running\n' "$name"
    fi
  done
}

cmd_env() {
  echo "export KUBECONFIG=$CP_RUN/admin.kubeconfig"
  echo "export K8S_SERVER=$SERVER"
  echo "export K8S_CA_FILE=$PKI/ca.crt"
  echo "export K8S_TOKEN=$(cat "$PKI/admin.token")"
  echo "export K8S_TOKEN_KUBECONFIG=$CP_RUN/token.kubeconfig"
}

# node NAME [cpu] [memory] [gpus] [pods] — a Node object that kwok manages
# (annotation kwok.x-k8s.io/node=fake); labels/taints can be added afterwards.
cmd_node() {
  local name="$1" cpu="${2:-8}" mem="${3:-32Gi}" gpus="${4:-0}" pods="${5:-110}" gpu=""
  [ "$gpus" != 0 ] && gpu=",\"nvidia.com/gpu\":\"$gpus\""
  local body
  body="$(cat <<EOF
{"apiVersion":"v1","kind":"Node","metadata":{"name":"$name","annotations":{"kwok.x-k8s.io/node":"fake","node.alpha.kubernetes.io/ttl":"0"},"labels":{"kubernetes.io/hostname":"$name","kubernetes.io/os":"linux","kubernetes.io/arch":"amd64","type":"kwok"}},
 "spec":{},
 "status":{"allocatable":{"cpu":"$cpu","memory":"$mem","pods":"$pods"$gpu},
           "capacity":{"cpu":"$cpu","memory":"$mem","pods":"$pods"$gpu}}}
EOF
)"
  curl -sf --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    -H 'Content-Type: application/json' -X POST --data "$body" "$SERVER/api/v1/nodes" > /dev/null \
    || die "creating node $name failed"
  log "node $name created"
}

case "${1:-}" in
  build) cmd_build ;;
  start) cmd_start ;;
  wait) cmd_wait ;;
  stop) cmd_stop ;;
  restart) cmd_stop; cmd_start ;;
  status) cmd_status ;;
  env) cmd_env ;;
  node) shift; cmd_node "$@" ;;
  *) echo "usage: $0 build|start|wait|stop|restart|status|env|node NAME [cpu] [memory] [gpus] [pods]" >&2; exit 2 ;;
esac
