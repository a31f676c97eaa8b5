/**
 * The counterexample file format (COUNTEREXAMPLE.md) as one zod schema, used by the writer before
 * it saves and by the reader before a replay: every field typed, every value range-checked, every
 * function an operation or a schedule names known. Cross-field rules (a known configuration, the
 * CPUs a schedule names, an arm64 tail in whole words) are refinements of the same schema.
 */
import { z } from 'zod';
import { allConfigurations } from '../../../model/config/index.ts';
import { bootChecks } from './checks.ts';
import { CONCURRENT_OPERATIONS } from './operations.ts';
import { SUITE_NAMES } from './scenario.ts';
import {
  CONCURRENT_ENTRIES_MAX,
  CPUS_MAX,
  ENTRIES_PER_PAGE_MAX,
  FUNCTIONS_MAX,
  MAX_PAGE_ORDER_MAX,
  OPERATIONS_MAX,
  PADDING_MAX,
} from './limits.ts';

/** The simulation's step limit (concurrent/simulate.ts DEFAULT_MAX_STEPS): no schedule is longer. */
const STEPS_MAX = 200_000;

const byte = z.number().int().min(0).max(255);
const name = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_.]{0,63}$/, 'must be a C identifier (letters, digits, _ and ., at most 64)');
const count = (max: number) => z.number().int().min(0).max(max);

const fn = { fn: name };
const operation = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('lock') }),
  z.strictObject({ op: z.literal('unlock') }),
  z.strictObject({ op: z.literal('get'), ...fn }),
  z.strictObject({ op: z.literal('locked_get'), ...fn }),
  z.strictObject({ op: z.literal('put'), ...fn, stale: z.boolean().optional() }),
  z.strictObject({ op: z.literal('put_by_ip'), ...fn }),
  z.strictObject({ op: z.literal('find'), ...fn }),
  z.strictObject({ op: z.literal('tramp'), ...fn, rcu: z.boolean() }),
  z.strictObject({ op: z.literal('fail_alloc') }),
  z.strictObject({ op: z.literal('quiesce') }),
  z.strictObject({ op: z.literal('foreign_write'), ...fn, bytes: z.array(byte).min(1).max(PADDING_MAX) }),
]);

const scenarioFunction = z.strictObject({
  name,
  padded: z.boolean(),
  tail: z.array(byte).max(PADDING_MAX).optional(),
  cfi: z.boolean().optional(),
  directCallDest: z.boolean().optional(),
  arity: count(7).optional(),
});

const pokeByteOrder = z
  .array(count(4))
  .length(5)
  .refine((o) => new Set(o).size === 5, 'must be a permutation of 0..4');

const setup = {
  config: z.string().max(100),
  entriesPerPage: z
    .number()
    .int()
    .min(1)
    .max(ENTRIES_PER_PAGE_MAX)
    .refine((n) => (n & (n - 1)) === 0, 'must be a power of two'),
  maxOrder: count(MAX_PAGE_ORDER_MAX),
  functions: z
    .array(scenarioFunction)
    .min(1)
    .max(FUNCTIONS_MAX)
    .refine((fs) => new Set(fs.map((f) => f.name)).size === fs.length, 'names a function twice'),
};

const schedule = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('segments'),
    segments: z.array(z.strictObject({ cpu: count(CPUS_MAX - 1), steps: count(STEPS_MAX) })).max(STEPS_MAX),
  }),
  z.strictObject({
    kind: z.literal('pct'),
    priorities: z.array(count(1_000_000)).max(CPUS_MAX),
    // per mille of the estimated scheduling points
    changePoints: z.array(count(1000)).max(100),
  }),
  z.strictObject({ kind: z.literal('trace'), decisions: z.array(count(CPUS_MAX - 1)).max(STEPS_MAX) }),
]);

const envelope = {
  kfmd: z.literal('counterexample'),
  version: z.literal([1, 2]),
  impl: z.string().min(1).max(200),
  seed: z
    .number()
    .int()
    .min(-(2 ** 31))
    .max(2 ** 32 - 1),
  path: z.string().max(10_000).nullable(),
  finding: z.string().max(100).nullable(),
  check: z.string().min(1).max(100),
  message: z.string().max(100_000),
  file: z.string().max(4096),
  report: z.string().max(1_000_000),
  against: z.looseObject({ reference: z.string().min(1).max(200) }).optional(),
};

const sequential = z.strictObject({
  ...envelope,
  kind: z.literal('sequential'),
  scenario: z.strictObject({
    ...setup,
    pokeByteOrder: pokeByteOrder.optional(),
    suite: z.enum(SUITE_NAMES),
    // empty only for a check judged at boot (crossFieldIssues)
    commands: z.array(operation).max(OPERATIONS_MAX),
  }),
});

const concurrentOperation = operation.refine(
  (op) => (CONCURRENT_OPERATIONS as readonly string[]).includes(op.op),
  'is not an operation a CPU program runs',
);

