#!/usr/bin/env bash
# Grades the notation class (notations.csv and its `;`-separated twin with
# decimal commas, notations-semicolon.csv): every way of writing a number,
# truncated and rough answers, self-reference, an empty cell. Each row's
# `verdict` column is what a fair TA gives; this prints, per file and row,
# the TA's verdict and the tool's, then the tool's summary, and exits 1 when
# they disagree on any row.
#
#     examples/grading/grade-notations.sh
#
# AUTOGRAD_CLI names the binary (default: autograd-cli on the PATH).
set -uo pipefail
cli=${AUTOGRAD_CLI:-autograd-cli}
here=$(dirname "$0")
checks='L=@ans_L, dL/dw=@ans_dw'
disagree=0
for file in notations.csv notations-semicolon.csv; do
    echo "== $file"
    # student and verdict are the first two columns, passed the last: none
    # of them is ever quoted, so a plain split on commas finds them.
    verdicts=$("$cli" -f "$here/../loss.txt" --points "$here/$file" \
        --expect "$checks" --format csv --color never) || true
    while IFS=' ' read -r student ta tool; do
        mark=agree
        [ "$ta" = "$tool" ] || { mark=DISAGREE; disagree=$((disagree + 1)); }
        printf '%-4s TA %-4s tool %-4s %s\n' "$student" "$ta" "$tool" "$mark"
    done < <(awk -F, 'NR > 1 { print $1, $2, ($NF == "true" ? "pass" : "fail") }' <<<"$verdicts")
    "$cli" -f "$here/../loss.txt" --points "$here/$file" --expect "$checks" \
        --summary --color never
done
echo "rows where the tool and the TA disagree: $disagree"
[ "$disagree" = 0 ]
