import type { MessagePort } from 'node:worker_threads';

/** What the main thread and the worker of channel.ts share. */
export interface WorkerData {
  readonly port: MessagePort;
  /** Int32 cells: EVENTS, DEADLINE, TIMED_OUT */
  readonly state: SharedArrayBuffer;
  /** Date.now() when the channel was made: deadlines are ms since then */
  readonly base: number;
}

/** events posted on the port so far (the main thread waits on it) */
export const EVENTS = 0;
/** when the main thread's current read or write times out, in ms since `base`; 0 while not waiting */
export const DEADLINE = 1;
/** the generation of the child the watchdog killed on a timeout */
export const TIMED_OUT = 2;
export const STATE_CELLS = 3;
