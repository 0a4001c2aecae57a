#!/usr/bin/env bash
# Grades a whole class in one command: each row of class.csv is a student
# with their data point and their answers (in any notation) for the
# lecture's loss. Writes the machine-readable verdicts (JSON) to the file
# given, prints the one-line summary, and exits with the tool's code:
# 0 all passed, 1 a check failed, 3 a row could not be evaluated.
#
#     examples/grading/grade-class.sh VERDICTS.json
#
# AUTOGRAD_CLI names the binary (default: autograd-cli on the PATH).
set -uo pipefail
cli=${AUTOGRAD_CLI:-autograd-cli}
here=$(dirname "$0")
verdicts=${1:?usage: grade-class.sh VERDICTS.json}
checks='L=@ans_L, dL/dw=@ans_dw'
"$cli" -f "$here/../loss.txt" --points "$here/class.csv" --expect "$checks" \
    --format json --color never > "$verdicts" 2>/dev/null
"$cli" -f "$here/../loss.txt" --points "$here/class.csv" --expect "$checks" \
    --summary --color never 2>&1
