import { createServer, get } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { MainThreadTurns, type TurnClock } from "../src/main-thread-turns.js";
import { readExecuteBody } from "../src/looker/execute-body.js";

/**
 * A clock that moves only when told (work "takes" time without taking any, so nothing depends on
 * the machine's speed), and an event loop whose rounds the test runs: each runs the tasks queued
 * before it began, letting every promise reaction run after each, as Node runs setImmediate tasks.
 */
function manualClock(): TurnClock & { advance(ms: number): void; round(): Promise<boolean> } {
  let now = 0;
  let queued: Array<() => void> = [];
  return {
    now: () => now,
    later: (task) => void queued.push(task),
    advance: (ms) => void (now += ms),
    round: async () => {
      const tasks = queued;
      queued = [];
      for (const task of tasks) {
        task();
        await settle();
      }
      return queued.length > 0;
    },
  };
}

/** Lets every pending promise reaction run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("MainThreadTurns", () => {
  it("grants turns at once within a slice; past it, a turn waits for the event loop to come round", async () => {
    const clock = manualClock();
    const turns = new MainThreadTurns(10, clock);
    // The first turn waits for a round: no slice has begun.
    let granted = false;
    void turns.take()!.then(() => (granted = true));
    await settle();
    expect(granted).toBe(false);
    await clock.round();
    expect(granted).toBe(true);
    clock.advance(9);
    expect(turns.take()).toBeUndefined();
    clock.advance(1);
    expect(turns.take()).toBeInstanceOf(Promise);
    expect(turns.waitingTurns).toBe(1);
  });

  it("grants waiting turns oldest first; within a slice a new turn waits behind them", async () => {
    const clock = manualClock();
    const turns = new MainThreadTurns(10, clock);
    const order: string[] = [];
    for (const name of ["a", "b", "c"]) void turns.take()!.then(() => order.push(name));
    await clock.round();
    // The first round knows nothing of what a turn takes: it grants one.
    expect(order).toEqual(["a"]);
    void turns.take()!.then(() => order.push("d"));
    await settle();
    expect(turns.waitingTurns).toBe(3);
    while (await clock.round());
    expect(order).toEqual(["a", "b", "c", "d"]);
  });

  it("runs at most a slice of chunks (and the one that crosses its end) per round, however many executes wait", async () => {
    const clock = manualClock();
    const turns = new MainThreadTurns(10, clock);
    const chunkMs = 3;
    const executes = 40;
    let chunksThisRound = 0;
    const perRound: number[] = [];
    const execute = async () => {
      for (let chunk = 0; chunk < 20; chunk++) {
        const turn = turns.take();
        if (turn !== undefined) await turn;
        clock.advance(chunkMs);
        chunksThisRound++;
      }
    };
    const all = Promise.all(Array.from({ length: executes }, execute));
    for (let more = true; more; ) {
      more = await clock.round();
      perRound.push(chunksThisRound);
      chunksThisRound = 0;
    }
    await all;
    expect(perRound.reduce((a, b) => a + b, 0)).toBe(executes * 20);
    // 10 ms of 3 ms chunks: never more than 4, the fourth crossing the slice's end.
    expect(Math.max(...perRound)).toBeLessThanOrEqual(4);
    // The rounds are filled: the first grants one turn and learns what it takes, the next at most
    // twice as many; from then on 3 chunks each (the last round takes what is left).
    expect(perRound.slice(0, 3)).toEqual([1, 2, 3]);
    expect(perRound.slice(2, -1).every((n) => n === 3)).toBe(true);
  });

  it("with many inline Looks being read at once, a health check is answered before each has read another chunk", async () => {
    const clock = manualClock();
    // Rounds are the real event loop's; only the time a chunk takes is told by the test.
    const turns = new MainThreadTurns(10, { now: clock.now, later: (task) => void setImmediate(task) });
    const executes = 50;
    const chunkMs = 4;
    const look = JSON.stringify({ fields: {}, data: Array.from({ length: 2000 }, (_, i) => ({ "users.id": { value: i } })) });
    // The Look as an object: it is handed on a piece per chunk read, so pieces count chunks.
    const body = Buffer.from(`{"data":{},"form_params":{},"scheduled_plan":{},"attachment":{"data":${look}}}`);
    // Every byte of the body is there at once, as when a socket's buffer is full.
    async function* buffered(): AsyncGenerator<Uint8Array> {
      for (let at = 0; at < body.length; at += 1024) yield body.subarray(at, at + 1024);
    }
    let chunks = 0;
    let stop = false;
    const read = async () => {
      const { look: pieces } = await readExecuteBody(buffered(), 1e9, Infinity, turns);
      for await (const _ of pieces!) {
        clock.advance(chunkMs);
        chunks++;
        if (stop) break;
      }
    };
    const server = createServer((_, res) => res.end("ok"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const readers = Array.from({ length: executes }, read);
      await new Promise<void>((resolve) => setImmediate(resolve));
      const before = chunks;
      const answered = await new Promise<number>((resolve, reject) => {
        get({ host: "127.0.0.1", port: (server.address() as AddressInfo).port, path: "/healthz", agent: false }, (res) => {
          res.resume();
          res.on("end", () => resolve(chunks - before));
        }).on("error", reject);
      });
      stop = true;
      await Promise.all(readers);
      // Each round of the event loop runs about a slice of chunks (3); a request and its answer take a
      // few rounds. Were each execute to run a chunk per round, that would be 50 chunks a round.
      expect(answered).toBeLessThan(executes);
    } finally {
      server.close();
    }
  });
});
