#!/usr/bin/env bash
# Exact instruction counts per session-update, for steps too small for the timed
# benchmarks to tell apart from a shared machine's noise (their CPU figures move by a
# tenth between runs of one build; these counts move by a few per cent at most).
#
#   benches/count.sh render [SESSIONS] [FRAMES]   the renderer alone (benches/render.rs)
#   benches/count.sh load [SESSIONS] [ROUNDS]     the whole camp server under the load bench
#   CAMP=path/to/camp benches/count.sh load ...   another build of the server
#   LTO=off benches/count.sh ...                   without link-time optimisation
#
# The release profile links with fat LTO, which inlines most of a frame's work into a
# few functions, so a profile cannot split it; LTO=off builds both binaries without it
# (in target/nolto, so the LTO build stays) for a profile by function. Its counts are
# higher than the shipped build's: compare like with like.
#
# Needs valgrind (callgrind). Counts are user-space instructions: the kernel's share
# (socket writes, wakeups) is not in them. `load` also counts each round's poster
# connection (its key exchange is about 2.6M instructions), so compare like with like:
# same sessions, same rounds. The callgrind output stays in target/count/ (with LTO=off,
# target/count-nolto/) for `callgrind_annotate`.
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-}
out=target/count
cargo_flags=(--locked)
if [[ ${LTO:-on} == off ]]; then
    out=target/count-nolto
    export CARGO_TARGET_DIR=$PWD/target/nolto
    cargo_flags+=(--config profile.release.lto=false --config profile.release.codegen-units=16)
fi
mkdir -p "$out"

bench_binary() {
    cargo bench "${cargo_flags[@]}" --bench "$1" --no-run 2>&1 |
        sed -n "s|.*Executable benches/$1.rs (\(.*\))|\1|p" | tail -1
}

total_of() {
    grep -E '^(summary|totals):' "$1" | head -1 | awk '{print $2}'
}

case "$what" in
render)
    sessions=${2:-200}
    frames=${3:-100}
    bin=$(bench_binary render)
    file=$out/render.callgrind
    # Only `deliver` is counted: live posts to sessions that already show a screen.
    valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*deliver*' \
        --callgrind-out-file="$file" "$bin" --frames "$frames" --per-round "$frames" \
        --sessions "$sessions" --session-only >/dev/null 2>&1
    total=$(total_of "$file")
    echo "render: sessions=$sessions frames=$frames instructions=$total per_update=$((total / (sessions * frames)))"
    ;;
load)
    sessions=${2:-200}
    rounds=${3:-12}
    if ((rounds < 3)); then
        echo "load needs 3 rounds or more" >&2
        exit 2
    fi
    bin=$(bench_binary load)
    camp=${CAMP:-}
    if [[ -z $camp ]]; then
        cargo build "${cargo_flags[@]}" --release >/dev/null 2>&1
        camp=${CARGO_TARGET_DIR:-$PWD/target}/release/camp
    fi
    # Without fair scheduling the server's threads starve each other under valgrind
    # and it does not start.
    wrapper=$out/camp-under-callgrind.sh
    cat >"$wrapper" <<EOF
#!/usr/bin/env bash
exec valgrind --tool=callgrind --fair-sched=yes --callgrind-out-file=$PWD/$out/load.%p.callgrind "$camp" "\$@"
EOF
    chmod +x "$wrapper"
    rm -f "$out"/load.*.callgrind*
    log=$out/load.log
    "$bin" --sessions "$sessions" --rounds "$rounds" --camp "$PWD/$wrapper" >"$log" 2>&1 &
    bench=$!
    wait_for() {
        for _ in $(seq 1 6000); do
            grep -q "$1" "$log" && return 0
            kill -0 "$bench" 2>/dev/null || return 1
            sleep 0.05
        done
        return 1
    }
    # Counted: rounds 1 to ROUNDS-2. The bench stops the server before a dump at its
    # exit could be written, so the last counted round ends at a dump on request.
    wait_for '\[camp\] pid' || { tail "$log"; exit 1; }
    pid=$(grep -oP '\[camp\] pid \K\d+' "$log")
    wait_for '\[camp\]   round 0:' || { tail "$log"; exit 1; }
    callgrind_control -z "$pid" >/dev/null 2>&1
    wait_for "\[camp\]   round $((rounds - 2)):" || { tail "$log"; exit 1; }
    callgrind_control -d "$pid" >/dev/null 2>&1
    wait "$bench" || true
    file=$(ls -t "$out"/load."$pid".callgrind.* | head -1)
    total=$(total_of "$file")
    updates=$((sessions * (rounds - 2)))
    echo "load: sessions=$sessions rounds=$rounds counted_updates=$updates instructions=$total per_update=$((total / updates))"
    ;;
*)
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
