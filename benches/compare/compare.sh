#!/usr/bin/env bash
# autograd-cli side by side with PyTorch (and a hello-world Rust binary), in
# one run on the same machine, so that noise hits both: wall times, peak RSS
# and ratios, as a table at the end (also saved to $OUT/results.md).
#
#     benches/compare/compare.sh                     # full size: 100000 10000 1000000
#     benches/compare/compare.sh --quick             # 10000 1000 10000, fewer runs
#     benches/compare/compare.sh BIG [SUM [POINTS]]  # your sizes
#
#   BIG     terms of the big sum timed for the tool alone (default 100000)
#   SUM     terms of the sum timed for both the tool and PyTorch (default 10000)
#   POINTS  rows of the batch CSV, both (default 1000000)
#
# Environment: OUT (generated data and binaries, default /tmp/autograd-compare;
# nothing is written in the repository except cargo's target/), RUNS (runs
# of each big and batch command, alternated tool/PyTorch, default 3),
# SMALL_RUNS and TORCH_RUNS (hyperfine runs for the one-expression case,
# default 300 and 20), TORCH_BIG=1 (also run PyTorch once on the BIG sum:
# about 25 s and 1.7 GB at 100000 terms).
#
# Needs: cargo, rustc, python3 with torch and numpy, hyperfine, GNU time
# (/usr/bin/time); JAX is timed too on the one expression if python3 can
# import it. Builds run under nice; timed runs do not.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD

big=100000 sum=10000 points=1000000
runs=${RUNS:-3} small_runs=${SMALL_RUNS:-300} torch_runs=${TORCH_RUNS:-20}
if [[ ${1:-} == --quick ]]; then
    shift
    big=10000 sum=1000 points=10000
    runs=${RUNS:-1} small_runs=${SMALL_RUNS:-50} torch_runs=${TORCH_RUNS:-5}
fi
big=${1:-$big} sum=${2:-$sum} points=${3:-$points}
out=${OUT:-/tmp/autograd-compare}
mkdir -p "$out"
rm -f "$out"/small_*.json "$out/big_torch.sum"

for tool in hyperfine python3 rustc cargo /usr/bin/time; do
    command -v "$tool" > /dev/null || { echo "compare.sh: $tool is missing" >&2; exit 1; }
done
python3 -c 'import torch, numpy' || { echo "compare.sh: python3 needs torch and numpy" >&2; exit 1; }

echo "== building (nice)"
nice cargo build --release --quiet
cli=$repo/target/release/autograd-cli
nice rustc --edition 2021 -O -o "$out/hello" benches/compare/hello.rs
nice rustc --edition 2021 -C opt-level=3 -o "$out/tool_compute" benches/compare/tool_compute.rs \
    --extern autograd="$repo/target/release/libautograd.rlib" \
    -L dependency="$repo/target/release/deps"

echo "== data in $out (kept between runs; the generators are deterministic)"
gen() { # gen FILE COMMAND...: write FILE once, atomically
    local file=$1; shift
    [[ -s $file ]] || { "$@" > "$file.tmp" && mv "$file.tmp" "$file"; }
}
gen "$out/sum_$big.txt" python3 benches/gen_sum.py "$big"
gen "$out/sum_$sum.txt" python3 benches/gen_sum.py "$sum"
gen "$out/points_$points.csv" python3 benches/gen_points.py "$points"
printf 'z = w*x + b\nyhat = σ(z)\nL = -y*ln(yhat) - (1-y)*ln(1-yhat)\n' > "$out/loss.txt"

