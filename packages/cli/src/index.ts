export { runCli, tagwire, VERSION } from "./cli.js";
export { settingsFor } from "./settings.js";
export { settingVariable, upperSnake } from "@tagwire/engine/planning";
export { readCsv } from "./sources/csv.js";
export { openLookerLook } from "./sources/looker.js";
export { parseTarget, splitPair, type Target } from "./flags.js";
export { ExitCode, InputError, NotValid, errorLine } from "./exit.js";
