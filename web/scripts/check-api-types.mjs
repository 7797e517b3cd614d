// Fails when src/api/schema.d.ts no longer matches openapi.json, so the front end cannot
// silently drift from the gateway's API.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const committed = join(web, "src/api/schema.d.ts");
const dir = mkdtempSync(join(tmpdir(), "orderflow-api-"));
const fresh = join(dir, "schema.d.ts");

try {
  execFileSync(
    process.execPath,
    [join(web, "node_modules/openapi-typescript/bin/cli.js"), join(web, "openapi.json"), "-o", fresh],
    { cwd: web, stdio: ["ignore", "ignore", "inherit"] },
  );
  let current = "";
  try {
    current = readFileSync(committed, "utf8");
  } catch {
    // A missing file is as stale as an outdated one.
  }
  if (readFileSync(fresh, "utf8") !== current) {
    console.error("src/api/schema.d.ts is stale: run `npm run api:generate`");
    process.exit(1);
  }
  console.log("src/api/schema.d.ts is up to date with openapi.json");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