# timed CMD...: one run; appends "seconds KB" to $out/timings (wall time from
# bash's clock to the millisecond, peak RSS from GNU time) and leaves the
# command's stderr in $out/stderr. Output goes to $out/stdout unless
# redirected inside CMD.
timed() {
    local t0=$EPOCHREALTIME
    /usr/bin/time -f '%M' -o "$out/time.txt" "$@" > "$out/stdout" 2> "$out/stderr"
    local t1=$EPOCHREALTIME
    echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') $(cat "$out/time.txt")" >> "$out/timings"
}
# summary FILE: "median-seconds max-KB" of the runs in FILE
summary() {
    sort -n -k1,1 "$1" | awk '{ t[NR] = $1; if ($2 > m) m = $2 }
        END { printf "%s %d\n", (NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2), m }'
}
# repeat NAME N CMD...: N runs, summary in $out/NAME.sum
repeat() {
    local name=$1 n=$2; shift 2
    : > "$out/timings"
    for _ in $(seq "$n"); do timed "$@"; done
    mv "$out/timings" "$out/$name.runs"
    summary "$out/$name.runs" > "$out/$name.sum"
}
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) { print "-"; exit } r = a / b
        printf (r >= 100 ? "%.0f" : r >= 1 ? "%.1f" : "%.2f"), r }'
}
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
# same A B: the last numbers of two outputs agree to 1e-9 relative
same() {
    python3 - "$1" "$2" <<'EOF'
import re, sys
nums = lambda s: [float(v) for v in re.findall(r"-?\d+\.?\d*(?:e-?\d+)?", s)][-4:]
a, b = nums(open(sys.argv[1]).read()), nums(open(sys.argv[2]).read())
ok = len(a) == len(b) == 4 and all(abs(p - q) <= 1e-9 * max(1, abs(p)) for p, q in zip(a, b))
print(("agree: " if ok else "DISAGREE: ") + f"tool {a} torch {b}")
sys.exit(0 if ok else 1)
EOF
}

echo "== machine"
echo "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(rustc --version); torch $(python3 -c 'import torch; print(torch.__version__)'), $(python3 -c 'import torch; print(torch.get_num_threads())') threads; $(hyperfine --version)"
echo "autograd-cli at $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src Cargo.toml Cargo.lock grammar || echo ' (+ uncommitted changes)')"

# ---------------------------------------------------------------- one expression
echo "== one expression: (2*x+y^2)*z^3 at x=4,y=3,z=2"
expr='(2*x+y^2)*z^3'
"$cli" "$expr" --at x=4,y=3,z=2 | tail -4 > "$out/lecture_tool.txt"
python3 benches/compare/lecture_torch.py > "$out/lecture_torch.txt"
same "$out/lecture_tool.txt" "$out/lecture_torch.txt"
# hyperfine runs one command's runs, then the other's: in 5 rounds, so that
# a burst of load from elsewhere falls on both.
rounds=5
for round in $(seq "$rounds"); do
    hyperfine -N --style basic --warmup 10 --runs $(( (small_runs + rounds - 1) / rounds )) \
        --export-json "$out/small_$round.json" \
        -n hello "$out/hello" \
        -n autograd-cli "$cli '$expr' --at x=4,y=3,z=2" 2> "$out/hyperfine.err" \
        | grep -E '^Benchmark|Time|Range' || { cat "$out/hyperfine.err" >&2; exit 1; }
done
hyperfine -N --style basic --warmup 3 --runs "$torch_runs" \
    --export-json "$out/small_torch.json" \
    -n lecture_torch.py "python3 $repo/benches/compare/lecture_torch.py"
jax=no
if python3 -c 'import jax' 2> /dev/null; then
    jax=yes
    python3 benches/compare/lecture_jax.py > "$out/lecture_jax.txt"
    same "$out/lecture_tool.txt" "$out/lecture_jax.txt" | sed 's/torch/jax/'
    hyperfine -N --style basic --warmup 3 --runs "$torch_runs" \
        --export-json "$out/small_jax.json" \
        -n lecture_jax.py "python3 $repo/benches/compare/lecture_jax.py"
    repeat jax_small_mem 3 python3 benches/compare/lecture_jax.py
