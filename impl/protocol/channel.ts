import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { DEADLINE, EVENTS, STATE_CELLS, TIMED_OUT } from './channel-state.ts';
import type { WorkerData } from './channel-state.ts';

/**
 * A synchronous line channel to a child process. The operations' generators are synchronous,
 * so the main thread blocks in read(2) on the child's stdout, a FIFO, and writes its stdin, a
 * FIFO too (Node's own pipes are non-blocking and owned by the event loop, which is not running
 * then). Nothing busy-waits: a read sleeps in the kernel until the child answers.
 *
 * A worker thread starts the child (with /bin/sh, which opens the FIFOs as its stdin and stdout)
 * and sees it exit while the main thread is blocked; it is also the watchdog of the wall-clock
 * budget: when the main thread has waited past the deadline it stores, the worker kills the
 * child's process group, and the read returns end-of-file.
 */

/** main thread → worker */
export type ToWorker =
  | {
      readonly t: 'spawn';
      readonly generation: number;
      readonly argv: readonly string[];
      readonly req: string;
      readonly rsp: string;
      readonly cwd: string | undefined;
      readonly env: NodeJS.ProcessEnv | undefined;
    }
  | { readonly t: 'kill'; readonly generation: number };

/** worker → main thread; every event but `ready` belongs to one child (generation); `spawned`: its FIFOs exist */
export type FromWorker =
  | { readonly t: 'ready' }
  | { readonly t: 'spawned'; readonly generation: number; readonly pid: number }
  | { readonly t: 'spawn-error'; readonly generation: number; readonly message: string }
  | {
      readonly t: 'exit';
      readonly generation: number;
      readonly code: number | null;
      readonly signal: string | null;
      /** the end of what it wrote on stderr */
      readonly stderr: string;
    };

export type Exit = Extract<FromWorker, { t: 'exit' }>;
export type Received =
  | { readonly t: 'line'; readonly text: string }
  | Exit
  | { readonly t: 'timeout' }
  /** a line longer than MAX_LINE: no protocol message (the child was killed) */
  | { readonly t: 'overlong'; readonly head: string };

const MAX_LINE = 64 << 20;
/** how long an exit may lag behind the end of the child's stdout */
const EXIT_GRACE_MS = 5000;

/**
 * Children still running when kfmd exits or is interrupted: each has a process group of its own
 * (so a timeout kills what it started too), which a Ctrl-C at the terminal does not reach.
 */
const live = new Set<number>();
let hooked = false;

function track(pid: number): void {
  live.add(pid);
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      // then die of the signal as kfmd would have without this handler
      process.kill(process.pid, signal);
    });
  }
}

