/**
 * The worker thread of channel.ts: starts each child through /bin/sh with the FIFOs as its
 * stdin and stdout, reports its start, failure to start and exit (with the end of its stderr),
 * and kills it when the main thread has waited for it past the deadline it stored.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { parentPort, workerData } from 'node:worker_threads';
import { closeSync, constants, openSync } from 'node:fs';
import type { FromWorker, ToWorker } from './channel.ts';
import { DEADLINE, EVENTS, TIMED_OUT } from './channel-state.ts';
import type { WorkerData } from './channel-state.ts';

const STDERR_TAIL = 2048;
/** how often the watchdog looks at the deadline: the budget is kept to within this */
const WATCH_MS = 20;
// the shell makes the FIFOs, says so on its stdout, opens them (req first, as the main thread
// does) and becomes the command
const EXEC = 'req=$1; rsp=$2; shift 2; mkfifo -m 600 "$req" "$rsp" || exit 125; echo; exec "$@" <"$req" >"$rsp"';

const { port, state, base } = workerData as WorkerData;
const shared = new Int32Array(state);
let child: { readonly process: ChildProcess; readonly generation: number; readonly rsp: string } | null = null;

function post(m: FromWorker): void {
  port.postMessage(m);
  Atomics.add(shared, EVENTS, 1);
  Atomics.notify(shared, EVENTS);
}

function kill(p: ChildProcess): void {
  if (p.pid === undefined) return;
  try {
    // its own process group: whatever it started goes too, and with it every copy of its stdout
    process.kill(-p.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function start(m: Extract<ToWorker, { t: 'spawn' }>): void {
  const generation = m.generation;
  const p = spawn('/bin/sh', ['-c', EXEC, 'sh', m.req, m.rsp, ...m.argv], {
    cwd: m.cwd,
    env: m.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child = { process: p, generation, rsp: m.rsp };
  let stderr = '';
  let failed = false;
  // the FIFOs exist once the shell's line arrives
  p.stdout?.once('data', () => post({ t: 'spawned', generation, pid: p.pid ?? -1 }));
  p.on('error', (err) => {
    if (p.pid !== undefined || failed) return;
    failed = true;
    post({ t: 'spawn-error', generation, message: err.message });
  });
  p.stderr?.setEncoding('utf8');
  p.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL);
  });
  p.on('close', (code, signal) => {
    if (!failed) post({ t: 'exit', generation, code, signal, stderr });
  });
}

/** The main thread may still wait in open(rsp) for a shell that never got there: be its writer for a moment. */
function unblockOpen(rsp: string): void {
  try {
    closeSync(openSync(rsp, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // gone (the main thread opened it and removed it) or nobody waits: nothing to end
  }
}

parentPort?.on('message', (m: ToWorker) => {
  if (m.t === 'spawn') start(m);
  else if (child?.generation === m.generation) kill(child.process);
});

setInterval(() => {
  const deadline = Atomics.load(shared, DEADLINE);
  if (deadline === 0 || child === null || Date.now() - base <= deadline) return;
  Atomics.store(shared, TIMED_OUT, child.generation);
  kill(child.process);
  unblockOpen(child.rsp);
}, WATCH_MS);
post({ t: 'ready' });