fi
# median and stddev of each over all its runs, in ms
python3 - "$out"/small_[0-9]*.json "$out/small_torch.json" $([[ $jax == yes ]] && echo "$out/small_jax.json") > "$out/small.ms" <<'EOF'
import json, statistics, sys
times = {}
for path in sys.argv[1:]:
    for r in json.load(open(path))["results"]:
        times.setdefault(r["command"], []).extend(r["times"])
for name, t in times.items():
    sd = statistics.stdev(t) if len(t) > 1 else 0.0
    print(name, statistics.median(t) * 1e3, sd * 1e3, min(t) * 1e3, len(t))
EOF
repeat hello_mem 3 "$out/hello"
repeat tool_small_mem 3 "$cli" "$expr" --at x=4,y=3,z=2
repeat torch_small_mem 3 python3 benches/compare/lecture_torch.py
read -r _ hello_ms hello_sd hello_min _ < <(grep '^hello ' "$out/small.ms")
read -r _ tool_ms tool_sd tool_min _ < <(grep '^autograd-cli ' "$out/small.ms")
read -r _ torch_ms torch_sd torch_min _ < <(grep '^lecture_torch.py ' "$out/small.ms")

# ---------------------------------------------------------------- big expression
echo "== big expression: the tool on $big terms ($(wc -c < "$out/sum_$big.txt") bytes), $runs runs a format"
for fmt in table csv json; do
    : > "$out/timings"
    for _ in $(seq "$runs"); do
        timed sh -c "'$cli' -f '$out/sum_$big.txt' --at x=1,y=2,z=3 --format $fmt > /dev/null"
    done
    mv "$out/timings" "$out/big_$fmt.runs"; summary "$out/big_$fmt.runs" > "$out/big_$fmt.sum"
    echo "$fmt: $(tr '\n' ' ' < "$out/big_$fmt.runs")"
done
cp "$out/big_table.sum" "$out/big_tool.sum"
if [[ ${TORCH_BIG:-0} == 1 ]]; then
    echo "== big expression: PyTorch on $big terms, 1 run (TORCH_BIG=1)"
    : > "$out/timings"
    timed python3 benches/compare/big_sum_torch.py "$out/sum_$big.txt" 1 2 3
    mv "$out/timings" "$out/big_torch.sum"
    cat "$out/big_torch.sum" "$out/stderr"
fi

echo "== big expression side by side: $sum terms, tool and PyTorch alternated, $runs runs each"
: > "$out/sum_tool.runs"; : > "$out/sum_torch.runs"; : > "$out/sum_torch.stages"
for _ in $(seq "$runs"); do
    : > "$out/timings"
    timed sh -c "'$cli' -f '$out/sum_$sum.txt' --at x=1,y=2,z=3 > /dev/null"
    cat "$out/timings" >> "$out/sum_tool.runs"
    : > "$out/timings"
    timed python3 benches/compare/big_sum_torch.py "$out/sum_$sum.txt" 1 2 3
    cat "$out/timings" >> "$out/sum_torch.runs"
    cat "$out/stderr" >> "$out/sum_torch.stages"
done
cp "$out/stdout" "$out/sum_torch.txt"
summary "$out/sum_tool.runs" > "$out/sum_tool.sum"; summary "$out/sum_torch.runs" > "$out/sum_torch.sum"
paste "$out/sum_tool.runs" "$out/sum_torch.runs" | sed 's/^/tool s KB | torch s KB: /'
cat "$out/sum_torch.stages"
"$cli" -f "$out/sum_$sum.txt" --at x=1,y=2,z=3 | tail -4 > "$out/sum_tool.txt"
same "$out/sum_tool.txt" "$out/sum_torch.txt"

# ---------------------------------------------------------------- batch
echo "== batch: $points points CSV to CSV, tool and PyTorch alternated, $runs runs each"
: > "$out/batch_tool.runs"; : > "$out/batch_torch.runs"; : > "$out/batch_torch.stages"
for _ in $(seq "$runs"); do
    : > "$out/timings"
    timed sh -c "'$cli' -f '$out/loss.txt' --points '$out/points_$points.csv' --format csv > '$out/batch_tool.csv'"
    cat "$out/timings" >> "$out/batch_tool.runs"
    : > "$out/timings"
    timed python3 benches/compare/batch_torch.py "$out/points_$points.csv" "$out/batch_torch.csv"
    cat "$out/timings" >> "$out/batch_torch.runs"
    cat "$out/stderr" >> "$out/batch_torch.stages"
