#!/usr/bin/env node
import { runCli } from "./cli.js";

const code = await runCli(process.argv);
// Exit explicitly (idle keep-alive sockets must not hold the process), once stdout and stderr are flushed.
process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
