// The engine without running a Look: loading connectors, planning a Look's columns, reading Looks and
// the names of the connector variables. Commands that only check (`tagwire destinations`, `validate`)
// import this instead of the package index, which also loads the run and delivery pipeline (effect's
// runtime, the HTTP client, worker threads): most of the engine's start-up time.
export * from "./generated/manifest.js";
export type { DownstreamTable, Downstream } from "./generated/downstream-table.js";
export { ManifestError, UnknownConnectorError, type ManifestProblem } from "./errors.js";
export { repoRoot, schemasDir, connectorsDir } from "./paths.js";
export type { Connector, RecordValidator } from "./manifest/connector.js";
export { loadConnectors, loadConnectorFile, validateManifest, findConnector, type LoadOptions } from "./manifest/load.js";
export type { Plan, PlanInput, ColumnPlan, Diagnostic, DiagnosticSubject, Severity, RequirementStatus } from "./plan/types.js";
export { plan } from "./plan/plan.js";
export type { TagSource } from "./plan/tag-fixes.js";
export { closest } from "./plan/did-you-mean.js";
export { groupDigits } from "./group-digits.js";
export * from "./look/index.js";
export { parseRateLimit, formatRateLimit, RateLimitSyntaxError, type RateLimitSetting } from "./deliver/rate-limit.js";
export { baseUrlVariable, connectorVariable, rateLimitVariable, settingVariable, upperSnake } from "./run/endpoint.js";
export { describeSync, type ReasonGroup } from "./run/report.js";
export type { SyncReport } from "./sync/sync-run.js";
