// Everything the engine offers: what `planning.ts` gives (loading, planning, reading Looks), then
// transforming, batching, delivering and running a Look.
export * from "./planning.js";
export { knownTags, targetOf, valueRuleOf } from "./manifest/connector.js";
export { authParts, authSettings, describeAuth, parseTemplate, type AuthPart, type TemplatePiece } from "./manifest/auth-parts.js";
export { resolveOptions } from "./plan/options.js";
export { providersOf, describeProviders, type Providers } from "./plan/hints.js";
export { holds, describeCondition } from "./plan/condition.js";
export { transformRow, scopeOf, Rejection, type RunContext, type RowWarning } from "./transform/transform.js";
export { runContextOf, workspaceOf } from "./run/run-context.js";
export { recordId, RecordIds, uuidOf, type RecordIdScope } from "./transform/ids.js";
export { RecordPacker, RequestShape, TOO_LARGE, type Batch, type Packed, type Room } from "./batch/batcher.js";
export { createTransport, type RequestBody, type Transport, type TransportOptions, type AttemptResult } from "./deliver/transport.js";
export { loadGot } from "./deliver/load-got.js";
export { defaultRetryPolicy, parseRetryAfter, isRetryableStatus, type RetryPolicy } from "./deliver/retry.js";
export { retryPolicyFromEnv, retryValue, RetrySettingError, RETRY_VARIABLES } from "./deliver/retry-env.js";
export { sendBatch, type BatchOutcome, type Endpoint, type Halt, type RunGate, type SendCounters } from "./deliver/send-batch.js";
export { requestCredentials, credentialWireValues, headerProblems, type RequestCredentials, type HeaderProblem } from "./deliver/credentials.js";
export { answerRules, refusedRecordsOf, type AnswerRules, type RefusedRecord } from "./deliver/answers.js";
export { Pacer, RateBudget, TokenBucket, type Budget, type SharedRateBudget } from "./deliver/pacer.js";
export { destinationOf, pacerFor, rateLimitFromEnv, rateLimitOf, LocalRateBudgets, type RateBudgets } from "./run/pacing.js";
export { runLook, type RunInput, type RunProgress } from "./run/run-look.js";
export type { LookDownload } from "./run/run-input.js";
export { spoolLayer, spooledDownload, SpoolService, type Spools, type SpoolTuning } from "./spool/spool-service.js";
export { DEFAULT_SPOOL_MAX_BYTES, spoolConfigFromEnv, spoolDir, SpoolConfigError, type SpoolConfig } from "./spool/spool-config.js";
export { DEFAULT_SPOOL_SIZES, SpoolReadError, type SpooledBytes, type SpoolFigures, type SpoolSizes } from "./spool/spool.js";
export { partFileName, sweepSpoolDir, thisProcess, type SpoolOwner } from "./spool/spool-files.js";
export { NOT_SENT, type RunStop, type StopReason } from "./run/run-stop.js";
export { RowVerdicts, type RowVerdict } from "./run/row-verdicts.js";
export type { RowNote } from "./run/chunk-processor.js";
export { defaultWorkerCount, MAX_WORKERS, RowWorkerPool, type RowWorkerOptions } from "./run/row-workers.js";
export { startWorker } from "./run/start-worker.js";
export { engineLayer, RateBudgetsService, RowWorkerPoolService, TransportService, type RunServices } from "./run/services.js";
export { RunObserverService, type RunObserver } from "./run/run-observer.js";
export { compactHeap } from "./run/compact-heap.js";
export { MemoryBudget, MemoryBudgetService, defaultMemoryBudgetBytes, type MemoryBudgetFigures, type MemoryBudgetObserver } from "./run/memory-budget.js";
export { describeSync, ReportBuilder, runClockNow, summarize, type RunClock, type RunReport, type FailureGroup } from "./run/report.js";
export { PlanRejected, SettingsError, SourceError } from "./run/errors.js";
export { resolveEndpoint, resolveSettings, requestBodyFields, type Env } from "./run/endpoint.js";
export {
  DIGEST_BYTES, StoreError, SyncBusy, SyncStoreService,
  type DigestPage, type RunFigures, type RunRecord, type SyncIdentity, type SyncRecord, type SyncStore, type SyncSummary,
} from "./sync/store.js";
export { declaresSyncs, syncModeOf } from "./sync/sync-mode.js";
export { DEFAULT_SYNC_WAIT_MS, HOLD_RETRY_MS, pollHold, syncWaitMsFromEnv } from "./sync/sync-hold.js";
export { SYNC_OPTIONS, splitSyncOptions, type SyncChoices, type SyncOption } from "./sync/sync-options.js";
export type { RemovedRows, SyncFigures, SyncReport, SyncRequest } from "./sync/sync-run.js";
export type { RowsToSend } from "./sync/change-filter.js";
