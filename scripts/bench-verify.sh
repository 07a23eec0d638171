#!/usr/bin/env bash
# Whole-process benchmark of `customs verify` and `customs verify-attestation`
# (issue 7; goal: median under 30 ms each) against a local docker-registry
# (distribution 2.8, no referrers API, so discovery reads the referrers
# fallback tag and the legacy .sig/.att tags). The image is pushed with
# skopeo from ../shared/images, signed in both layouts and attested with
# SLSA provenance in both layouts; then each command runs RUNS times and
# the median wall time is printed.
#
#   bash scripts/bench-verify.sh [OCI_ARCHIVE] [RUNS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OCI=${1:-$ROOT/../shared/images/debian-bookworm-minbase.oci.tar}
RUNS=${2:-21}
cargo build --release -q -p customs --manifest-path "$ROOT/Cargo.toml"
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/customs
T=$(mktemp -d)
REG_PID=
cleanup() { [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$T/config.yml" <<EOF
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $T/storage}}
http: {addr: 127.0.0.1:$PORT}
EOF
docker-registry serve "$T/config.yml" > "$T/registry.log" 2>&1 &
REG_PID=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/v2/" > /dev/null && break; sleep 0.1; done
IMAGE=127.0.0.1:$PORT/bench/app:1
skopeo copy -q --dest-tls-verify=false "oci-archive:$OCI" "docker://$IMAGE"
cd "$T"
export CUSTOMS_PASSWORD=bench
"$BIN" key generate > /dev/null 2>&1
FLAGS=(--insecure-registry "127.0.0.1:$PORT")
"$BIN" sign --key customs.key "$IMAGE" "${FLAGS[@]}" 2> /dev/null
"$BIN" sign --key customs.key --legacy "$IMAGE" "${FLAGS[@]}" 2> /dev/null
echo '{"buildDefinition":{"buildType":"https://example.invalid/b","externalParameters":{}},"runDetails":{"builder":{"id":"https://example.invalid/builder"}}}' > prov.json
"$BIN" attest --key customs.key --type slsaprovenance1 --predicate prov.json "$IMAGE" "${FLAGS[@]}" 2> /dev/null
"$BIN" attest --key customs.key --type slsaprovenance1 --predicate prov.json --legacy "$IMAGE" "${FLAGS[@]}" 2> /dev/null
median() { # label, command...
    local label=$1; shift
    "$@" > /dev/null 2>&1 || { echo "$label failed" >&2; "$@" >&2; return 1; }
    # Timed from Python (fork+exec+wait only), not with `date` around the command,
    # whose own fork/exec would be counted.
    python3 - "$label" "$RUNS" "$@" <<'PY'
import statistics, subprocess, sys, time
label, runs, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
ts = []
for _ in range(runs):
    t = time.perf_counter_ns()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    ts.append((time.perf_counter_ns() - t) / 1e6)
print(f"{label:<28} median {statistics.median(ts):6.1f} ms  (min {min(ts):.1f}, max {max(ts):.1f}, {runs} runs)")
PY
}
echo "cores: $(nproc), load: $(cut -d' ' -f1-3 /proc/loadavg)"
median "customs verify" "$BIN" verify --key customs.pub "$IMAGE" "${FLAGS[@]}"
median "customs verify-attestation" "$BIN" verify-attestation --key customs.pub --type slsaprovenance1 "$IMAGE" "${FLAGS[@]}"
