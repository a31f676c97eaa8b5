import type { Execution } from '../../engine/sequential/executor.ts';
import type { PropertyResult } from '../../engine/sequential/property.ts';
import { describeCheck } from '../../engine/core/checks.ts';
import type { ScenarioFunction } from '../../engine/core/scenario.ts';
import { againstLine } from './against.ts';
import type { AgainstNote } from './against.ts';

/**
 * A counterexample as a kernel developer reads it: the calls in order, what
 * each returned against what the model expected, the window bytes, the seed
 * and how to replay it. `kfmd replay` prints exactly this text again.
 */
export function formatCounterexample(
  ex: Execution,
  meta: {
    impl: string;
    finding: string | null;
    seed?: number;
    path?: string | null;
    file?: string;
    against?: AgainstNote;
  },
): string {
  const v = ex.violation;
  if (!v) return `${ex.scenario.config} / ${ex.scenario.suite}: holds (${ex.executed.length} commands)`;
  const lines: string[] = [];
  const label = meta.finding ? `${meta.finding}: ` : '';
  lines.push(`✗ ${ex.scenario.config} / ${ex.scenario.suite} — ${label}${describeCheck(v.check)}`);
  lines.push(`  ${v.message}`);
  if (meta.against) lines.push(againstLine(meta.against, 'commands'));
  const fns = ex.scenario.functions.map((f) =>
    f.padded ? `${f.name}${shapeNote(f)}` : `${f.name} (no padding; bytes before it: ${hexBytes(f.tail ?? [])})`,
  );
  lines.push(`  implementation ${meta.impl}; functions in address order: ${fns.join(', ')}`);
  lines.push(`  ENTRIES_PER_PAGE ${ex.scenario.entriesPerPage}, MAX_PAGE_ORDER ${ex.scenario.maxOrder}`);
  const width = Math.max(...ex.steps.map((s) => s.call.length), 10);
  ex.steps.forEach((s, i) => {
    const mark = i === v.at ? '>' : ' ';
    const result =
      s.command.op === 'get' || s.command.op === 'find' || s.expected !== 'ok'
        ? `  got ${s.actual}; model: ${s.expected}`
        : '';
    lines.push(`  ${mark}${String(i + 1).padStart(2)}  ${s.call.padEnd(width)}${result}`);
    if (s.window && (s.window.before !== s.window.after || i === v.at)) {
      lines.push(
        `       ${''.padEnd(width)}  ${s.window.fn} window @ip-${s.window.offset}: ${s.window.before} → ${s.window.after} (model: ${s.window.model})`,
      );
    }
  });
  if (v.at < 0) lines.push('    (at boot, before any command)');
  const replay = meta.file ? `kfmd replay ${meta.file}` : 'not saved';
  const seed = meta.seed !== undefined ? `seed ${meta.seed}${meta.path ? `, path ${meta.path}` : ''}; ` : '';
  lines.push(`  ${seed}replay: ${replay}`);
  return lines.join('\n');
}

export function summaryLine(r: PropertyResult): string {
  if (r.status === 'holds') return 'holds';
  if (r.status === 'not-applicable') return 'n/a';
  return r.finding ? r.finding.id : (r.counterexample?.violation?.check ?? 'violated');
}

function hexBytes(bytes: readonly number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** What makes a function's padding differ from an ordinary one's (spec §4.4 X5). */
function shapeNote(f: ScenarioFunction): string {
  const notes = [
    ...(f.cfi === false ? ['static, no kCFI preamble'] : []),
    ...(f.directCallDest === false ? ['never called directly, no thunk'] : []),
    ...(f.arity !== undefined ? [`${f.arity} argument${f.arity === 1 ? '' : 's'}`] : []),
  ];
  return notes.length > 0 ? ` (${notes.join('; ')})` : '';
}