const concurrent = z.strictObject({
  ...envelope,
  kind: z.literal('concurrent'),
  strategy: z.enum(['random', 'pct', 'exhaustive']),
  decisions: z
    .string()
    .max(1_000_000)
    .regex(/^(\d+\*\d+( \d+\*\d+)*)?$/, 'must be "cpu*steps" runs separated by spaces'),
  scenario: z.strictObject({
    ...setup,
    pokeByteOrder,
    programs: z
      .array(z.array(concurrentOperation).max(OPERATIONS_MAX))
      .min(1)
      .max(CPUS_MAX)
      .refine((ps) => ps.some((p) => p.length > 0), 'has no operation at all: nothing to replay'),
    schedule,
  }),
});

type Issue = { readonly path: (string | number)[]; readonly message: string };

/** What no field's type can say: names known, CPUs in range, sizes that fit the configuration. */
function crossFieldIssues(d: z.infer<typeof sequential> | z.infer<typeof concurrent>): Issue[] {
  const issues: Issue[] = [];
  const sc = d.scenario;
  const config = allConfigurations().find((c) => c.name === sc.config);
  if (!config) return [{ path: ['scenario', 'config'], message: `names no known configuration (see kfmd configs)` }];
  const names = new Set(sc.functions.map((f) => f.name));
  if (d.kind === 'sequential' && d.scenario.commands.length === 0 && !(bootChecks() as string[]).includes(d.check))
    issues.push({
      path: ['scenario', 'commands'],
      message: `is empty: nothing to replay (only a check judged at boot, ${bootChecks().join(', ')}, has no commands)`,
    });
  sc.functions.forEach((f, i) => {
    if (config.arch === 'arm64' && (f.tail?.length ?? 0) % 4 !== 0)
      issues.push({ path: ['scenario', 'functions', i, 'tail'], message: 'must be whole 4-byte words on arm64' });
  });
  const ops = d.kind === 'sequential' ? [['commands', d.scenario.commands] as const] : [];
  const programs = d.kind === 'concurrent' ? d.scenario.programs.map((p, cpu) => [`programs.${cpu}`, p] as const) : [];
  for (const [where, list] of [...ops, ...programs])
    list.forEach((op, i) => {
      if ('fn' in op && !names.has(op.fn))
        issues.push({ path: ['scenario', where, i, 'fn'], message: `names unknown function "${op.fn}"` });
      if (op.op === 'foreign_write' && op.bytes.length > config.paddingBytes)
        issues.push({
          path: ['scenario', where, i, 'bytes'],
          message: `writes ${op.bytes.length} bytes, more than the ${config.paddingBytes} of ${config.name}'s padding`,
        });
    });
  if (d.kind === 'concurrent') {
    const cpus = d.scenario.programs.length;
    if (d.scenario.entriesPerPage * 2 ** d.scenario.maxOrder > CONCURRENT_ENTRIES_MAX)
      issues.push({
        path: ['scenario', 'maxOrder'],
        message: `with ENTRIES_PER_PAGE ${d.scenario.entriesPerPage} makes more than ${CONCURRENT_ENTRIES_MAX} entries, more than a concurrent run can initialise within its step limit`,
      });
    const s = d.scenario.schedule;
    const named = s.kind === 'segments' ? s.segments.map((g) => g.cpu) : s.kind === 'trace' ? s.decisions : [];
    const stray = named.find((cpu) => cpu >= cpus);
    if (stray !== undefined)
      issues.push({ path: ['scenario', 'schedule'], message: `names cpu${stray}, but there are ${cpus} CPUs` });
    const runs = d.decisions === '' ? [] : d.decisions.split(' ').map((r) => r.split('*').map(Number));
    if (runs.some(([cpu]) => (cpu ?? 0) >= cpus))
      issues.push({ path: ['decisions'], message: `names a CPU beyond the ${cpus} of the programs` });
    if (runs.reduce((n, [, steps]) => n + (steps ?? 0), 0) > STEPS_MAX)
      issues.push({ path: ['decisions'], message: `is longer than the ${STEPS_MAX} steps a run may take` });
  }
  return issues;
}

export const counterexampleSchema = z.discriminatedUnion('kind', [sequential, concurrent]).superRefine((d, ctx) => {
  for (const issue of crossFieldIssues(d)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
});

export type ParsedCounterexample = z.infer<typeof counterexampleSchema>;

/** The first problem, as `"scenario.functions.2.arity" must be …`, or null when the data is a counterexample. */
export function counterexampleProblem(data: unknown): string | null {
  const r = counterexampleSchema.safeParse(data);
  if (r.success) return null;
  const issue = r.error.issues[0];
  if (!issue) return 'does not match the format';
  const where = issue.path.map(String).join('.');
  const what = plain(issue.message);
  return where === '' ? what : `"${where}" ${what}`;
}

/** zod's wording made to read after a field name: `"seed" is missing (a number)`. */
function plain(message: string): string {
  const typed = /^Invalid input: expected (\S+), received (\S+)$/.exec(message);
  if (typed) return typed[2] === 'undefined' ? `is missing (${typed[1]})` : `must be ${typed[1]}, not ${typed[2]}`;
  return message.length > 0 ? message[0].toLowerCase() + message.slice(1) : message;
}