function killAll(): void {
  for (const pid of live) killGroup(pid);
  live.clear();
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * The worker: compiled next to this file, or (in a source checkout) its TypeScript loaded through
 * tsx, a kfmd dependency, registered inside the worker first (a worker's --import does not apply
 * to its main module).
 */
function startWorker(data: WorkerData, transfer: MessagePort): Worker {
  const opts = { workerData: data, transferList: [transfer] };
  const js = new URL('./channel-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return new Worker(js, opts);
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const ts = JSON.stringify(new URL('./channel-worker.ts', import.meta.url).href);
  return new Worker(`import(${api}).then(({ register }) => { register(); return import(${ts}); });`, {
    ...opts,
    eval: true,
  });
}

export class LineChannel {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly state: Int32Array;
  private readonly base = Date.now();
  private generation = 0;
  private pid: number | null = null;
  private w: number | null = null;
  private r: number | null = null;
  private pending = '';
  private readonly buf = Buffer.alloc(1 << 16);

  /** Starts the worker and waits (up to `startMs`) until it runs. */
  constructor(startMs: number) {
    const state = new SharedArrayBuffer(4 * STATE_CELLS);
    const { port1, port2 } = new MessageChannel();
    this.worker = startWorker({ port: port2, state, base: this.base }, port2);
    // the worker may not keep kfmd alive once the checks are done
    this.worker.unref();
    this.port = port1;
    this.state = new Int32Array(state);
    if (this.event(startMs)?.t !== 'ready') throw new Error(`the protocol worker did not start within ${startMs} ms`);
  }

  /**
   * Starts a new child (abandoning any previous one): null once its stdin and stdout are open, or
   * why it could not be started at all.
   */
  spawn(argv: readonly string[], startMs: number, cwd?: string, env?: NodeJS.ProcessEnv): string | null {
    this.kill();
    const generation = ++this.generation;
    const dir = mkdtempSync(join(tmpdir(), 'kfmd-impl-'));
    const req = join(dir, 'req');
    const rsp = join(dir, 'rsp');
    try {
      this.worker.postMessage({ t: 'spawn', generation, argv, req, rsp, cwd, env } satisfies ToWorker);
      const first = this.event(startMs, generation);
      if (first?.t === 'spawn-error') return first.message;
      if (first?.t === 'exit') return `the shell could not make its FIFOs: ${first.stderr.trim()}`;
      if (first?.t !== 'spawned') return `the shell did not start within ${startMs} ms`;
      this.pid = first.pid;
      track(first.pid);
      // req read-write: that open never blocks; rsp blocks until the shell opens it, which it does
      // before it execs the command (or the watchdog opens it, to end the wait, after startMs)
      this.arm(startMs);
      try {
        this.w = openSync(req, 'r+');
        this.r = openSync(rsp, 'r');
      } finally {
        this.disarm();
      }
      if (Atomics.load(this.state, TIMED_OUT) === generation) return `it did not start within ${startMs} ms`;
      return null;
    } finally {
      // both ends are open (or never will be): the names are no longer needed
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Writes one line; false when the child is gone. */
  send(text: string, timeoutMs: number): boolean {
    if (this.w === null) return false;
    this.arm(timeoutMs);
    try {
      writeSync(this.w, `${text}\n`);
      return true;
    } catch {
      // EPIPE: it died; the next receive says how
      return false;
    } finally {
      this.disarm();
    }
  }

  /** The child's next line, or how it ended, or a timeout (the child is then killed). */
  receive(timeoutMs: number): Received {
    for (;;) {
      const nl = this.pending.indexOf('\n');
      if (nl >= 0) {
        const text = this.pending.slice(0, nl);
        this.pending = this.pending.slice(nl + 1);
        return { t: 'line', text };
      }
      if (this.pending.length > MAX_LINE) {
        const head = this.pending.slice(0, 200);
        this.kill();
        return { t: 'overlong', head };
      }
      const n = this.read(timeoutMs);
      if (n > 0) {
        this.pending += this.buf.toString('utf8', 0, n);
        continue;
      }
      return this.ended();
    }
  }

  /** Kills the current child, if any. */
  kill(): void {
    for (const fd of [this.w, this.r]) if (fd !== null) closeSync(fd);
    this.w = this.r = null;
    this.pending = '';
    if (this.pid !== null) {
      killGroup(this.pid);
      live.delete(this.pid);
      this.pid = null;
    }
  }

  close(): void {
    this.kill();
    void this.worker.terminate();
  }

  private read(timeoutMs: number): number {
    if (this.r === null) return 0;
    this.arm(timeoutMs);
    try {
      return readSync(this.r, this.buf, 0, this.buf.length, null);
    } catch {
      return 0;
    } finally {
      this.disarm();
    }
  }

  /** End of file on the child's stdout: the watchdog killed it, or it exited by itself. */
  private ended(): Received {
    const generation = this.generation;
    const timedOut = Atomics.load(this.state, TIMED_OUT) === generation;
    let exit = this.event(EXIT_GRACE_MS, generation);
    if (exit?.t !== 'exit') {
      // it closed its stdout but lives on
      this.kill();
      exit = this.event(EXIT_GRACE_MS, generation);
    }
    this.kill();
    if (timedOut) return { t: 'timeout' };
    return exit?.t === 'exit' ? exit : { t: 'exit', generation, code: null, signal: null, stderr: '' };
  }

  private arm(timeoutMs: number): void {
    Atomics.store(this.state, DEADLINE, Math.max(1, Date.now() - this.base + Math.ceil(timeoutMs)));
  }

  private disarm(): void {
    Atomics.store(this.state, DEADLINE, 0);
  }

  /** The worker's next event (of `generation`, when given), or null after `timeoutMs`. */
  private event(timeoutMs: number, generation?: number): FromWorker | null {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      // read the counter before looking, so an event posted in between ends the wait at once
      const seen = Atomics.load(this.state, EVENTS);
      const got = receiveMessageOnPort(this.port) as { message: FromWorker } | undefined;
      if (got) {
        const m = got.message;
        if (generation === undefined || (m.t !== 'ready' && m.generation === generation)) return m;
        continue;
      }
      const left = deadline - performance.now();
      if (left <= 0) return null;
      Atomics.wait(this.state, EVENTS, seen, left);
    }
  }
}
