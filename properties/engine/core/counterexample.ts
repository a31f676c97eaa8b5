import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isConcurrentOperation, isOperation } from './operations.ts';
import type { Operation } from './operations.ts';
import { SUITE_NAMES, isSchedule } from './scenario.ts';
import type { ConcurrentScenario, SequentialScenario, StrategyName } from './scenario.ts';

/**
 * A saved counterexample: enough to run it again without fast-check, in one format for both
 * modes told apart by `kind`. Version 2; version 1 files (before `kind` and `locked_get`) load too.
 */
interface Envelope {
  readonly kfmd: 'counterexample';
  readonly version: typeof COUNTEREXAMPLE_VERSION;
  readonly impl: string;
  readonly seed: number;
  /** fast-check's replay path for `--seed` + path reproduction */
  readonly path: string | null;
  readonly finding: string | null;
  readonly check: string;
  readonly message: string;
  /** where it was saved (the report's replay line names this path) */
  readonly file: string;
  /** the printed report, so a replay can be compared byte for byte */
  readonly report: string;
}

export interface SequentialCounterexample extends Envelope {
  readonly kind: 'sequential';
  readonly scenario: SequentialScenario;
}

export interface ConcurrentCounterexample extends Envelope {
  readonly kind: 'concurrent';
  readonly strategy: StrategyName;
  readonly scenario: ConcurrentScenario;
  /** run-length encoded CPU per step, e.g. "0*27 1*6 0*3": proves a replay took the same path */
  readonly decisions: string;
}

export type CounterexampleFile = SequentialCounterexample | ConcurrentCounterexample;

export const COUNTEREXAMPLE_VERSION = 2;
export const COUNTEREXAMPLE_DIR = '.kfmd/counterexamples';

/** `label`: the suite (sequential), `concurrent-<strategy>` or `concurrent-<strategy>-<race>` */
export function counterexamplePath(dir: string, impl: string, config: string, label: string): string {
  return join(dir, `${safe(impl)}.${safe(config)}.${safe(label)}.json`);
}

export function saveCounterexample(data: CounterexampleFile): void {
  mkdirSync(dirname(data.file), { recursive: true });
  writeFileSync(data.file, `${JSON.stringify(data, null, 2)}\n`);
}

export function encodeDecisions(decisions: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < decisions.length;) {
    let j = i;
    while (j < decisions.length && decisions[j] === decisions[i]) j++;
    out.push(`${decisions[i]}*${j - i}`);
    i = j;
  }
  return out.join(' ');
}

export class CounterexampleFileError extends Error {}

/** Load and validate; every problem becomes one line naming the file and what is wrong. */
export function loadCounterexample(file: string): CounterexampleFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CounterexampleFileError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new CounterexampleFileError(`${file} is not valid JSON`);
  }
  return asCounterexample(file, data);
}

