#!/usr/bin/env bash
# The whole test suite, as README's Quick start and CI run it: set the machine up, type-check,
# lint, then vitest against real runc, Docker and PostgreSQL. Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/start-dockerd.sh
npx tsc -p tsconfig.check.json
npx eslint .
# Templates: no unescaped expression may reach a page (@kitajs/ts-html-plugin).
npx xss-scan -s
mkdir -p test/.cache
report=test/.cache/vitest-report.json
rm -f "$report"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
if [[ -f $report ]]; then
  npx node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
  ' "$report"
fi
exit "$status"
