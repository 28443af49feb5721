import type { SyncStore } from "@tagwire/engine";

/** A backend's store while its connection is open; `close` releases the file or the connections. */
export interface OpenedStore extends SyncStore {
  close(): Promise<void>;
}

/** How the runtime opening a store runs. */
export interface StoreOptions {
  /** The process bounds its heap's growth (the engine's compactHeap): a store's own thread must set the bounds again. */
  readonly compactHeap?: boolean;
}
