/**
 * `--impl ./path/to/impl.ts|.js`: a user's implementation, loaded from anywhere on disk and
 * checked before any work starts. The module exports the Implementation as `default` or as
 * `implementation`. Every problem is one line naming the file and what is wrong (exit 2).
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { CONTRACT_VERSION } from '../../../impl/contract/index.ts';
import type { Implementation, StoreFactory, StoreView } from '../../../impl/contract/index.ts';
import { createKernel } from '../../../impl/kernel/kernel.ts';
import { configurationByName } from '../../../model/config/index.ts';
import { DEFAULT_STEP_BUDGET, withStepBudget } from '../../../impl/protocol/index.ts';
import { IMPLEMENTATIONS, implementationByName } from '../../impls/registry.ts';
import { UsageError } from './errors.ts';

/** An --impl value that names a file rather than a built-in implementation. */
export function isPluginPath(value: string): boolean {
  return /[/\\]/.test(value) || /\.[cm]?[jt]s$/.test(value);
}

const lockRule = z.enum(['caller-holds', 'takes']);
const implementationSchema = z.object({
  name: z.string().min(1),
  description: z.string(),
  contract: z.number(),
  declares: z.object({
    index: z.enum(['padding-insn', 'padding-pointer', 'none']),
    slotPolicy: z.enum(['lowest-free', 'any-free']),
    locking: z.object({ get: lockRule, put: lockRule, put_by_ip: lockRule }),
    readers: z.object({ rcu: z.boolean(), norcu: z.boolean() }),
  }),
  create: z.custom<StoreFactory>((v) => typeof v === 'function', { message: 'must be a function (kernel) => store' }),
});

const VERBS = ['lock', 'unlock', 'get', 'put', 'putByIp', 'find', 'trampoline', 'inspect'] as const;

/** `stepBudget`: steps one operation may yield (an operation that yields forever becomes a crash verdict). */
export async function loadPlugin(path: string, stepBudget = DEFAULT_STEP_BUDGET): Promise<Implementation> {
  const file = resolve(path);
  const bad = (what: string): never => {
    throw new UsageError(`plugin ${path}: ${what}`);
  };
  if (!existsSync(file) || !statSync(file).isFile()) bad('no such file');
  const mod = await importModule(file, bad);
  const exported = mod['default'] ?? mod['implementation'];
  if (exported === undefined) bad('exports no implementation (export it as default or as `implementation`)');
  const parsed = implementationSchema.safeParse(exported);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return bad(
      `not a kfmd implementation: ${issue ? `${issue.path.join('.') || 'the export'}: ${issue.message}` : 'malformed'}`,
    );
  }
  const version = parsed.data.contract;
  if (version !== CONTRACT_VERSION) {
    bad(`written against contract version ${version}; this kfmd implements version ${CONTRACT_VERSION}`);
  }
  const impl = exported as Implementation;
  if (IMPLEMENTATIONS.some((i) => i.name === impl.name)) bad(`name "${impl.name}" is a built-in implementation's`);
  probe(impl, bad);
  return withStepBudget(impl, stepBudget);
}

async function importModule(file: string, bad: (what: string) => never): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (err) {
    // an installed kfmd runs compiled: teach Node TypeScript (tsx ships with kfmd) and try once more
    if ((err as NodeJS.ErrnoException).code === 'ERR_UNKNOWN_FILE_EXTENSION') {
      const { register } = await import('tsx/esm/api');
      register();
      try {
        return (await import(url)) as Record<string, unknown>;
      } catch (again) {
        return bad(`cannot be loaded: ${firstLine(again)}`);
      }
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (
      code === 'ERR_REQUIRE_CYCLE_MODULE' ||
      code === 'ERR_REQUIRE_ESM' ||
      /require\(\) ES Module/.test(firstLine(err))
    ) {
      return bad(
        'is loaded as CommonJS but imports ES modules: name it .mts/.mjs, or put "type": "module" in its package.json',
      );
    }
    return bad(`cannot be loaded: ${firstLine(err)}`);
  }
}

/** One store on a small kernel: create() and inspect() must work, and the layout must make sense. */
function probe(impl: Implementation, bad: (what: string) => never): void {
  const kernel = createKernel({
    options: configurationByName('x86-A16').options,
    functions: [{ name: 'f0', padded: true }],
    pageSize: 4096,
    maxOrder: 0,
  });
  let view: StoreView;
  try {
    const store: unknown = impl.create(kernel);
    if (typeof store !== 'object' || store === null) return bad('create() returned no store');
    const missing = VERBS.filter((v) => typeof (store as Record<string, unknown>)[v] !== 'function');
    if (missing.length > 0) bad(`the store lacks ${missing.join(', ')}`);
    view = (store as { inspect(): StoreView }).inspect();
  } catch (err) {
    if (err instanceof UsageError) throw err;
    return bad(`create() or inspect() threw ${firstLine(err)}`);
  }
  const layout = (view as Partial<StoreView> | undefined)?.layout;
  const { size, users, func } = layout ?? { size: NaN, users: NaN, func: NaN };
  const int = (n: number) => Number.isSafeInteger(n) && n >= 0;
  if (!int(size) || !int(users) || !int(func) || size < 12) {
    bad('inspect().layout must give sizeof(struct kfunc_md) ≥ 12 and the offsets of users and func');
  }
  if (users + 4 > size || func + 8 > size || (users < func + 8 && func < users + 4)) {
    bad(
      `inspect().layout: users (4 bytes at ${users}) and func (8 bytes at ${func}) must fit in ${size} bytes without overlapping`,
    );
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}

/** A built-in implementation by name, or a plugin by path (under `stepBudget`): the --impl of check and replay. */
export async function resolveImplementation(value: string, stepBudget = DEFAULT_STEP_BUDGET): Promise<Implementation> {
  if (isPluginPath(value)) return loadPlugin(value, stepBudget);
  const impl = implementationByName(value);
  if (!impl) {
    throw new UsageError(
      `unknown implementation "${value}" (known: ${IMPLEMENTATIONS.map((i) => i.name).join(', ')}; or give a module file)`,
    );
  }
  return impl;
}
