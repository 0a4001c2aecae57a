#!/usr/bin/env bash
# The big-expression figure: a sum of N terms sin(x*a+y*b)*z^2/(k+x*x)
# (100,000 by default: about 835,000 nodes, 4.6 MB of text), differentiated
# end to end, output to /dev/null. Prints wall time and peak memory.
#
#     benches/big_sum.sh [N] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
runs=${2:-5}
cargo build --release --quiet
file=$(mktemp --suffix=.txt)
trap 'rm -f "$file"' EXIT
python3 benches/gen_sum.py "$n" > "$file"
echo "sum of $n terms: $(wc -c < "$file") bytes"
for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e s wall, %M KB peak RSS" \
        target/release/autograd-cli -f "$file" --at x=1,y=2,z=3 > /dev/null
done
