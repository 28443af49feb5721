#!/usr/bin/env node
// Writes dist/help.json, the commands' help documents that `tagwire --help` answers from without
// loading @effect/cli (see src/help-snapshot.ts). Runs after `tsc`, on the code it has just built.
const { helpTree } = await import("../dist/cli.js");
const { writeHelpSnapshot } = await import("../dist/help-snapshot.js");
writeHelpSnapshot(helpTree);
