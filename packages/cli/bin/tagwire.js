#!/usr/bin/env node
// Checked in rather than built: npm links a package's commands at install time, before the build
// has made dist/, and skips a command whose file is missing, so `npx tagwire` would not exist.
import("../dist/bin.js").catch((error) => {
  const missing = error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist/bin.js");
  process.stderr.write(`tagwire: ${missing ? "not built yet: run `npm run build` from the repository" : error?.message ?? error}\n`);
  process.exit(2);
});
