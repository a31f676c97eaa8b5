/**
 * `kfmd check --impl all`: one table, configuration × design, each cell `holds`, the findings
 * by name, or `n/a`; what was not applicable is said once, in numbered footnotes.
 */
import pc from 'picocolors';
import { renderTable } from '../cli/table.ts';

export interface MatrixCell {
  readonly impl: string;
  readonly config: string;
  /** finding labels (or check names of unnamed violations) of the sequential suites */
  readonly sequential: readonly string[];
  /** every concurrent finding label (find-all.ts) */
  readonly concurrent: readonly string[];
  /** what did not apply here, as "what: why" */
  readonly notApplicable: readonly string[];
  /** nothing could be checked here at all */
  readonly allNotApplicable: boolean;
  /** a search that could not finish (an internal error: kfmd's, or a run it cannot bound) */
  readonly errors: readonly string[];
}

export interface Matrix {
  readonly title: string;
  readonly legend: readonly string[];
  readonly designs: readonly string[];
  readonly configs: readonly string[];
  readonly cells: readonly MatrixCell[];
  /** closing lines: the figures (time per design) */
  readonly figures: readonly string[];
}

/** D1 < D2 < D3 < D3b < … < D16, then the other labels (NORCU, unnamed checks) alphabetically. */
export function compareLabels(a: string, b: string): number {
  const key = (s: string): [number, string] => {
    const m = /^D(\d+)(.*)$/.exec(s);
    return m ? [Number(m[1]), m[2] ?? ''] : [Number.MAX_SAFE_INTEGER, s];
  };
  const [x, y] = [key(a), key(b)];
  return x[0] - y[0] || x[1].localeCompare(y[1]);
}

export function cellLabels(c: MatrixCell): string[] {
  const labels = [...new Set([...c.sequential, ...c.concurrent])].sort(compareLabels);
  return c.errors.length > 0 ? [...labels, 'error'] : labels;
}

export function matrixText(m: Matrix): string {
  const notes: string[] = [];
  const noteRefs = (c: MatrixCell): string => {
    const refs = [...c.notApplicable.map((why) => `n/a: ${why}`), ...c.errors.map((e) => `error: ${e}`)].map((why) => {
      const at = notes.indexOf(why);
      return at >= 0 ? at + 1 : notes.push(why);
    });
    return refs.length ? ` [${[...new Set(refs)].sort((a, b) => a - b).join(',')}]` : '';
  };
  const byKey = new Map(m.cells.map((c) => [`${c.config}\u0000${c.impl}`, c]));
  const rows = m.configs.map((config) => [
    config,
    ...m.designs.map((impl) => {
      const c = byKey.get(`${config}\u0000${impl}`);
      if (!c) return pc.dim('not run'); // an interrupted --impl all
      const labels = cellLabels(c);
      const text = c.allNotApplicable ? pc.yellow('n/a') : labels.length ? pc.red(labels.join(' ')) : pc.green('holds');
      return text + noteRefs(c);
    }),
  ]);
  const out = [
    pc.bold(m.title),
    ...m.legend.map((l) => pc.dim(l)),
    '',
    renderTable(['configuration', ...m.designs], rows),
  ];
  out.push(...notes.map((why, i) => pc.yellow(`[${i + 1}] ${why}`)));
  if (notes.length) out.push('');
  out.push(...m.figures);
  return `${out.join('\n')}\n`;
}

export function matrixJson(m: Matrix): Record<string, unknown> {
  return {
    designs: m.designs,
    configurations: m.configs,
    cells: m.cells.map((c) => ({ ...c, findings: cellLabels(c) })),
    figures: m.figures,
  };
}
