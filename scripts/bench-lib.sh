# Shared by the whole-process benchmark scripts (source it; not run on its own).
#
# Each measurement is RUNS cold runs of one command in a row (default 3): page cache
# dropped before each run when we may (root), nothing else cached. The line shows the
# median wall time and peak RSS and the range of wall times, because on a shared virtual
# machine a single cold run can be off by a factor of two either way (the hypervisor
# decides how fast fresh memory and the disk are at that moment); the median of a few
# runs is what a ratio between two tools should be taken from.
#
# Needs: T (a temp dir), and /usr/bin/time.
RUNS=${RUNS:-3}
drop() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; }
# measure LABEL COMMAND... : prints "LABEL  median s  median MB  (min-max s over N runs)";
# the command's stdout of the last run stays in $T/out. Exit code 1 (a tripped gate) is
# not a failure. Sets MEDIAN to the median wall time. With WARM=FILE set, FILE (or every file
# below it, for a folder) is read into the page cache before each run instead (the CPU-bound
# case the floor describes). With FRESH=DIR set, DIR (a tool's own cache) is removed before
# each run, so every run is cold.
measure() {
    local label=$1; shift
    local walls=() rsss=() i rc
    for ((i = 0; i < RUNS; i++)); do
        if [ -n "${FRESH:-}" ]; then rm -rf "$FRESH"; fi
        if [ -d "${WARM:-}" ]; then find "$WARM" -type f -exec cat {} + > /dev/null
        elif [ -n "${WARM:-}" ]; then cat "$WARM" > /dev/null; else drop; fi
        rc=0
        /usr/bin/time -f "%e %M" -o "$T/time" "$@" > "$T/out" 2> "$T/err" || rc=$?
        if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then cat "$T/err" >&2; return 1; fi
        read -r wall rss < "$T/time"
        walls+=("$wall"); rsss+=("$rss")
    done
    MEDIAN=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    local rss_med lo hi
    rss_med=$(printf '%s\n' "${rsss[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    lo=$(printf '%s\n' "${walls[@]}" | sort -n | head -1)
    hi=$(printf '%s\n' "${walls[@]}" | sort -n | tail -1)
    printf '%-40s %8.2f s %6.0f MB   (%s-%s s, %d runs)\n' "$label" "$MEDIAN" "$((rss_med / 1024))" "$lo" "$hi" "$RUNS"
}
# ratio A B: A / B to two decimals.
ratio() { echo "scale=2; $1 / $2" | bc -l; }
# floor FORM FILE BIN: the walk floor of the foundation issue, single core and divided by
# the cores: for docker, SHA-256 of every layer tar; for oci, inflating every gzip layer.
# Measured warm (the file read once before), so it is the CPU floor; the cold read of the
# file alone is printed beside it, because on a cold cache the disk can be the bound.
floor() {
    local form=$1 file=$2 bin=$3 one bytes cold
    cat "$file" > /dev/null
    read -r one bytes < <("$bin/examples/floor" "$form" "$file")
    FLOOR=$(echo "scale=3; $one / $(nproc)" | bc -l)
    drop
    /usr/bin/time -f "%e" -o "$T/time" dd if="$file" of=/dev/null bs=4M iflag=nocache 2> /dev/null
    cold=$(cat "$T/time")
    printf '%-40s %8.2f s  (single core %.2f s over %s bytes; cold read of the file alone %s s)\n' \
        "floor $form (/$(nproc) cores, warm)" "$FLOOR" "$one" "$bytes" "$cold"
}
