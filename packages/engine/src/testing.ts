// What tests of the engine's users need from it, kept out of the entries a runtime loads.
export { memorySyncStore, type MemoryStore } from "./sync/memory-store.js";
