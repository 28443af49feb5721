import type { TagSource } from "./tag-fixes.js";
import type { Action } from "../generated/manifest.js";
import type { Connector } from "../manifest/connector.js";
import type { LookFields } from "../look/types.js";
import type { RowProgram } from "../transform/program.js";

export type Severity = "error" | "warning" | "info";

/** A finding about the Look against the connector: names the column (when there is one) and the rule. */
/** What a diagnostic is about, for code to act on (the `rule` text says the same to people). */
export type DiagnosticSubject =
  | { readonly kind: "option"; readonly name: string }
  | { readonly kind: "requirement"; readonly id: string }
  | { readonly kind: "downstream"; readonly id: string }
  | { readonly kind: "column-rule"; readonly id: string }
  | { readonly kind: "tags" }
  | { readonly kind: "actions" }
  | { readonly kind: "downstreams" };

export interface Diagnostic {
  readonly severity: Severity;
  /** Stable machine code, e.g. `missing-requirement`, `unknown-tag`. */
  readonly code: string;
  /** The manifest rule or requirement involved, e.g. `requirement identity`. */
  readonly rule: string;
  readonly subject: DiagnosticSubject;
  readonly column?: string;
  readonly message: string;
  /** How to fix it in LookML or in the Look. */
  readonly hint?: string;
}

/** What happens to one Look column. */
export interface ColumnPlan {
  readonly column: string;
  readonly label: string;
  readonly tags: ReadonlyArray<string>;
  readonly status: "mapped" | "ignored";
  readonly rule?: string;
  /** Full target path, key included: `user_attributes.looker_users.ltv`. */
  readonly target?: string;
  readonly pivoted?: boolean;
  readonly reason?: string;
}

export interface PlanInput {
  readonly fields: LookFields;
  /** `vis_config.hidden_fields`: never sent. */
  readonly hiddenFields?: ReadonlyArray<string>;
  readonly options?: Readonly<Record<string, string | undefined>>;
  /** Looker action name: applies that action's fixed options. */
  readonly action?: string;
  /** Downstream tools whose requirements are checked too. */
  readonly downstreams?: ReadonlyArray<string>;
  /** Where the Look's tags are given, for the wording of fixes (default: LookML). */
  readonly tagSource?: TagSource;
}

/** A requirement (or a downstream's) and whether the Look's columns can meet it. */
export interface RequirementStatus {
  readonly rule: string;
  readonly description: string;
  readonly met: boolean;
  /** Downstream requirements only warn on rows; the destination itself still accepts them. */
  readonly downstream?: string;
}

export interface Plan {
  readonly connector: Connector;
  readonly action?: Action;
  readonly options: Readonly<Record<string, string>>;
  readonly columns: ReadonlyArray<ColumnPlan>;
  readonly diagnostics: ReadonlyArray<Diagnostic>;
  readonly requirements: ReadonlyArray<RequirementStatus>;
  /** No error diagnostics: rows may be transformed and sent. */
  readonly ok: boolean;
  readonly program: RowProgram;
}
