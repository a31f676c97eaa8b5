import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isConcOp, isSchedule } from './scenario.ts';
import type { ConcScenario, StrategyName } from './scenario.ts';

/**
 * A saved concurrent counterexample: the same directory and envelope as the sequential ones,
 * told apart by `kind`. It holds the whole scenario (schedule included) and, to prove a
 * replay took the same path, the CPU of every step.
 */
export interface ConcCounterexampleFile {
  readonly kfmd: 'counterexample';
  readonly version: 1;
  readonly kind: 'concurrent';
  readonly impl: string;
  readonly strategy: StrategyName;
  readonly seed: number;
  readonly path: string | null;
  readonly finding: string | null;
  readonly check: string;
  readonly message: string;
  readonly scenario: ConcScenario;
  /** run-length encoded CPU per step, e.g. "0*27 1*6 0*3" */
  readonly decisions: string;
  readonly file: string;
  readonly report: string;
}

export function concCounterexamplePath(dir: string, impl: string, config: string, strategy: string): string {
  const safe = (s: string): string => s.replace(/[^A-Za-z0-9_.-]+/g, '_');
  return join(dir, `${safe(impl)}.${safe(config)}.concurrent-${safe(strategy)}.json`);
}

export function saveConcCounterexample(data: ConcCounterexampleFile): void {
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

/** Whether a parsed counterexample file is a concurrent one (replay dispatches on it). */
export function isConcurrentFile(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as Record<string, unknown>)['kind'] === 'concurrent';
}

export class ConcFileError extends Error {}

export function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConcFileError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ConcFileError(`${file} is not valid JSON`);
  }
}

/** Validate; every problem is one line naming the file and what is wrong. */
export function asConcCounterexample(file: string, data: unknown): ConcCounterexampleFile {
  const bad = (what: string): never => {
    throw new ConcFileError(`${file} is not a kfmd concurrent counterexample: ${what}`);
  };
  const d = data as Record<string, unknown>;
  if (d['kfmd'] !== 'counterexample' || d['kind'] !== 'concurrent')
    bad('missing "kfmd": "counterexample", "kind": "concurrent"');
  if (d['version'] !== 1) bad(`unsupported version ${JSON.stringify(d['version'])}`);
  for (const key of ['impl', 'strategy', 'check', 'message', 'report', 'file', 'decisions'] as const)
    if (typeof d[key] !== 'string') bad(`"${key}" must be a string`);
  if (typeof d['seed'] !== 'number') bad('"seed" must be a number');
  const s = d['scenario'] as Record<string, unknown> | null;
  if (typeof s !== 'object' || s === null) bad('"scenario" missing');
  const sc = s as Record<string, unknown>;
  if (typeof sc['config'] !== 'string') bad('"scenario.config" must be a string');
  for (const key of ['entriesPerPage', 'maxOrder'] as const)
    if (!Number.isInteger(sc[key]) || (sc[key] as number) < 0) bad(`"scenario.${key}" must be a non-negative integer`);
  const order = sc['pokeByteOrder'];
  if (!Array.isArray(order) || [...order].sort().join() !== '0,1,2,3,4')
    bad('"scenario.pokeByteOrder" must be a permutation of 0..4');
  const fns = sc['functions'];
  if (
    !Array.isArray(fns) ||
    fns.length === 0 ||
    !fns.every((f) => typeof f?.name === 'string' && typeof f?.padded === 'boolean')
  )
    bad('"scenario.functions" must list { name, padded }');
  const names = new Set((fns as { name: string }[]).map((f) => f.name));
  const programs = sc['programs'];
  if (
    !Array.isArray(programs) ||
    !programs.every((p) => Array.isArray(p) && p.every((op) => isConcOp(op) && names.has(op.fn)))
  )
    bad('"scenario.programs" must be lists of operations on known functions');
  if (!isSchedule(sc['schedule'])) bad('"scenario.schedule" is malformed');
  return data as ConcCounterexampleFile;
}
