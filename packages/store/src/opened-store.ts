import type { SyncStore } from "@tagwire/engine";

/** A backend's store while its connection is open; `close` releases the file or the connections. */
export interface OpenedStore extends SyncStore {
  close(): Promise<void>;
}
