import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// model/ is the specification: it may not borrow from what it judges (impl/) nor from the harness.
// Import circles and unresolvable imports across all three trees are properties/layers.test.ts's.
function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('model boundary', () => {
  it('never imports from impl/ or properties/', () => {
    const root = import.meta.dirname;
    const offenders = tsFiles(root).filter((f) =>
      /(?:from|import)\s*\(?\s*['"](\.\.\/)+(impl|properties)\//.test(readFileSync(f, 'utf8')),
    );
    expect(offenders.map((f) => relative(root, f))).toEqual([]);
  });
});
