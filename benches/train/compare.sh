#!/usr/bin/env bash
# The training benchmark, the tool against PyTorch in one run (hyperfine
# alternates nothing, but both run back to back on the same load):
#   1. 1,000,000 rows, 10 full-batch epochs of SGD (lr 0.5 from w=0, b=0):
#      end to end, the final parameters compared to 1e-9, and the compute of
#      one epoch on the same number of threads: from outside, (time of 11
#      epochs − time of 1) / 10; in process, best of 10 (epoch_compute.rs)
#      against PyTorch's own timer, best and mean of its 10 epochs (the
#      tool's in-process figure gives its best and mean too);
#   2. one epoch of mini-batches of 32 over the same file (31,250 steps).
# Usage: benches/train/compare.sh [ROWS]   (from the repository root)
set -euo pipefail
rows=${1:-1000000}
out=${OUT:-/tmp/train-bench}
mkdir -p "$out"
cargo build --release --quiet
tool=target/release/autograd-cli
data="$out/train_$rows.csv"
[ -s "$data" ] || python3 benches/train/gen_data.py "$rows" > "$data"
loss='z = w*x + b; yhat = σ(z); L = -y*ln(yhat) - (1-y)*ln(1-yhat)'
threads=$(nproc)
echo "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(rustc --version); torch $(python3 -c 'import torch; print(torch.__version__)'); $(hyperfine --version)"

echo "== final parameters after 10 full-batch epochs"
t=$("$tool" "$loss" --train w,b --at w=0,b=0 --points "$data" --lr 0.5 --epochs 10 --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["at"])')
p=$(python3 benches/train/train_torch.py "$data" --lr 0.5 --epochs 10 --threads "$threads" 2> "$out/torch_full.txt")
echo "tool:  $t"; echo "torch: $p"; cat "$out/torch_full.txt"
python3 - "$t" "$p" <<'PY'
import sys
a = dict(kv.split("=") for kv in sys.argv[1].split(","))
b = dict(kv.split("=") for kv in sys.argv[2].split(","))
for k in a:
    x, y = float(a[k]), float(b[k])
    err = abs(x - y) / max(abs(y), 1e-300)
    print(f"{k}: relative difference {err:.2e}", "ok" if err <= 1e-9 else "MORE THAN 1e-9")
PY

echo "== end to end, 10 full-batch epochs"
hyperfine -w 1 -r ${RUNS:-5} -N --export-json "$out/full.json" \
  -n tool "$tool '$loss' --train w,b --at w=0,b=0 --points $data --lr 0.5 --epochs 10 --format csv" \
  -n torch "python3 benches/train/train_torch.py $data --lr 0.5 --epochs 10 --threads $threads"

echo "== the tool's compute of one epoch: (11 epochs − 1 epoch) / 10"
hyperfine -w 1 -r ${RUNS:-5} -N --export-json "$out/epochs.json" \
  -n e1 "$tool '$loss' --train w,b --at w=0,b=0 --points $data --lr 0.5 --epochs 1 --format csv" \
  -n e11 "$tool '$loss' --train w,b --at w=0,b=0 --points $data --lr 0.5 --epochs 11 --format csv" > /dev/null
python3 - "$out/epochs.json" "$out/torch_full.txt" <<'PY'
import json, re, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
per = (r["e11"]["median"] - r["e1"]["median"]) / 10
text = open(sys.argv[2]).read()
best = float(re.search(r"best epoch ([0-9.]+)", text).group(1))
mean = float(re.search(r"mean epoch ([0-9.]+)", text).group(1))
print(f"tool {per * 1000:.1f} ms an epoch (medians), torch best epoch {best * 1000:.1f} ms, mean epoch {mean * 1000:.1f} ms")
PY

echo "== the compute of one full-batch epoch, in process, best of 10 (no I/O)"
nice rustc --edition 2021 -C opt-level=3 -o "$out/epoch_compute" benches/train/epoch_compute.rs \
  --extern autograd=target/release/libautograd.rlib -L dependency=target/release/deps
"$out/epoch_compute" "$data" 10
python3 benches/train/train_torch.py "$data" --lr 0.5 --epochs 10 --threads "$threads" 2>&1 >/dev/null | sed 's/.*threads, /torch: /'

echo "== one epoch of mini-batches of 32 (31,250 steps)"
hyperfine -w 1 -r ${RUNS_MINI:-3} -N --export-json "$out/mini.json" \
  -n tool "$tool '$loss' --train w,b --at w=0,b=0 --points $data --lr 0.5 --epochs 1 --batch-size 32 --format csv" \
  -n torch "python3 benches/train/train_torch.py $data --lr 0.5 --epochs 1 --batch-size 32 --threads $threads"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
