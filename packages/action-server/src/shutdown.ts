/** The longest time requests already sent get to be answered once the executes stop. */
const MAX_ANSWER_MS = 2_000;

/**
 * How a shutdown's grace period is spent: executes go on as usual for `stopAfterMs`, then stop
 * reading and sending, and the requests they have out get the rest (`answerMs`: a fifth of the
 * period, at most 2 s) before they are abandoned. Every execute has answered by `totalMs`.
 */
export function shutdownDeadline(totalMs: number): { readonly totalMs: number; readonly stopAfterMs: number; readonly answerMs: number } {
  const answerMs = Math.min(MAX_ANSWER_MS, Math.floor(totalMs / 5));
  return { totalMs, stopAfterMs: totalMs - answerMs, answerMs };
}
