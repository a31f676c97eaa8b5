import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

// The layers of properties/, lowest first. A module may import from its own layer or a lower one,
// and from model/ and impl/ (below every layer). The three drivers of layer 2 are siblings: none
// imports another. Test files obey the rules of the folder they sit in; the files at the root of
// properties/ are the library entry (index.ts) and checks of the whole tree such as this one.
// The scanner is deliberately a copy of the one in model/boundary.test.ts, not a shared module.

interface Layer {
  level: number;
  name: string;
  /** a sibling unit may not import another unit of the same level */
  siblings?: true;
  holds(path: string): boolean;
}

const under =
  (folder: string) =>
  (path: string): boolean =>
    path.startsWith(`properties/${folder}/`);

const LAYERS: readonly Layer[] = [
  { level: 1, name: 'engine/core', holds: under('engine/core') },
  { level: 2, name: 'engine/sequential', siblings: true, holds: under('engine/sequential') },
  { level: 2, name: 'engine/concurrent', siblings: true, holds: under('engine/concurrent') },
  { level: 2, name: 'engine/layout', siblings: true, holds: under('engine/layout') },
  { level: 3, name: 'impls', holds: under('impls') },
  // the application: the CLI and the reports it prints
  { level: 4, name: 'app', holds: under('app') },
  // the library entry offers what the CLI does, programmatically, with the same reports
  { level: 5, name: 'index', holds: (p) => p === 'properties/index.ts' || /^properties\/[^/]+\.test\.ts$/.test(p) },
  { level: 6, name: 'tooling', holds: under('tooling') },
  { level: 6, name: 'library', holds: under('library') },
];

const REPO = resolve(import.meta.dirname, '..');
const TREES = ['model', 'impl', 'properties'];
const MODULE = /\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/;

function layerOf(path: string): Layer | undefined {
  return LAYERS.find((l) => l.holds(path));
}

/** Repository-relative path with forward slashes: the form every message and layer uses. */
function rel(p: string): string {
  return relative(REPO, p).split(sep).join('/');
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name.startsWith('.') || e.name === 'node_modules') return [];
    const p = join(dir, e.name);
    return e.isDirectory() ? files(p) : [p];
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
  /** repository-relative */
  from: string;
  spec: string;
  /** repository-relative; undefined when no file answers the specifier */
  to: string | undefined;
}

function relativeImports(modules: readonly string[]): Edge[] {
  return modules.flatMap((from) =>
    specifiers(readFileSync(join(REPO, from), 'utf8'))
      .filter((spec) => spec.startsWith('./') || spec.startsWith('../'))
      .map((spec) => {
        const to = resolveSpecifier(join(REPO, from), spec);
        return { from, spec, to: to === undefined ? undefined : rel(to) };
      }),
  );
}

/** Strongly connected components (Tarjan) that hold a cycle: more than one file, or a file importing itself. */
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

function describeLayer(l: Layer): string {
  return `layer ${l.level} ${l.name}`;
}

/** Why `from` may not import `to`, or undefined when it may. */
function violation(from: string, to: string): string | undefined {
  const a = layerOf(from);
  if (a === undefined || !to.startsWith('properties/')) return undefined;
  const b = layerOf(to);
  if (b === undefined) return `${describeLayer(a)} imports a file outside every layer`;
  if (b.level > a.level) return `${describeLayer(a)} imports ${describeLayer(b)}`;
  if (b.level === a.level && b !== a && a.siblings === true)
    return `${describeLayer(a)} imports its sibling ${describeLayer(b)}`;
  return undefined;
}

describe('properties layers', () => {
  const all = TREES.flatMap((t) => files(join(REPO, t))).map(rel);
  const modules = all.filter((p) => MODULE.test(p));
  const edges = relativeImports(modules);

  it('the import scanner reads every import form and skips comments and strings', () => {
    const source = `import a from './a.ts';
import type {
  B,
  C,
} from "./bc.ts";
import{ d }from'./d.ts';
export * from './e.ts';
export { type F, g as h } from './fg.ts';
import './side-effect.ts';
const i = await import('./dynamic.ts');
const j = await import(\`./template.ts\`, { with: { type: 'json' } });
// import k from './commented.ts';
/* export { l } from './block-commented.ts'; */
const m = "import n from './in-a-string.ts'";
const p = \`import q from './in-a-template.ts'\${m}\`;
const o = import.meta.dirname + reimport('./not-an-import.ts') + x.import('./nor-this.ts');
import pkg from 'vitest';`;
    expect(specifiers(source)).toEqual([
      './a.ts',
      './bc.ts',
      './d.ts',
      './e.ts',
      './fg.ts',
      './side-effect.ts',
      './dynamic.ts',
      './template.ts',
      'vitest',
    ]);
  });

  it('every relative import resolves to an existing file', () => {
    const stale = edges.filter((e) => e.to === undefined).map((e) => `${e.from} → ${e.spec} (no such file)`);
    expect([...new Set(stale)]).toEqual([]);
  });

  it('every file under properties/ belongs to a layer', () => {
    const unplaced = all.filter((p) => p.startsWith('properties/') && layerOf(p) === undefined);
    expect(unplaced).toEqual([]);
  });

  it('no module imports a higher layer or a sibling', () => {
    const wrong = edges.flatMap((e) => {
      const why = e.to === undefined ? undefined : violation(e.from, e.to);
      return why === undefined ? [] : [`${e.from} → ${e.to ?? e.spec} (${why})`];
    });
    expect([...new Set(wrong)]).toEqual([]);
  });

  it('model/ and impl/ never import properties/', () => {
    const wrong = edges
      .filter((e) => !e.from.startsWith('properties/'))
      .filter((e) => rel(resolve(REPO, dirname(e.from), e.spec)).startsWith('properties/'))
      .map((e) => `${e.from} → ${e.spec}`);
    expect([...new Set(wrong)]).toEqual([]);
  });

  it('has no import circle across model/, impl/ and properties/ (type-only imports count)', () => {
    const found = cycles(modules, edges).map(
      (scc) => `${scc.join(', ')}; e.g. ${circleThrough(scc, edges).join(' → ')}`,
    );
    expect(found).toEqual([]);
  });
});
