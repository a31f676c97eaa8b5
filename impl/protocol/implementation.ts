import { basename } from 'node:path';
import parseArgsStringToArgv from 'string-argv';
import { CONTRACT_VERSION, V4_LOCKING } from '../contract/index.ts';
import type { Declarations, EntryLayout, Implementation } from '../contract/index.ts';
import { ImplCommandError, ProtocolFailure } from './failure.ts';
import type { Hello } from './messages.ts';
import { ImplProcess } from './process.ts';
import { ProtocolStore } from './store.ts';

/** Messages one verb may send: v4's longest verb sends 46 in the default campaign, a growth to order 10 at 4 KiB pages ~2.6 million. */
export const DEFAULT_STEP_BUDGET = 100_000;
/** How long kfmd waits for one message: a message takes microseconds; this allows for a loaded machine. */
export const DEFAULT_WALL_BUDGET_MS = 5_000;
/** Starting the worker (with tsx in a source checkout), the process and its handshake. */
const START_BUDGET_MS = 30_000;

export interface CommandOptions {
  /** messages one verb may send (default DEFAULT_STEP_BUDGET) */
  readonly stepBudget?: number;
  /** how long kfmd waits for each message (default DEFAULT_WALL_BUDGET_MS) */
  readonly wallBudgetMs?: number;
  /** how long starting and the handshake may take (default 30 s, or the wall budget if longer) */
  readonly startBudgetMs?: number;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** An Implementation whose stores live in an out-of-process implementation. */
export interface CommandImplementation extends Implementation {
  /** the command line, split as a shell splits words (no expansions, no operators) */
  readonly argv: readonly string[];
  /** why the handshake failed, when it did: every verb then reports it */
  readonly handshakeFailure: string | null;
  /** ends the process; kfmd exits without it too */
  close(): void;
}

/** struct kfunc_md of v4, until the implementation has reported its own */
const V4_LAYOUT: EntryLayout = { size: 16, users: 0, func: 8 };

/** Declarations for a process that never said its own: every suite applies, so every property reports the failure. */
const UNKNOWN_DECLARES: Declarations = {
  index: 'padding-insn',
  slotPolicy: 'any-free',
  locking: V4_LOCKING,
  readers: { rcu: true, norcu: true },
};

/**
 * `kfmd check --impl-cmd "CMD ARGS"`: starts the command at once (ImplCommandError when it
 * cannot be started: before any work) and shakes hands with it. A process that answers with
 * another protocol version, a malformed hello or nothing still makes an Implementation, one
 * whose every store fails with what it did, so each property gets that verdict and the run goes on.
 */
export function commandImplementation(
  command: string | readonly string[],
  opts: CommandOptions = {},
): CommandImplementation {
  const argv = typeof command === 'string' ? parseArgsStringToArgv(command) : [...command];
  if (argv.length === 0 || argv[0] === '') throw new ImplCommandError('empty command');
  const proc = new ImplProcess(argv, {
    wallBudgetMs: opts.wallBudgetMs ?? DEFAULT_WALL_BUDGET_MS,
    startBudgetMs: opts.startBudgetMs ?? Math.max(START_BUDGET_MS, opts.wallBudgetMs ?? 0),
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    ...(opts.env !== undefined ? { env: opts.env } : {}),
  });
  let hello: Hello | null = null;
  let handshakeFailure: string | null = null;
  try {
    hello = proc.start();
  } catch (err) {
    if (!(err instanceof ProtocolFailure)) throw err;
    handshakeFailure = err.message;
  }
  const name = hello?.name ?? `cmd:${basename(argv[0] ?? '')}`;
  let layout = V4_LAYOUT;
  const storeOptions = {
    stepBudget: opts.stepBudget ?? DEFAULT_STEP_BUDGET,
    layout: () => layout,
    sawLayout: (l: EntryLayout) => {
      layout = l;
    },
  };
  return {
    name,
    description: hello?.description ?? `${argv.join(' ')}: ${handshakeFailure ?? ''}`,
    contract: CONTRACT_VERSION,
    declares: hello ? declarationsOf(hello) : UNKNOWN_DECLARES,
    // a failed first handshake fails the same way every time: no process per store to learn it again
    create: (kernel) =>
      handshakeFailure === null
        ? ProtocolStore.create(name, proc, kernel, storeOptions)
        : ProtocolStore.failed(name, proc, kernel, storeOptions, new ProtocolFailure(handshakeFailure, true)),
    argv,
    handshakeFailure,
    close: () => proc.close(),
  };
}

/** The hello's declarations, without the optional ones it left out. */
function declarationsOf(hello: Hello): Declarations {
  const { reuse, allocates, insnOffset, arrayFrom, pastMaxOrder, ...d } = hello.declares;
  return {
    ...d,
    ...(reuse !== undefined ? { reuse } : {}),
    ...(allocates !== undefined ? { allocates } : {}),
    ...(insnOffset !== undefined ? { insnOffset } : {}),
    ...(arrayFrom !== undefined ? { arrayFrom } : {}),
    ...(pastMaxOrder !== undefined ? { pastMaxOrder } : {}),
  };
}
