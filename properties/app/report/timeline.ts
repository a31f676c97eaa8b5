import { classifyConcurrent } from '../../engine/concurrent/classify.ts';
import { describeCheck } from '../../engine/core/checks.ts';
import { describeOperation } from '../../engine/core/operations.ts';
import { describeSchedule } from '../../engine/core/scenario.ts';
import type { ConcRun, TimelineEntry } from '../../engine/concurrent/simulate.ts';
import { againstLine } from './against.ts';
import type { AgainstNote } from './against.ts';

export interface ReportMeta {
  readonly impl: string;
  readonly strategy: string;
  readonly seed?: number;
  readonly path?: string | null;
  readonly file?: string;
  /** a differential counterexample: the reference and what it did on the same run */
  readonly against?: AgainstNote;
}

/** Plain data accesses folded when a CPU does many in a row (scans, copies, array init). */
const FOLD_AT = 6;
const CELL_MAX = 44;

/**
 * A concurrent counterexample as a per-CPU timeline: one column per CPU, one row per step, the
 * md window bytes wherever a step changes them. `kfmd replay` prints exactly this text again.
 */
export function formatConcReport(run: ConcRun, meta: ReportMeta): string {
  const s = run.scenario;
  const v = run.violation;
  const lines: string[] = [];
  const finding = classifyConcurrent(v);
  const head = v ? `${finding ? `${finding.id}: ` : ''}${describeCheck(v.check)}` : 'holds';
  lines.push(`${v ? '✗' : '✓'} ${s.config} / concurrent ${meta.strategy} — ${head}`);
  if (v) lines.push(`  ${v.message}`);
  if (finding) lines.push(`  (${finding.title})`);
  if (meta.against) lines.push(againstLine(meta.against, 'programs and schedule'));
  const arch = s.config.startsWith('arm64')
    ? 'arm64: one aligned word store per poke'
    : `x86 poke byte order ${s.pokeByteOrder.join(',')}`;
  lines.push(
    `  implementation ${meta.impl}; functions ${s.functions.map((f) => f.name).join(', ')}; ENTRIES_PER_PAGE ${s.entriesPerPage}, MAX_PAGE_ORDER ${s.maxOrder}; ${arch}`,
  );
  lines.push(
    `  programs: ${s.programs.map((p, i) => `cpu${i}: ${p.map(describeOperation).join(' ') || '-'}`).join(' | ')}`,
  );
  lines.push(
    `  schedule: ${describeSchedule(s.schedule)} (${run.steps} steps, ${run.preemptions} preemption${run.preemptions === 1 ? '' : 's'})`,
  );
  lines.push(`  md windows at boot: ${run.bootWindows.map((w) => `${w.fn} ${w.bytes}`).join(', ')}`);
  lines.push(...table(run, v?.at ?? -1));
  if (v?.check === 'linearizability')
    lines.push(
      `  history: ${run.history.map((h) => `cpu${h.cpu} ${describeOperation(h.op)} [${h.call}, ${h.ret ?? '∞'}]`).join('; ')}`,
    );
  const seed = meta.seed !== undefined ? `seed ${meta.seed}${meta.path ? `, path ${meta.path}` : ''}; ` : '';
  lines.push(`  ${seed}replay: ${meta.file ? `kfmd replay ${meta.file}` : 'not saved'}`);
  return lines.join('\n');
}

interface Row {
  readonly step: string;
  readonly cpu: number;
  readonly text: string;
  readonly windows: string;
  readonly mark: boolean;
}

function table(run: ConcRun, violationStep: number): string[] {
  const cpus = run.scenario.programs.length;
  const rows: Row[] = [];
  for (const group of groups(run.timeline, violationStep)) {
    if (group.kind === 'folded') {
      rows.push({ step: '', cpu: group.cpu, text: `⋮ ${group.steps} more steps`, windows: '', mark: false });
      continue;
    }
    const e = group.entry;
    if (e.begins) rows.push({ step: '', cpu: e.cpu, text: `▶ ${e.begins}`, windows: '', mark: false });
    rows.push({
      step: String(e.step),
      cpu: e.cpu,
      text: e.text,
      windows: (e.windows ?? []).map((w) => `${w.fn}: ${w.bytes}`).join(', '),
      mark: e.step === violationStep,
    });
    if (e.ends) rows.push({ step: '', cpu: e.cpu, text: `◀ ${e.ends}`, windows: '', mark: false });
  }
  const width = Array.from({ length: cpus }, (_, c) =>
    Math.min(CELL_MAX, Math.max(6, ...rows.filter((r) => r.cpu === c).map((r) => r.text.length))),
  );
  const stepWidth = Math.max(4, ...rows.map((r) => r.step.length));
  const cell = (text: string, w: number): string => (text.length > w ? `${text.slice(0, w - 1)}…` : text.padEnd(w));
  const line = (mark: boolean, step: string, cells: string[], windows: string): string =>
    `  ${mark ? '>' : ' '}${step.padStart(stepWidth)} │ ${cells.join(' │ ')} │ ${windows}`.trimEnd();
  const out = [
    line(
      false,
      'step',
      width.map((w, c) => cell(`cpu${c}`, w)),
      'md windows',
    ),
  ];
  for (const r of rows)
    out.push(
      line(
        r.mark,
        r.step,
        width.map((w, c) => cell(c === r.cpu ? r.text : '', w)),
        r.windows,
      ),
    );
  return out;
}

type Group =
  | { readonly kind: 'step'; readonly entry: TimelineEntry }
  | { readonly kind: 'folded'; readonly steps: number; readonly cpu: number };

/** Consecutive plain data accesses of one CPU beyond FOLD_AT keep their first and last two lines. */
function groups(timeline: readonly TimelineEntry[], violationStep: number): Group[] {
  const plain = (e: TimelineEntry): boolean =>
    !e.begins && !e.ends && !e.windows && e.step !== violationStep && /^(ld|st)\d+ (A\d|kfunc_md)/.test(e.text);
  const out: Group[] = [];
  let i = 0;
  while (i < timeline.length) {
    const e = timeline[i];
    let j = i;
    while (j < timeline.length && plain(timeline[j]) && timeline[j].cpu === e.cpu) j++;
    if (j - i >= FOLD_AT) {
      out.push({ kind: 'step', entry: timeline[i] }, { kind: 'step', entry: timeline[i + 1] });
      out.push({ kind: 'folded', steps: j - i - 4, cpu: e.cpu });
      out.push({ kind: 'step', entry: timeline[j - 2] }, { kind: 'step', entry: timeline[j - 1] });
      i = j;
    } else {
      const end = Math.max(j, i + 1);
      for (let k = i; k < end; k++) out.push({ kind: 'step', entry: timeline[k] });
      i = end;
    }
  }
  return out;
}