done
summary "$out/batch_tool.runs" > "$out/batch_tool.sum"; summary "$out/batch_torch.runs" > "$out/batch_torch.sum"
paste "$out/batch_tool.runs" "$out/batch_torch.runs" | sed 's/^/tool s KB | torch s KB: /'
cat "$out/batch_torch.stages"
python3 - "$out/batch_tool.csv" "$out/batch_torch.csv" <<'EOF'
import sys
import numpy as np
a, b = (np.loadtxt(p, delimiter=",", skiprows=1, ndmin=2) for p in sys.argv[1:])
assert open(sys.argv[1]).readline() == open(sys.argv[2]).readline(), "headers differ"
err = np.max(np.abs(a - b) / np.maximum(1, np.abs(b)))
print(f"outputs: {len(a)} and {len(b)} rows, largest difference {err:.1e} (relative, or absolute below 1)")
sys.exit(0 if a.shape == b.shape and err <= 1e-9 else 1)
EOF

echo "== batch compute alone (no I/O), $points points"
"$out/tool_compute" "$out/loss.txt" "$out/points_$points.csv" 5 | tee "$out/compute_tool.txt"
python3 benches/compare/batch_torch.py "$out/points_$points.csv" --compute-only 2> "$out/compute_torch.txt"
python3 benches/compare/batch_torch.py "$out/points_$points.csv" --compute-only --threads 1 2> "$out/compute_torch1.txt"
cat "$out/compute_torch.txt" "$out/compute_torch1.txt"
tool_c1=$(sed -E 's/.*1 thread ([0-9.]+) s.*/\1/' "$out/compute_tool.txt")
tool_cn=$(sed -E 's/.*, ([0-9]+) threads ([0-9.]+) s.*/\2/' "$out/compute_tool.txt")
ncores=$(sed -E 's/.*, ([0-9]+) threads ([0-9.]+) s.*/\1/' "$out/compute_tool.txt")
torch_cn=$(sed -E 's/.*threads\): ([0-9.]+) s.*/\1/' "$out/compute_torch.txt")
torch_c1=$(sed -E 's/.*threads\): ([0-9.]+) s.*/\1/' "$out/compute_torch1.txt")
torch_threads=$(sed -E 's/.* ([0-9]+) threads\).*/\1/' "$out/compute_torch.txt")
tool_scalar=$(sed -E 's/.*scalar engine row by row ([0-9.]+) s.*/\1/' "$out/compute_tool.txt")

