#!/usr/bin/env bash
# Grades a class's answers with autograd-cli, using only its exit codes and
# documented output: 0 = every check passed, 1 = a check failed (the FAILED
# lines say which), 2 = the exercise itself is malformed, 3 = it cannot be
# evaluated at that point.
#
#     examples/grading/grade.sh [ANSWERS]      (default: answers.txt beside this script)
#
# AUTOGRAD_CLI names the binary (default: autograd-cli on the PATH).
set -uo pipefail
cli=${AUTOGRAD_CLI:-autograd-cli}
answers=${1:-"$(dirname "$0")/answers.txt"}

trim() {
    local s=$1
    s=${s#"${s%%[![:space:]]*}"}
    printf '%s' "${s%"${s##*[![:space:]]}"}"
}

correct=0
total=0
while IFS='|' read -r name expr point expect; do
    name=$(trim "$name")
    [[ -z "$name" || "$name" == \#* ]] && continue
    total=$((total + 1))
    report=$("$cli" "$(trim "$expr")" --at "$(trim "$point")" \
        --expect "$(trim "$expect")" --color never 2>&1)
    case $? in
        0) correct=$((correct + 1)); echo "✓ $name: correct" ;;
        1) echo "✗ $name: wrong"
           grep '^FAILED' <<<"$report" | sed 's/^/    /' ;;
        *) echo "? $name: cannot be graded"
           sed 's/^/    /' <<<"$report" ;;
    esac
done < "$answers"
echo "score: $correct of $total exercises correct"
