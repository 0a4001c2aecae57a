#!/usr/bin/env bash
# Trains a 2-8-1 network (network.txt) on two interleaved half-moons and
# states its accuracy on points it did not see. Everything is generated
# here, deterministically (a MINSTD generator in awk: the same numbers on
# every machine), into DIR:
#
#     examples/two_moons/run.sh [DIR]        (default: a new temporary directory)
#
#   DIR/train.csv, DIR/test.csv   200 points each: x[0],x[1],y
#   DIR/start.txt                 the starting weights, for --at @start.txt
#   DIR/trained.txt               the trained weights (--save), for --at @trained.txt
#
# AUTOGRAD_CLI names the binary (default: autograd-cli on the PATH).
set -euo pipefail
cli=${AUTOGRAD_CLI:-autograd-cli}
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-$(mktemp -d)}
mkdir -p "$dir"

# moons SEED N: N points, alternately of each moon, with noise 0.15.
moons() {
    awk -v seed="$1" -v n="$2" 'function u() { seed = (seed * 48271) % 2147483647; return seed / 2147483647 }
        function normal() { return sqrt(-2 * log(u())) * cos(2 * 3.141592653589793 * u()) }
        BEGIN {
            print "x[0],x[1],y"
            for (i = 0; i < n; i++) {
                t = 3.141592653589793 * u(); y = i % 2
                x0 = y ? 1 - cos(t) : cos(t); x1 = y ? 0.5 - sin(t) : sin(t)
                printf "%.6f,%.6f,%d\n", x0 + 0.15 * normal(), x1 + 0.15 * normal(), y
            }
        }'
}
moons 21 200 > "$dir/train.csv"
moons 12345 200 > "$dir/test.csv"

# Starting weights: uniform in ±1 for W, ±0.5 for v, zero biases.
awk -v seed=7 'function u() { seed = (seed * 48271) % 2147483647; return 2 * seed / 2147483647 - 1 }
    BEGIN {
        printf "W=["; for (i = 0; i < 8; i++) printf "%s[%.4f, %.4f]", (i ? ", " : ""), u(), u(); print "]"
        print "b=[0, 0, 0, 0, 0, 0, 0, 0]"
        printf "v=["; for (i = 0; i < 8; i++) printf "%s%.4f", (i ? ", " : ""), 0.5 * u(); print "]"
        print "c=0"
    }' > "$dir/start.txt"

# Train: Adam, full batch, 300 epochs; the weights are saved for --at @FILE.
"$cli" -f "$here/network.txt" --train W,b,v,c --at "@$dir/start.txt" \
    --points "$dir/train.csv" --optim adam --lr 0.05 --epochs 300 \
    --save "$dir/trained.txt" --format csv > "$dir/log.csv"
tail -1 "$dir/log.csv" | awk -F, '{ printf "final training loss: %.4f\n", $3 }'

# Accuracy: the logit z at each point, class 1 when z > 0.
for set in train test; do
    "$cli" -f "$here/network.txt" --of z --at "@$dir/trained.txt" \
        --points "$dir/$set.csv" --format csv |
        awk -F, -v set="$set" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "z") col = i; next }
            { n++; if (($col > 0) == ($3 == 1)) right++ }
            END { printf "%s accuracy: %d of %d (%.1f%%)\n", set, right, n, 100 * right / n }'
done
