/**
 * The verdict table of a page: rows are configurations, columns suites (or a schedule strategy,
 * or designs), each cell holds / n/a / the findings, each finding linked to its counterexample
 * on the page. Built from the result shapes `kfmd check` has, or from the files alone.
 */
import type { Campaign } from '../../../engine/sequential/campaign.ts';
import type { ConcSearchResult } from '../../../engine/concurrent/search.ts';
import { labelOf } from '../../../engine/concurrent/classify.ts';
import type { CounterexampleFile } from '../../../engine/core/counterexample.ts';
import { summaryLine } from '../counterexample.ts';
import { cellLabels } from '../matrix.ts';
import type { Matrix } from '../matrix.ts';
import { labelOfFile } from './prepare.ts';

export interface VerdictFinding {
  /** the finding's id, or the check of an unnamed violation */
  readonly label: string;
  /** the saved counterexample; null: found by (impl, config, label) among the page's files */
  readonly file: string | null;
}

export type VerdictCell =
  | { readonly kind: 'holds' | 'empty' }
  | { readonly kind: 'n/a'; readonly why: string }
  | { readonly kind: 'error'; readonly why: string }
  | {
      readonly kind: 'violated';
      /** the implementation and configuration, to find a cell's files by */
      readonly impl: string;
      readonly config: string;
      readonly findings: readonly VerdictFinding[];
    };

export interface VerdictTable {
  readonly title: string;
  /** the header of the first column */
  readonly corner: string;
  readonly columns: readonly string[];
  readonly rows: readonly { readonly label: string; readonly cells: readonly VerdictCell[] }[];
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

/** `kfmd check` (sequential): `files` by "config/suite", as sequential.ts runSequentialSaving returns them. */
export function sequentialVerdicts(c: Campaign, files: ReadonlyMap<string, string>): VerdictTable {
  const configs = unique(c.results.map((r) => r.config));
  const suites = unique(c.results.map((r) => r.suite));
  const byKey = new Map(c.results.map((r) => [`${r.config}/${r.suite}`, r]));
  return {
    title: `implementation ${c.impl}, seed ${c.seed}, ${c.numRuns} runs per property`,
    corner: 'configuration',
    columns: suites,
    rows: configs.map((config) => ({
      label: config,
      cells: suites.map((suite): VerdictCell => {
        const r = byKey.get(`${config}/${suite}`);
        if (!r) return { kind: 'empty' };
        if (r.status === 'not-applicable') return { kind: 'n/a', why: r.notApplicable ?? '' };
        if (r.status === 'holds') return { kind: 'holds' };
        const file = files.get(`${config}/${suite}`) ?? null;
        return { kind: 'violated', impl: c.impl, config, findings: [{ label: summaryLine(r), file }] };
      }),
    })),
  };
}

/** `kfmd check --schedule S`: one column, the strategy; each result with the file it was saved to. */
export function concurrentVerdicts(
  impl: string,
  strategy: string,
  results: readonly { readonly r: ConcSearchResult; readonly file: string | null }[],
): VerdictTable {
  return {
    title: `implementation ${impl}, concurrent ${strategy}`,
    corner: 'configuration',
    columns: [strategy],
    rows: results.map(({ r, file }) => {
      const cell: VerdictCell =
        r.notApplicable !== null
          ? { kind: 'n/a', why: r.notApplicable }
          : r.holds || !r.run
            ? { kind: 'holds' }
            : { kind: 'violated', impl, config: r.config, findings: [{ label: labelOf(r.run.violation), file }] };
      return { label: r.config, cells: [cell] };
    }),
  };
}

/** `kfmd check --impl all`: designs as columns; findings are matched to the page's files by design, configuration and label. */
export function matrixVerdicts(m: Matrix): VerdictTable {
  const byKey = new Map(m.cells.map((c) => [`${c.config}\u0000${c.impl}`, c]));
  return {
    title: m.title,
    corner: 'configuration',
    columns: m.designs,
    rows: m.configs.map((config) => ({
      label: config,
      cells: m.designs.map((impl): VerdictCell => {
        const c = byKey.get(`${config}\u0000${impl}`);
        if (!c) return { kind: 'empty' };
        if (c.allNotApplicable) return { kind: 'n/a', why: c.notApplicable.join('; ') };
        const labels = cellLabels(c).filter((l) => l !== 'error');
        if (labels.length === 0)
          return c.errors.length > 0 ? { kind: 'error', why: c.errors.join('; ') } : { kind: 'holds' };
        return { kind: 'violated', impl, config, findings: labels.map((label) => ({ label, file: null })) };
      }),
    })),
  };
}

/** A counterexample file as loaded: the path it was read from, and what it holds. */
export interface LoadedFile {
  readonly path: string;
  readonly saved: CounterexampleFile;
}

/** `kfmd report FILE...`: the files themselves, by configuration and suite (or concurrent strategy). */
export function filesVerdicts(files: readonly LoadedFile[]): VerdictTable {
  const saved = files.map((f) => f.saved);
  const column = (s: CounterexampleFile): string =>
    `${s.impl}: ${s.kind === 'sequential' ? s.scenario.suite : `concurrent ${s.strategy}`}`;
  const columns = unique(saved.map(column));
  const configs = unique(saved.map((s) => s.scenario.config));
  return {
    title: `${saved.length} counterexample file(s)`,
    corner: 'configuration',
    columns,
    rows: configs.map((config) => ({
      label: config,
      cells: columns.map((col): VerdictCell => {
        const here = files.filter((f) => f.saved.scenario.config === config && column(f.saved) === col);
        const first = here[0];
        if (!first) return { kind: 'empty' };
        return {
          kind: 'violated',
          impl: first.saved.impl,
          config,
          findings: here.map((f) => ({ label: labelOfFile(f.saved), file: f.path })),
        };
      }),
    })),
  };
}
