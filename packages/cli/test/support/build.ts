import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const pkg = fileURLToPath(new URL("../../", import.meta.url));

export default function setup(): void {
  for (const dep of ["@tagwire/engine", "@tagwire/emulators"]) {
    const main = createRequire(import.meta.url).resolve(dep);
    if (!existsSync(main)) throw new Error(`${dep} is not built: run \`npm run build\` from the repository first`);
  }
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: pkg, stdio: "inherit" });
  // As `npm run build` does: the help snapshot that `--help` answers from.
  execFileSync(process.execPath, ["scripts/write-help.mjs"], { cwd: pkg, stdio: "inherit" });
}
