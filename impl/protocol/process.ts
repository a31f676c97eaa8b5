import { LineChannel } from './channel.ts';
import type { Exit } from './channel.ts';
import { ImplCommandError, ProtocolFailure } from './failure.ts';
import { helloSchema, helloVersionSchema, malformed, messageSchema, parseLine } from './messages.ts';
import type { Hello, Message } from './messages.ts';
import { helloLine } from './requests.ts';
import { PROTOCOL_VERSION } from './version.ts';

export interface ProcessOptions {
  /** the wall-clock budget of one message: how long kfmd waits for the implementation's next line */
  readonly wallBudgetMs: number;
  /** how long starting the worker, the process and its handshake may take */
  readonly startBudgetMs: number;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

const WORKER_START_MS = 60_000;
/** sh's statuses for a command it cannot find or execute */
const NOT_STARTED = new Set([126, 127]);

/**
 * One implementation process: started, handshaken and restarted on demand, with one verb's
 * message exchanged at a time. Whatever goes wrong is a ProtocolFailure naming what the process
 * did, during what; a fatal one kills it, and the next store starts it again.
 */
export class ImplProcess {
  private channel: LineChannel | null = null;
  private running = false;
  private lastOp = 0;
  /** the store that owns the process now: a create() resets it */
  store = 0;

  constructor(
    readonly argv: readonly string[],
    private readonly opts: ProcessOptions,
  ) {}

  get alive(): boolean {
    return this.running;
  }

  /** Starts the process (again) and shakes hands; ImplCommandError when the command cannot be started at all. */
  start(): Hello {
    // the worker's start is kfmd's own (tsx compiles it in a source checkout), not the implementation's
    this.channel ??= new LineChannel(WORKER_START_MS);
    // the shell making the FIFOs is kfmd's own cost too; the budget is for the command's hello
    const why = this.channel.spawn(this.argv, WORKER_START_MS, this.opts.cwd, this.opts.env);
    if (why !== null) throw new ImplCommandError(`cannot be started: ${why}`);
    this.running = true;
    const during = 'the handshake';
    this.send(helloLine(), during, true);
    const got = this.channel.receive(this.opts.startBudgetMs);
    if (got.t === 'exit' && got.code !== null && NOT_STARTED.has(got.code)) {
      this.running = false;
      throw new ImplCommandError(`cannot be started: ${lastLine(got.stderr) || `sh exit status ${got.code}`}`);
    }
    const line = this.line(got, during, this.opts.startBudgetMs);
    const version = parseLine(helloVersionSchema, line, during).version;
    if (version !== PROTOCOL_VERSION) {
      this.kill();
      throw new ProtocolFailure(
        `protocol version mismatch: the process speaks version ${version}, this kfmd version ${PROTOCOL_VERSION}`,
        true,
      );
    }
    return this.guard(() => parseLine(helloSchema, line, during));
  }

  /** A fresh op id for the next create or verb. */
  nextOp(): number {
    return ++this.lastOp;
  }

  /** Sends one line; a process that has gone is a failure naming how it went. */
  send(text: string, during: string, starting = false): void {
    const ms = starting ? this.opts.startBudgetMs : this.opts.wallBudgetMs;
    if (!this.running || !this.channel) throw new ProtocolFailure(`process not running (${during})`, true);
    if (this.channel.send(text, ms)) return;
    this.line(this.channel.receive(ms), during, ms);
  }

  /** The next message, validated. */
  receive(during: string): Message {
    if (!this.running || !this.channel) throw new ProtocolFailure(`process not running (${during})`, true);
    const ms = this.opts.wallBudgetMs;
    const line = this.line(this.channel.receive(ms), during, ms);
    return this.guard(() => parseLine(messageSchema, line, during));
  }

  kill(): void {
    this.running = false;
    this.channel?.kill();
  }

  /** Ends the process and the worker (kfmd exits without it too: the worker does not keep it alive). */
  close(): void {
    this.running = false;
    this.channel?.close();
    this.channel = null;
  }

  private line(got: ReturnType<LineChannel['receive']>, during: string, ms: number): string {
    switch (got.t) {
      case 'line':
        return got.text;
      case 'timeout':
        this.kill();
        throw new ProtocolFailure(
          `no message for ${ms} ms during ${during} (the wall-clock budget per message; process killed)`,
          true,
        );
      case 'exit':
        this.running = false;
        throw new ProtocolFailure(`process ${describeExit(got)} during ${during}`, true);
      case 'overlong':
        this.kill();
        throw malformed(during, 'a line longer than 64 MiB', got.head);
    }
  }

  /** Runs `parse`; a malformed message leaves the process in an unknown state: it is killed. */
  private guard<T>(parse: () => T): T {
    try {
      return parse();
    } catch (err) {
      this.kill();
      throw err;
    }
  }
}

function describeExit(exit: Exit): string {
  const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with status ${exit.code ?? '?'}`;
  const said = lastLine(exit.stderr);
  return said ? `${how} (stderr: ${said})` : how;
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').trim().slice(0, 300);
}
