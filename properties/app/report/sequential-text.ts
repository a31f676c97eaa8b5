/** The text report of a sequential `kfmd check`: the verdict table, one counterexample per finding, coverage, summary. */
import pc from 'picocolors';
import type { Configuration } from '../../../model/config/index.ts';
import type { Campaign } from '../../engine/sequential/campaign.ts';
import type { Execution } from '../../engine/sequential/executor.ts';
import type { PropertyResult } from '../../engine/sequential/property.ts';
import type { Suite } from '../../engine/sequential/suites.ts';
import { inapplicableChecks } from '../../engine/core/checks.ts';
import { renderTable } from '../cli/table.ts';
import type { AgainstNote } from './against.ts';
import { coverageLines } from './campaign.ts';
import { formatCounterexample, summaryLine } from './counterexample.ts';

/** The header line of a differential sequential report. */
const DIFFERENTIAL = (reference: string): string =>
  `  differential: a failure counts only if ${reference}, on the same commands, does not fail the same check with the same finding`;

export function textReport(
  c: Campaign,
  configs: readonly Configuration[],
  suites: readonly Suite[],
  files: ReadonlyMap<string, string>,
  notes: ReadonlyMap<string, AgainstNote>,
  reference: string | null,
): string {
  const out: string[] = [];
  const against = reference ? ` against ${reference}` : '';
  out.push(
    pc.bold(
      `kfmd check — implementation ${c.impl}${against}, ${configs.length} configuration(s) × ${suites.length} suite(s), ${c.numRuns} runs each, seed ${c.seed}`,
    ),
  );
  if (reference) out.push(pc.dim(DIFFERENTIAL(reference)));
  out.push('');
  const byKey = new Map(c.results.map((r) => [`${r.config}/${r.suite}`, r]));
  // every suite on every configuration, unless an interrupt stopped the run: those cells are "not run"
  const cellFor = (key: string): string => {
    const r = byKey.get(key);
    return r ? cell(summaryLine(r)) : pc.dim('not run');
  };
  const rows = configs.map((cfg) => [cfg.name, ...suites.map((s) => cellFor(`${cfg.name}/${s.name}`))]);
  out.push(renderTable(['configuration', ...suites.map((s) => s.name)], rows));
  out.push('');
  // one full counterexample per distinct finding: the shortest; the others by file
  const groups = new Map<string, Violated[]>();
  for (const r of c.results) {
    if (!isViolated(r)) continue;
    const key = summaryLine(r);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  for (const [key, rs] of groups) {
    const shortest = [...rs].sort((a, b) => a.counterexample.executed.length - b.counterexample.executed.length)[0];
    const title = shortest.finding ? `${key} — ${shortest.finding.title}` : `${key} — unclassified violation`;
    out.push(pc.red(pc.bold(title)) + pc.dim(`  (${rs.length} propert${rs.length === 1 ? 'y' : 'ies'})`));
    const file = files.get(`${shortest.config}/${shortest.suite}`);
    const note = notes.get(`${shortest.config}/${shortest.suite}`);
    out.push(
      formatCounterexample(shortest.counterexample, {
        impl: c.impl,
        finding: shortest.finding?.id ?? null,
        seed: shortest.seed,
        path: shortest.path,
        ...(file ? { file } : {}),
        ...(note ? { against: note } : {}),
      }),
    );
    const others = rs
      .filter((r) => r !== shortest)
      .map((r) => `${r.config}/${r.suite} (${r.counterexample.executed.length} cmds)`);
    const shown = others.slice(0, 6).join(', ');
    if (others.length)
      out.push(
        pc.dim(
          `  also: ${shown}${others.length > 6 ? `, and ${others.length - 6} more (all saved in the counterexample directory)` : ''}`,
        ),
      );
    out.push('');
  }
  out.push(...coverageLines(c.coverage));
  out.push('');
  const violated = c.results.filter((r) => r.status === 'violated').length;
  const inapplicable = c.results.filter((r) => r.status === 'not-applicable');
  const findings = [...groups.entries()].map(([k, rs]) => `${k} ×${rs.length}`).join(', ');
  const na = inapplicable.length > 0 ? `, ${inapplicable.length} not applicable` : '';
  out.push(
    `${c.results.length} properties: ${c.results.length - violated - inapplicable.length} hold, ${violated} violated${na}${findings ? ` (${findings})` : ''}`,
  );
  for (const why of new Set(inapplicable.map((r) => `${r.suite}: ${r.notApplicable ?? ''}`))) {
    out.push(pc.yellow(`not applicable — ${why}`));
  }
  for (const { check, why } of inapplicableChecks('sequential', c.declares, c.arches)) {
    out.push(pc.yellow(`check ${check} not applicable — ${why}`));
  }
  const known = [...new Set(c.results.flatMap((r) => (r.finding ? [r.finding.id] : [])))].sort();
  const unnamed = c.results.filter((r) => r.status === 'violated' && !r.finding).length;
  if (violated > 0) {
    out.push(
      `known defects found (spec §7): ${known.join(', ') || 'none'}; violations no known defect explains: ${unnamed}`,
    );
  }
  return `${out.join('\n')}\n`;
}

/** A violated property with its counterexample (checkProperty always re-runs the shrunk case for one). */
type Violated = PropertyResult & { readonly counterexample: Execution };

function isViolated(r: PropertyResult): r is Violated {
  return r.status === 'violated' && r.counterexample !== null;
}

function cell(s: string): string {
  if (s === 'n/a') return pc.yellow(s);
  return s === 'holds' ? pc.green(s) : pc.red(s);
}
