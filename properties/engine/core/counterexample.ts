import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from './atomic-file.ts';
import { counterexampleProblem } from './counterexample-schema.ts';
import { COUNTEREXAMPLE_FILE_MAX } from './limits.ts';
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

/**
 * Writes the file through a temporary file in the same directory and a rename, so that a reader
 * never sees half a file and a symlink at the name is replaced, not followed. The data is checked
 * against the schema first: kfmd never writes a file it would refuse to replay.
 */
export function saveCounterexample(data: CounterexampleFile): void {
  const problem = counterexampleProblem(data);
  if (problem !== null) throw new Error(`kfmd built an invalid counterexample for ${data.file}: ${problem}`);
  mkdirSync(dirname(data.file), { recursive: true });
  writeFileAtomic(data.file, `${JSON.stringify(data, null, 2)}\n`);
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
    // only a regular file of sane size: a FIFO would block, /dev/zero never ends
    const st = statSync(file);
    if (!st.isFile()) throw new CounterexampleFileError(`${file} is not a regular file`);
    if (st.size > COUNTEREXAMPLE_FILE_MAX)
      throw new CounterexampleFileError(
        `${file} is ${st.size} bytes, more than the ${COUNTEREXAMPLE_FILE_MAX} a counterexample may have`,
      );
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof CounterexampleFileError) throw err;
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

/** Version 1 files had no `kind` (all sequential) and called a CPU program's locked get "get". */
function fromVersion1(data: unknown): unknown {
  if (typeof data !== 'object' || data === null) return data;
  const d = data as Record<string, unknown>;
  if (d['version'] !== 1) return data;
  const kind = d['kind'] ?? 'sequential';
  const sc = d['scenario'];
  if (kind !== 'concurrent' || typeof sc !== 'object' || sc === null) return { ...d, kind };
  const programs = (sc as Record<string, unknown>)['programs'];
  if (!Array.isArray(programs)) return { ...d, kind };
  const renamed = programs.map((p: unknown) =>
    Array.isArray(p)
      ? p.map((op: unknown) =>
          typeof op === 'object' && op !== null && (op as { op?: unknown }).op === 'get'
            ? { ...op, op: 'locked_get' }
            : op,
        )
      : p,
  );
  return { ...d, kind, scenario: { ...sc, programs: renamed } };
}

/** A parsed JSON value as a counterexample (read as version 2), or a CounterexampleFileError naming the field. */
export function asCounterexample(file: string, data: unknown): CounterexampleFile {
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new CounterexampleFileError(`${file} is not a kfmd counterexample: not an object`);
  if ((data as Record<string, unknown>)['kfmd'] !== 'counterexample')
    throw new CounterexampleFileError(`${file} is not a kfmd counterexample: missing "kfmd": "counterexample"`);
  const migrated = fromVersion1(data);
  const problem = counterexampleProblem(migrated);
  if (problem !== null) throw new CounterexampleFileError(`${file} is not a kfmd counterexample: ${problem}`);
  return { ...(migrated as object), version: COUNTEREXAMPLE_VERSION } as CounterexampleFile;
}

function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, '_');
}
