// The spool as a service of the runtime: the action server and each CLI command build it once, with
// the disk budget its spools share, and sweep the files a crashed process left. A run's spool is
// opened for its download and closed (its files deleted) with the run's scope.

import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import type * as Scope from "effect/Scope";
import type { SpoolConfig } from "./spool-config.js";
import { SpoolBudget } from "./spool-budget.js";
import { partFileName, sweepSpoolDir, thisProcess, type SpoolOwner } from "./spool-files.js";
import { Spool, Unspooled, type SpooledBytes, type SpoolSizes } from "./spool.js";
import { youngCollection } from "./young-garbage.js";

export interface Spools {
  readonly config: SpoolConfig;
  /** Files a crashed process had left, removed when the service started. */
  readonly swept: number;
  /** The bytes of `source`, read ahead into the spool once the first are asked for; without a spool (max 0), the source as it is. */
  open(source: AsyncIterable<Uint8Array>): SpooledBytes;
  /** Compressed bytes on disk now, and the most at once, over every spool of the process. */
  diskBytes(): { readonly now: number; readonly peak: number };
}

export class SpoolService extends Context.Tag("@tagwire/engine/Spool")<SpoolService, Spools>() {}

/** For tests: another owner (a process that is not this one) and smaller parts. */
export interface SpoolTuning {
  readonly owner?: SpoolOwner;
  readonly sizes?: Partial<SpoolSizes>;
}

/** The service, after a sweep of the directory; every spool still open is closed when the layer is released. */
export function spoolLayer(config: SpoolConfig, tuning: SpoolTuning = {}): Layer.Layer<SpoolService> {
  return Layer.scoped(
    SpoolService,
    Effect.acquireRelease(Effect.promise(() => startSpools(config, tuning)), (spools) => Effect.promise(() => spools.closeAll())),
  );
}

/** A run's download through the spool, closed (files deleted) when the scope closes, whatever ended the run. */
export function spooledDownload(source: AsyncIterable<Uint8Array>): Effect.Effect<SpooledBytes, never, SpoolService | Scope.Scope> {
  return Effect.flatMap(SpoolService, (spools) => Effect.acquireRelease(Effect.sync(() => spools.open(source)), (bytes) => Effect.promise(() => bytes.close())));
}

async function startSpools(config: SpoolConfig, tuning: SpoolTuning): Promise<Spools & { closeAll(): Promise<void> }> {
  const owner = tuning.owner ?? thisProcess();
  const swept = await sweepSpoolDir(config.dir, owner);
  const budget = new SpoolBudget(config.maxBytes);
  const collectYoung = config.maxBytes > 0 ? youngCollection() : undefined;
  const open = new Set<SpooledBytes>();
  let spools = 0;
  return {
    config,
    swept,
    open(source) {
      if (config.maxBytes === 0) return new Unspooled(source);
      const n = spools++;
      const spool: Spool = new Spool(source, {
        dir: config.dir,
        partName: (part) => partFileName(owner, n, part),
        budget,
        ...(tuning.sizes !== undefined ? { sizes: tuning.sizes } : {}),
        onClosed: () => open.delete(spool),
        alone: () => open.size === 1,
        ...(collectYoung !== undefined ? { collectYoung } : {}),
      });
      open.add(spool);
      return spool;
    },
    diskBytes: () => ({ now: budget.bytes, peak: budget.peakBytes }),
    closeAll: async () => {
      await Promise.all([...open].map((s) => s.close()));
    },
  };
}
