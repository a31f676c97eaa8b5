import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

// model/ is the specification: the harness judges impl/ against it, so it may borrow from neither
// impl/ (what it judges) nor properties/ (the judge). It is also a tree, not a knot: no import circle.
// The scanner below is deliberately a copy of the one in properties/layers.test.ts, not shared:
// model/ may not import properties/, and properties/ has no business owning model's checks.

const MODEL = import.meta.dirname;
const REPO = resolve(MODEL, '..');
const MODULE = /\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/;

/** Repository-relative path with forward slashes, for messages. */
function rel(p: string): string {
  return relative(REPO, p).split(sep).join('/');
}

function moduleFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name.startsWith('.') || e.name === 'node_modules') return [];
    const p = join(dir, e.name);
    return e.isDirectory() ? moduleFiles(p) : MODULE.test(e.name) ? [p] : [];
  });
}

// One pass over the whole text (so multi-line import lists are fine). Comments, template literals
// and plain strings are matched too, so that an import written inside one of them is skipped; the
// import forms are: `import|export … from '…'` (type-only too), `import '…'`, `import('…')`.
const TOKEN = new RegExp(
  [
    String.raw`\/\/[^\n]*`,
    String.raw`\/\*[\s\S]*?\*\/`,
    String.raw`\x60(?:\\[\s\S]|[^\\\x60])*\x60`,
    String.raw`(?<![\w$.])(?:import|export)(?:\s+|(?=[{*]))[\w$\s{},*]*?\bfrom\s*(['"])([^'"\n]*)\1`,
    String.raw`(?<![\w$.])import\s*(['"])([^'"\n]*)\3`,
    String.raw`(?<![\w$.])import\s*\(\s*(?:(['"])([^'"\n]*)\5|\x60([^\x60$\\]*)\x60)\s*[,)]`,
    String.raw`'(?:\\.|[^\\'\n])*'`,
    String.raw`"(?:\\.|[^\\"\n])*"`,
  ].join('|'),
  'g',
);

/** Every module specifier the source imports or re-exports, in order. */
function specifiers(source: string): string[] {
  return [...source.matchAll(TOKEN)].flatMap((m) => {
    const spec = m[2] ?? m[4] ?? m[6] ?? m[7];
    return spec === undefined ? [] : [spec];
  });
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile() && readdirSync(dirname(p)).includes(basename(p));
  } catch {
    return false;
  }
}

/** The file a relative specifier names (`.js` may stand for `.ts`, as TypeScript allows), or undefined. */
function resolveSpecifier(from: string, spec: string): string | undefined {
  const target = resolve(dirname(from), spec);
  if (isFile(target)) return target;
  const ts = target.replace(/\.([cm]?)js(x?)$/, '.$1ts$2');
  return ts !== target && isFile(ts) ? ts : undefined;
}

interface Edge {
  from: string;
  spec: string;
  to: string | undefined;
}

function relativeImports(files: readonly string[]): Edge[] {
  return files.flatMap((from) =>
    specifiers(readFileSync(from, 'utf8'))
      .filter((spec) => spec.startsWith('./') || spec.startsWith('../'))
      .map((spec) => ({ from, spec, to: resolveSpecifier(from, spec) })),
  );
}

/** Strongly connected components that hold a cycle (more than one file, or a file importing itself). */
function cycles(nodes: readonly string[], edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (const e of edges) if (e.to !== undefined && next.has(e.to)) next.get(e.from)?.push(e.to);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v) ?? 0);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string | undefined;
    do {
      w = stack.pop();
      if (w === undefined) break;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (next.get(v) ?? []).includes(v)) found.push(scc.sort());
  };
  for (const n of nodes) if (!index.has(n)) visit(n);
  return found.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

/** One concrete circle through the component's first file (shortest, by breadth-first search). */
function circleThrough(scc: readonly string[], edges: readonly Edge[]): string[] {
  const members = new Set(scc);
  const start = scc[0] ?? '';
  const parent = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i] ?? '';
    for (const e of edges) {
      if (e.from !== v || e.to === undefined || !members.has(e.to)) continue;
      if (e.to === start) {
        const path = [start];
        for (let u: string | undefined = v; u !== undefined && u !== start; u = parent.get(u)) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!parent.has(e.to)) {
        parent.set(e.to, v);
        queue.push(e.to);
      }
    }
  }
  return [start];
}

describe('model boundary', () => {
  const files = moduleFiles(MODEL);
  const edges = relativeImports(files);

  it('never imports from impl/ or properties/', () => {
    const forbidden = ['impl', 'properties'].map((d) => join(REPO, d) + sep);
    const offenders = edges
      .filter((e) => forbidden.some((d) => resolve(dirname(e.from), e.spec).startsWith(d)))
      .map((e) => `${rel(e.from)} → ${e.spec}`);
    expect([...new Set(offenders)]).toEqual([]);
  });

  it('every relative import resolves to an existing file', () => {
    const stale = edges.filter((e) => e.to === undefined).map((e) => `${rel(e.from)} → ${e.spec} (no such file)`);
    expect([...new Set(stale)]).toEqual([]);
  });

  it('has no import circle inside model/', () => {
    const found = cycles(files, edges).map(
      (scc) => `${scc.map(rel).join(', ')}; e.g. ${circleThrough(scc, edges).map(rel).join(' → ')}`,
    );
    expect(found).toEqual([]);
  });
});
