import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isCommand } from './operations.ts';
import type { Command } from './operations.ts';
import type { Scenario } from './scenario.ts';
import { SUITES } from '../sequential/suites.ts';
import type { SuiteName } from '../sequential/suites.ts';

/** What a saved counterexample holds: enough to run it again without fast-check. */
export interface CounterexampleFile {
  readonly kfmd: 'counterexample';
  readonly version: 1;
  readonly impl: string;
  readonly seed: number;
  readonly path: string | null;
  readonly finding: string | null;
  readonly check: string;
  readonly message: string;
  readonly scenario: Scenario;
  /** where check saved it (the replay line of the report names this path) */
  readonly file: string;
  /** the printed report, so a replay can be compared byte for byte */
  readonly report: string;
}

export const COUNTEREXAMPLE_DIR = '.kfmd/counterexamples';

export function counterexamplePath(dir: string, impl: string, config: string, suite: string): string {
  return join(dir, `${safe(impl)}.${safe(config)}.${safe(suite)}.json`);
}

export function saveCounterexample(file: string, data: CounterexampleFile): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
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
  const bad = (what: string): never => {
    throw new CounterexampleFileError(`${file} is not a kfmd counterexample: ${what}`);
  };
  if (typeof data !== 'object' || data === null) bad('not an object');
  const d = data as Record<string, unknown>;
  if (d['kfmd'] !== 'counterexample') bad('missing "kfmd": "counterexample"');
  if (d['version'] !== 1) bad(`unsupported version ${JSON.stringify(d['version'])}`);
  for (const key of ['impl', 'check', 'message', 'report', 'file'] as const)
    if (typeof d[key] !== 'string') bad(`"${key}" must be a string`);
  if (typeof d['seed'] !== 'number') bad('"seed" must be a number');
  const s = d['scenario'];
  if (typeof s !== 'object' || s === null) bad('"scenario" missing');
  const sc = s as Record<string, unknown>;
  if (typeof sc['config'] !== 'string') bad('"scenario.config" must be a string');
  if (!SUITES.some((x) => x.name === sc['suite'])) bad(`unknown suite ${JSON.stringify(sc['suite'])}`);
  for (const key of ['entriesPerPage', 'maxOrder'] as const) {
    if (!Number.isInteger(sc[key]) || (sc[key] as number) < 0) bad(`"scenario.${key}" must be a non-negative integer`);
  }
  if ((sc['entriesPerPage'] as number) < 1) bad('"scenario.entriesPerPage" must be at least 1');
  if (!Array.isArray(sc['functions']) || sc['functions'].length === 0)
    bad('"scenario.functions" must be a non-empty array');
  const names = new Set<string>();
  for (const f of sc['functions'] as unknown[]) {
    const fr = f as Record<string, unknown>;
    if (typeof f !== 'object' || f === null || typeof fr['name'] !== 'string' || typeof fr['padded'] !== 'boolean')
      bad('a function needs "name" and "padded"');
    if (
      fr['tail'] !== undefined &&
      !(Array.isArray(fr['tail']) && fr['tail'].every((b) => Number.isInteger(b) && b >= 0 && b <= 255))
    )
      bad(`function ${String(fr['name'])}: "tail" must be bytes`);
    names.add(fr['name'] as string);
  }
  if (!Array.isArray(sc['commands'])) bad('"scenario.commands" must be an array');
  (sc['commands'] as unknown[]).forEach((c, i) => {
    if (!isCommand(c)) bad(`command ${i + 1} is malformed: ${JSON.stringify(c)}`);
    const fn = (c as { fn?: string }).fn;
    if (fn !== undefined && !names.has(fn)) bad(`command ${i + 1} names unknown function "${fn}"`);
  });
  return data as CounterexampleFile;
}

export function scenarioOf(
  file: CounterexampleFile,
): Scenario & { readonly suite: SuiteName; readonly commands: readonly Command[] } {
  return file.scenario;
}

function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, '_');
}