export function asCounterexample(file: string, data: unknown): CounterexampleFile {
  const bad = (what: string): never => {
    throw new CounterexampleFileError(`${file} is not a kfmd counterexample: ${what}`);
  };
  if (typeof data !== 'object' || data === null) return bad('not an object');
  const d = data as Record<string, unknown>;
  if (d['kfmd'] !== 'counterexample') bad('missing "kfmd": "counterexample"');
  const version = d['version'];
  if (version !== 1 && version !== COUNTEREXAMPLE_VERSION) bad(`unsupported version ${JSON.stringify(version)}`);
  const kind = d['kind'] ?? (version === 1 ? 'sequential' : undefined);
  if (kind !== 'sequential' && kind !== 'concurrent') bad('"kind" must be "sequential" or "concurrent"');
  for (const key of ['impl', 'check', 'message', 'report', 'file'] as const) {
    if (typeof d[key] !== 'string') bad(`"${key}" must be a string`);
  }
  if (typeof d['seed'] !== 'number') bad('"seed" must be a number');
  if (typeof d['scenario'] !== 'object' || d['scenario'] === null) bad('"scenario" missing');
  const sc = { ...(d['scenario'] as Record<string, unknown>) };
  if (typeof sc['config'] !== 'string') bad('"scenario.config" must be a string');
  for (const key of ['entriesPerPage', 'maxOrder'] as const) {
    if (!Number.isInteger(sc[key]) || (sc[key] as number) < 0) bad(`"scenario.${key}" must be a non-negative integer`);
  }
  if ((sc['entriesPerPage'] as number) < 1) bad('"scenario.entriesPerPage" must be at least 1');
  const order = sc['pokeByteOrder'];
  if (order !== undefined && (!isArray(order) || [...order].sort().join() !== '0,1,2,3,4')) {
    bad('"scenario.pokeByteOrder" must be a permutation of 0..4');
  }
  const fns = sc['functions'];
  if (!Array.isArray(fns) || fns.length === 0) bad('"scenario.functions" must be a non-empty array');
  const names = new Set<string>();
  for (const f of fns as unknown[]) {
    const fr = f as Record<string, unknown>;
    if (typeof f !== 'object' || f === null || typeof fr['name'] !== 'string' || typeof fr['padded'] !== 'boolean') {
      bad('a function needs "name" and "padded"');
    }
    const tail = fr['tail'];
    if (tail !== undefined && !(Array.isArray(tail) && tail.every((b) => Number.isInteger(b) && b >= 0 && b <= 255))) {
      bad(`function ${String(fr['name'])}: "tail" must be bytes`);
    }
    for (const fact of ['cfi', 'directCallDest'])
      if (fr[fact] !== undefined && typeof fr[fact] !== 'boolean')
        bad(`function ${String(fr['name'])}: "${fact}" must be a boolean`);
    const arity = fr['arity'];
    if (arity !== undefined && !(Number.isInteger(arity) && (arity as number) >= 0 && (arity as number) <= 7))
      bad(`function ${String(fr['name'])}: "arity" must be an integer 0..7`);
    names.add(fr['name'] as string);
  }
  const known = (op: Operation, where: string): void => {
    if ('fn' in op && !names.has(op.fn)) bad(`${where} names unknown function "${op.fn}"`);
  };
  if (kind === 'sequential') {
    if (!(SUITE_NAMES as readonly unknown[]).includes(sc['suite'])) bad(`unknown suite ${JSON.stringify(sc['suite'])}`);
    if (!Array.isArray(sc['commands'])) bad('"scenario.commands" must be an array');
    (sc['commands'] as unknown[]).forEach((c, i) => {
      if (!isOperation(c)) bad(`command ${i + 1} is malformed: ${JSON.stringify(c)}`);
      known(c as Operation, `command ${i + 1}`);
    });
    return {
      ...(d as object),
      kind,
      version: COUNTEREXAMPLE_VERSION,
      scenario: sc,
    } as unknown as SequentialCounterexample;
  }
  if (typeof d['strategy'] !== 'string' || !['random', 'pct', 'exhaustive'].includes(d['strategy'])) {
    bad('"strategy" must be random, pct or exhaustive');
  }
  if (typeof d['decisions'] !== 'string') bad('"decisions" must be a string');
  if (order === undefined) bad('"scenario.pokeByteOrder" must be a permutation of 0..4');
  const programs = sc['programs'];
  if (!Array.isArray(programs) || !programs.every((p) => Array.isArray(p)))
    bad('"scenario.programs" must be lists of operations');
  // version 1 called the locked get of a CPU program "get"
  sc['programs'] = (programs as unknown[][]).map((p) =>
    p.map((op) =>
      version === 1 && (op as { op?: unknown }).op === 'get' ? { ...(op as object), op: 'locked_get' } : op,
    ),
  );
  (sc['programs'] as unknown[][]).forEach((p, cpu) =>
    p.forEach((op, i) => {
      if (!isConcurrentOperation(op)) bad(`cpu${cpu} operation ${i + 1} is not one a CPU runs: ${JSON.stringify(op)}`);
      known(op as Operation, `cpu${cpu} operation ${i + 1}`);
    }),
  );
  if (!isSchedule(sc['schedule'])) bad('"scenario.schedule" is malformed');
  return {
    ...(d as object),
    kind,
    version: COUNTEREXAMPLE_VERSION,
    scenario: sc,
  } as unknown as ConcurrentCounterexample;
}

/** Array.isArray, narrowing to unknown[] rather than any[]. */
function isArray(v: unknown): v is readonly unknown[] {
  return Array.isArray(v);
}

function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, '_');
}
