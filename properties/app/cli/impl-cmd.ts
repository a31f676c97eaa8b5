/**
 * `--impl-cmd "CMD ARGS"`: an out-of-process implementation speaking the kfmd protocol
 * (impl/protocol/PROTOCOL.md), and the budgets every plugin runs under. The command is started
 * and shakes hands before any work: one that cannot be started is one line, exit 2; one that
 * misbehaves later gets a verdict naming what it did, property by property.
 */
import { Option } from 'commander';
import { CHECK_RANGES } from './check-options.ts';
import { decimalIn } from './values.ts';
import type { Command } from 'commander';
import type { Implementation } from '../../../impl/contract/index.ts';
import {
  DEFAULT_STEP_BUDGET,
  DEFAULT_WALL_BUDGET_MS,
  ImplCommandError,
  commandImplementation,
} from '../../../impl/protocol/index.ts';
import { IMPLEMENTATIONS } from '../../impls/registry.ts';
import { UsageError } from './errors.ts';
import { resolveImplementation } from './plugin.ts';

interface ImplOptions {
  readonly impl: string;
  readonly implCmd?: string;
  readonly stepBudget: string;
  readonly wallBudget: string;
}

/** --impl-cmd (not with --impl), --step-budget and --wall-budget on `command`. */
export function addImplCmdOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--impl-cmd <command>',
        'an out-of-process implementation: a command speaking the kfmd protocol on stdin/stdout (impl/protocol/PROTOCOL.md; C: impl/c/kfmd.h), split into words as a shell would',
      ).conflicts('impl'),
    )
    .option(
      '--step-budget <n>',
      'a plugin operation may take this many steps (--impl FILE) or messages (--impl-cmd); beyond, it is a crash',
      String(DEFAULT_STEP_BUDGET),
    )
    .option(
      '--wall-budget <ms>',
      '--impl-cmd: how long kfmd waits for each message before it kills the process',
      String(DEFAULT_WALL_BUDGET_MS),
    );
}

/** The implementation --impl or --impl-cmd names; a --impl-cmd process is started here, before any work. */
export async function implementationOf(command: Command): Promise<Implementation> {
  const opts = command.opts<ImplOptions>();
  const stepBudget = decimalIn(opts.stepBudget, '--step-budget', CHECK_RANGES.stepBudget);
  if (opts.implCmd === undefined) return resolveImplementation(opts.impl, stepBudget);
  const wallBudgetMs = decimalIn(opts.wallBudget, '--wall-budget', CHECK_RANGES.wallBudget);
  const what = `--impl-cmd ${JSON.stringify(opts.implCmd)}`;
  let impl;
  try {
    impl = commandImplementation(opts.implCmd, { stepBudget, wallBudgetMs });
  } catch (err) {
    if (err instanceof ImplCommandError) throw new UsageError(`${what}: ${err.message}`);
    throw err;
  }
  if (IMPLEMENTATIONS.some((i) => i.name === impl.name)) {
    impl.close();
    throw new UsageError(`${what}: name "${impl.name}" is a built-in implementation's`);
  }
  return impl;
}

/** replay: the implementation --impl or --impl-cmd names, or null for the one the counterexample recorded. */
export async function givenImplementation(command: Command): Promise<Implementation | null> {
  const opts = command.opts<Partial<ImplOptions>>();
  if (opts.impl === undefined && opts.implCmd === undefined) return null;
  return implementationOf(command);
}
