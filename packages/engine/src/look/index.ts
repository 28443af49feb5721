export { allFields, isCell, isPivotedCell } from "./types.js";
export type { Cell, LookField, LookFields, LookHeader, LookRow, PivotedCell } from "./types.js";
export { LookFormatError } from "./look-format-error.js";
export { hiddenFieldsOf } from "./hidden-fields.js";
export {
  DEFAULT_MAX_BUFFERED_ROWS_BEFORE_FIELDS,
  DEFAULT_MAX_ROW_BYTES,
  JsonDetailParser,
  MAX_ROW_BYTES_VARIABLE,
  maxRowBytesFromEnv,
  type JsonDetailParserOptions,
} from "./json-detail-parser.js";
export { lookSourceFromFile, lookSourceFromString, readLook, type LookEvent, type LookSource, type ReadLookOptions } from "./read-look.js";
export { peekHeader, type PeekedLook } from "./peek-header.js";
export { isRawRows, parseRawRows, rowCount, type ParsedRows, type RawRows, type SkippedRow } from "./raw-rows.js";
// Byte-level JSON scanning, for code that reads JSON outside the Look reader: the action server's
// execute body (integers beyond 2^53 - 1 kept exact) and the emulators' record sizes.
export { INCOMPLETE, JsonValueScanner } from "./json-value-scanner.js";
export * as jsonBytes from "./json-bytes.js";
