import fc from "fast-check";

const seed = Number(process.env["FC_SEED"] ?? 20261122);
fc.configureGlobal({ seed: Number.isFinite(seed) ? seed : 20261122 });