# ---------------------------------------------------------------- table
read -r hello_s hello_kb < "$out/hello_mem.sum"
read -r _ tool_small_kb < "$out/tool_small_mem.sum"
read -r _ torch_small_kb < "$out/torch_small_mem.sum"
read -r big_s big_kb < "$out/big_tool.sum"
read -r sum_tool_s sum_tool_kb < "$out/sum_tool.sum"
read -r sum_torch_s sum_torch_kb < "$out/sum_torch.sum"
read -r batch_tool_s batch_tool_kb < "$out/batch_tool.sum"
read -r batch_torch_s batch_torch_kb < "$out/batch_torch.sum"
ms() { awk -v m="$1" -v s="$2" -v l="$3" 'BEGIN { printf "%.2f ms (σ %.2f, min %.2f)", m, s, l }'; }
{
echo
echo "## autograd-cli vs PyTorch ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "Wall times are medians: hyperfine's for the one expression (σ its standard deviation, over"
echo "$small_runs runs for the Rust binaries, $torch_runs for PyTorch), otherwise over $runs runs alternated"
echo "tool/PyTorch; peak RSS (GNU time) is the largest of the runs."
echo "Ratios: PyTorch over the tool (above 1: the tool is faster), and the tool over hello-world."
echo "Compute only: forward+backward over the points in memory, no parsing of the CSV, no output;"
echo "the tool's figures are its batch engine (the --points path), PyTorch's set by torch.set_num_threads."
echo
echo "| case | autograd-cli | PyTorch | PyTorch / tool |"
echo "|---|---|---|---|"
echo "| one expression, wall | $(ms "$tool_ms" "$tool_sd" "$tool_min") | $(ms "$torch_ms" "$torch_sd" "$torch_min") | $(ratio "$torch_ms" "$tool_ms")× |"
echo "| one expression, peak RSS | $(mb "$tool_small_kb") MB | $(mb "$torch_small_kb") MB | $(ratio "$torch_small_kb" "$tool_small_kb")× |"
if [[ $jax == yes ]]; then
    read -r _ jax_ms jax_sd jax_min _ < <(grep '^lecture_jax.py ' "$out/small.ms")
    read -r _ jax_kb < "$out/jax_small_mem.sum"
    echo "| one expression, JAX $(python3 -c 'import jax; print(jax.__version__)') instead of PyTorch, wall / RSS | | $(ms "$jax_ms" "$jax_sd" "$jax_min") / $(mb "$jax_kb") MB | $(ratio "$jax_ms" "$tool_ms")× time, $(ratio "$jax_kb" "$tool_small_kb")× RSS |"
fi
echo "| hello-world Rust binary (floor), wall / RSS | $(ms "$hello_ms" "$hello_sd" "$hello_min") / $(mb "$hello_kb") MB | | tool / hello: $(ratio "$tool_ms" "$hello_ms")× time, $(ratio "$tool_small_kb" "$hello_kb")× RSS |"
if [[ -s $out/big_torch.sum && ${TORCH_BIG:-0} == 1 ]]; then
    read -r big_torch_s big_torch_kb < "$out/big_torch.sum"
    echo "| big sum, $big terms, wall / RSS | $big_s s / $(mb "$big_kb") MB | $big_torch_s s / $(mb "$big_torch_kb") MB | $(ratio "$big_torch_s" "$big_s")× time, $(ratio "$big_torch_kb" "$big_kb")× RSS |"
else
    echo "| big sum, $big terms, wall / RSS | $big_s s / $(mb "$big_kb") MB | (TORCH_BIG=1 to run) | |"
fi
echo "| big sum, $sum terms, wall | $sum_tool_s s | $sum_torch_s s | $(ratio "$sum_torch_s" "$sum_tool_s")× |"
echo "| big sum, $sum terms, peak RSS | $(mb "$sum_tool_kb") MB | $(mb "$sum_torch_kb") MB | $(ratio "$sum_torch_kb" "$sum_tool_kb")× |"
echo "| batch, $points points CSV→CSV, wall | $batch_tool_s s | $batch_torch_s s | $(ratio "$batch_torch_s" "$batch_tool_s")× |"
echo "| batch, $points points CSV→CSV, peak RSS | $(mb "$batch_tool_kb") MB | $(mb "$batch_torch_kb") MB | $(ratio "$batch_torch_kb" "$batch_tool_kb")× |"
echo "| batch compute only, batch engine $ncores threads / PyTorch $torch_threads threads (best of 5) | $tool_cn s | $torch_cn s | $(ratio "$torch_cn" "$tool_cn")× |"
echo "| batch compute only, batch engine 1 thread / PyTorch 1 thread (best of 5) | $tool_c1 s | $torch_c1 s | $(ratio "$torch_c1" "$tool_c1")× |"
echo "| (reference) scalar engine row by row, 1 thread | $tool_scalar s | | |"
echo
echo "PyTorch stages, last run: $(tail -1 "$out/sum_torch.stages"); $(tail -1 "$out/batch_torch.stages")"
} | tee "$out/results.md"
