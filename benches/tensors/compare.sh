#!/usr/bin/env bash
# The tensor benchmarks of issue 21, the tool against PyTorch (float64, CPU)
# in one run on the same machine, each a cold start (a new process, Python
# importing torch), with hyperfine; peak RSS from GNU time; and before the
# timings, whether the two agree (every gradient element, 1e-9 relative).
#
#   (a) a 784-64-10 network, h = tanh(W1@x/28 + b1); z = W2@h + b2;
#       L = logsumexp(z) - z[3] (softmax cross-entropy, class 3): the loss
#       and all 50,890 gradients at one example, `--at @FILE`, JSON out;
#   (b) 100 epochs of full-batch SGD (lr 0.5) of a 2-8-1 network (tanh
#       hidden layer, logits loss softplus(z) - y*z) on 10,000 two-moons
#       rows: the network unrolled into 33 scalar parameters (w00…, which
#       --train takes today), and the tensor program with --train W,b,v,c
#       when the tool takes it (probed);
#   (c) one square layer, h = tanh(W@x + b); L = logsumexp(h), for n = 16,
#       64, 256, 512, 1024: time and memory against PyTorch, and the tool
#       with -q (the same work, no output) to separate writing the answer.
#
#     benches/tensors/compare.sh            # all of it
#     benches/tensors/compare.sh a c        # some sections
#
# Environment: OUT (inputs and results, default /tmp/tensor-bench), RUNS
# (hyperfine runs a command, default 10; 3 for n >= 512), SIZES (for c).
# Needs cargo, python3 with torch and numpy, hyperfine, GNU time.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-/tmp/tensor-bench}
runs=${RUNS:-10}
sizes=${SIZES:-16 64 256 512 1024}
sections=${*:-a b c}
mkdir -p "$out"
gen=benches/tensors/gen.py
for tool in hyperfine python3 cargo /usr/bin/time; do
    command -v "$tool" > /dev/null || { echo "compare.sh: $tool is missing" >&2; exit 1; }
done

echo "== building (nice)"
nice cargo build --release --quiet
cli=$PWD/target/release/autograd-cli
results=$out/results.md
: > "$results"
say() { echo "$*" | tee -a "$results"; }
machine="$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GB; $(rustc --version | cut -d' ' -f1-2); torch $(python3 -c 'import torch; print(torch.__version__, torch.get_num_threads(), "threads")'); $(hyperfine --version)"
say "machine: $machine"
say "autograd-cli at $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src Cargo.toml || echo ' (+ uncommitted changes)'), $(date -u '+%Y-%m-%d %H:%M UTC')"

# peak FILE CMD...: the peak RSS of one run, in MB, appended to FILE's line
peak() {
    /usr/bin/time -f '%M' -o "$out/peak.txt" "$@" > /dev/null 2> "$out/peak.err" || {
        cat "$out/peak.err" >&2; return 1; }
    awk '{ printf "%.0f", $1 / 1024 }' "$out/peak.txt"
}
# bench NAME RUNS CMD1 CMD2 [CMD3]: hyperfine, medians and min/max in s
bench() {
    local name=$1 n=$2; shift 2
    local args=()
    for c in "$@"; do args+=("$c"); done
    hyperfine -N --style none --warmup 1 --runs "$n" --export-json "$out/$name.json" "${args[@]}" > /dev/null
    python3 - "$out/$name.json" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"{r['median']:.3f} {r['min']:.3f} {r['max']:.3f}")
EOF
}
load() { cut -d' ' -f1-3 /proc/loadavg; }

if [[ $sections == *a* ]]; then
    say ""
    say "== (a) 784-64-10 network: loss and 50,890 gradients at one example"
    python3 $gen mlp "$out/mlp.at"
    python3 $gen program mlp > "$out/mlp.txt"
    "$cli" -f "$out/mlp.txt" --at @"$out/mlp.at" --format json > "$out/mlp_tool.json"
    python3 benches/tensors/grad_torch.py mlp "$out/mlp.at" > "$out/mlp_torch.txt" 2> "$out/mlp_torch.err"
    say "PyTorch in process: $(cat "$out/mlp_torch.err")"
    say "agreement: $(python3 benches/tensors/agree.py "$out/mlp_tool.json" "$out/mlp_torch.txt")"
    say "load before: $(load)"
    mapfile -t rows < <(bench mlp "$runs" \
        "$cli -f $out/mlp.txt --at @$out/mlp.at --format json" \
        "python3 benches/tensors/grad_torch.py mlp $out/mlp.at")
    read -r t_med t_min t_max <<< "${rows[0]}"
    read -r p_med p_min p_max <<< "${rows[1]}"
    t_mem=$(peak "$cli" -f "$out/mlp.txt" --at @"$out/mlp.at" --format json)
    p_mem=$(peak python3 benches/tensors/grad_torch.py mlp "$out/mlp.at")
    say "load after: $(load)"
    say "| 784-64-10, one example | tool $t_med s (min $t_min, max $t_max), $t_mem MB | PyTorch $p_med s (min $p_min, max $p_max), $p_mem MB | $(python3 -c "print(f'{$p_med / $t_med:.1f}')")× |"
fi

