/* GENERATED FILE: do not edit by hand.
 * Source: schemas/downstream-table.schema.json
 * Regenerate with `npm run generate` at the repository root. */

/**
 * Downstream tools a destination forwards records to, each with the identifiers it requires. Referenced from a manifest's `downstreams.file`.
 */
export interface DownstreamTable {
  $schema?: string;
  description: string;
  /**
   * Where the table comes from, so it can be checked again.
   */
  source: string;
  /**
   * @minItems 1
   */
  rows: [Downstream, ...Downstream[]];
}
/**
 * This interface was referenced by `DownstreamTable`'s JSON-Schema
 * via the `definition` "Downstream".
 */
export interface Downstream {
  /**
   * The name used in `--to <connector>:<downstream>`.
   */
  id: string;
  /**
   * Each entry must hold: `anyOf` one of its target paths, or `allOf` of them.
   *
   * @minItems 1
   */
  requires: [
    {
      /**
       * @minItems 1
       */
      anyOf?: [string, ...string[]];
      /**
       * @minItems 1
       */
      allOf?: [string, ...string[]];
    },
    ...{
      /**
       * @minItems 1
       */
      anyOf?: [string, ...string[]];
      /**
       * @minItems 1
       */
      allOf?: [string, ...string[]];
    }[]
  ];
  /**
   * What else the downstream needs that a Look cannot carry.
   */
  note?: string;
}
