// Lists the ES modules a Node process loads, one URL a line, into the file named by MODULE_TRACE_FILE:
// `MODULE_TRACE_FILE=/tmp/m.txt node --import ./bench/lib/module-trace.mjs app.js`. Used by
// bench/startup.mjs and the CLI's start-up test to count what a command loads. CommonJS files that
// a CommonJS module requires are not seen (ajv's are among them); the ES modules are.
import { appendFileSync } from "node:fs";
import { register } from "node:module";
import { isMainThread } from "node:worker_threads";

const file = process.env.MODULE_TRACE_FILE;
// The hooks thread imports this file too; only the main thread registers it.
if (file && isMainThread) {
  register(import.meta.url, { data: { file } });
}

// Loader hooks: they run on the loader's own thread, where `initialize` receives the file name.
let out;
export function initialize(data) {
  out = data?.file;
}
export async function load(url, context, next) {
  if (out !== undefined) appendFileSync(out, `${url}\n`);
  return next(url, context);
}