if [[ $sections == *b* ]]; then
    say ""
    say "== (b) 2-8-1 network, 100 epochs of full-batch SGD (lr 0.5) on 10,000 rows"
    python3 $gen moons-scalar 10000 "$out/moons_scalar.csv"
    python3 $gen moons 10000 "$out/moons.csv"
    python3 $gen net281 "$out/net281.txt" "$out/net281.at"
    python3 $gen net281-tensor "$out/net281_tensor.at"
    python3 $gen program net281 > "$out/net281_tensor.txt"
    params=$(python3 -c "import re, sys; print(','.join(re.findall(r'(\w+)=', open(sys.argv[1]).read())))" "$out/net281.at")
    unrolled="$cli -f $out/net281.txt --train $params --at @$out/net281.at --points $out/moons_scalar.csv --epochs 100 --lr 0.5 --format csv"
    tensor="$cli -f $out/net281_tensor.txt --train W,b,v,c --at @$out/net281_tensor.at --points $out/moons.csv --epochs 100 --lr 0.5 --format csv"
    torch="python3 benches/tensors/train_torch.py $out/moons_scalar.csv $out/net281.at --epochs 100 --lr 0.5"
    "$cli" -f "$out/net281.txt" --train "$params" --at @"$out/net281.at" --points "$out/moons_scalar.csv" \
        --epochs 100 --lr 0.5 --format json | python3 -c 'import json, sys; print(json.load(sys.stdin)["at"])' > "$out/train_tool.txt"
    $torch > "$out/train_torch.txt" 2> /dev/null
    say "agreement (unrolled): $(python3 benches/tensors/agree_params.py "$(cat "$out/train_tool.txt")" "$(cat "$out/train_torch.txt")")"
    commands=("$unrolled" "$torch")
    if $tensor > /dev/null 2> "$out/tensor_train.err"; then
        commands+=("$tensor")
        ${tensor/--format csv/--format json} | python3 -c 'import json, sys; print(json.load(sys.stdin)["at"])' > "$out/train_tensor.txt"
        say "agreement (tensor --train W,b,v,c): $(python3 benches/tensors/agree_params.py "$(cat "$out/train_tensor.txt")" "$(cat "$out/train_torch.txt")")"
    else
        say "tensor --train W,b,v,c: not taken by this build ($(head -1 "$out/tensor_train.err"))"
    fi
    say "load before: $(load)"
    mapfile -t rows < <(bench train "$runs" "${commands[@]}")
    u_mem=$(peak $unrolled)
    p_mem=$(peak $torch)
    say "load after: $(load)"
    read -r u_med u_min u_max <<< "${rows[0]}"
    read -r p_med p_min p_max <<< "${rows[1]}"
    say "| 2-8-1, 100 epochs, 10,000 rows, unrolled scalar program | tool $u_med s (min $u_min, max $u_max), $u_mem MB | PyTorch $p_med s (min $p_min, max $p_max), $p_mem MB | $(python3 -c "print(f'{$p_med / $u_med:.1f}')")× |"
    if (( ${#rows[@]} > 2 )); then
        read -r s_med s_min s_max <<< "${rows[2]}"
        s_mem=$(peak $tensor)
        say "| 2-8-1, 100 epochs, 10,000 rows, tensor program | tool $s_med s (min $s_min, max $s_max), $s_mem MB | PyTorch as above | $(python3 -c "print(f'{$p_med / $s_med:.1f}')")× |"
    fi
fi

if [[ $sections == *c* ]]; then
    say ""
    say "== (c) one square layer h = tanh(W@x + b); L = logsumexp(h), n×n"
    python3 $gen program square > "$out/square.txt"
    say "| n | parameters | tool (JSON out) | tool -q (no output) | PyTorch | PyTorch / tool | PyTorch's forward+backward in process | load |"
    say "|---|---|---|---|---|---|---|---|"
    for n in $sizes; do
        at=$out/square_$n.at
        [[ -s $at ]] || python3 $gen square "$n" "$at"
        "$cli" -f "$out/square.txt" --at @"$at" --format json > "$out/square_tool.json"
        python3 benches/tensors/grad_torch.py square "$at" > "$out/square_torch.txt" 2> "$out/square_torch.err"
        compute=$(sed -n 's/.*compute \([0-9.]*\) s.*/\1/p' "$out/square_torch.err")
        agree=$(python3 benches/tensors/agree.py "$out/square_tool.json" "$out/square_torch.txt")
        rm -f "$out/square_tool.json"
        r=$runs
        (( n >= 512 )) && r=${RUNS_BIG:-3}
        before=$(load)
        mapfile -t rows < <(bench "square_$n" "$r" \
            "$cli -f $out/square.txt --at @$at --format json" \
            "$cli -f $out/square.txt --at @$at -q" \
            "python3 benches/tensors/grad_torch.py square $at")
        t_mem=$(peak "$cli" -f "$out/square.txt" --at @"$at" --format json)
        q_mem=$(peak "$cli" -f "$out/square.txt" --at @"$at" -q)
        p_mem=$(peak python3 benches/tensors/grad_torch.py square "$at")
        read -r t_med _ _ <<< "${rows[0]}"
        read -r q_med _ _ <<< "${rows[1]}"
        read -r p_med _ _ <<< "${rows[2]}"
        say "| $n | $((n * n + n)) | $t_med s, $t_mem MB | $q_med s, $q_mem MB | $p_med s, $p_mem MB | $(python3 -c "print(f'{$p_med / $t_med:.2f}')") | $compute s | $before → $(load) |"
        echo "   n=$n: $agree"
    done
fi
echo
echo "results in $results"
