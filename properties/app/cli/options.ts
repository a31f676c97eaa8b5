/** The options of `kfmd check` as commander hands them over, and their parsing into values (exit 2 on bad input). */
import { allConfigurations, configurationByName } from '../../../model/config/index.ts';
import type { Configuration } from '../../../model/config/index.ts';
import type { StrategyName } from '../../engine/core/scenario.ts';
import { SUITES, suiteByName } from '../../engine/sequential/suites.ts';
import type { Suite } from '../../engine/sequential/suites.ts';
import { UsageError } from './errors.ts';

export interface CheckOptions {
  readonly schedule?: StrategyName;
  readonly byteOrder: string;
  readonly entriesPerPage: string;
  readonly readers: 'rcu' | 'norcu' | 'both';
  readonly preemptions: string;
  readonly maxSchedules: string;
  readonly hunt?: boolean;
  readonly timeLimit: string;
  readonly impl: string;
  readonly against?: string;
  /** --step-budget (impl-cmd.ts adds it): also the budget of an --against plugin */
  readonly stepBudget: string;
  /** --impl-cmd and --wall-budget (impl-cmd.ts adds them) */
  readonly implCmd?: string;
  readonly wallBudget: string;
  readonly arch: 'x86' | 'arm64' | 'all';
  readonly config: string;
  readonly suite: string;
  readonly runs: string;
  readonly seed: string;
  readonly faults: boolean;
  readonly json?: boolean;
  readonly out: string;
  /** --html FILE: the verdict table and every counterexample as one page */
  readonly html?: string;
}

export function selectConfigs(opts: Pick<CheckOptions, 'arch' | 'config'>): Configuration[] {
  const all = allConfigurations().filter((c) => opts.arch === 'all' || c.arch === opts.arch);
  if (opts.config === 'all') return [...all];
  const one = configurationByName(opts.config);
  if (opts.arch !== 'all' && one.arch !== opts.arch)
    throw new UsageError(`configuration ${one.name} is ${one.arch}, not ${opts.arch}`);
  return [one];
}

/** --suite, or only the contract suite under --no-faults. */
export function selectSuites(opts: Pick<CheckOptions, 'faults' | 'suite'>): Suite[] {
  if (!opts.faults) return [suiteByName('contract')];
  return opts.suite === 'all' ? [...SUITES] : [suiteOrUsage(opts.suite)];
}

function suiteOrUsage(name: string): Suite {
  try {
    return suiteByName(name);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
