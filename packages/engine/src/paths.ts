import { fileURLToPath } from "node:url";
import { join } from "node:path";

// src/ and dist/ sit at the same depth, so one relative hop finds the repository from either.
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const schemasDir = join(repoRoot, "schemas");
export const connectorsDir = join(repoRoot, "connectors");
