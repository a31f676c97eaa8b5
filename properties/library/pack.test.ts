/**
 * kfmd as a dependency of someone else's project: `npm pack` (prepack builds dist/), a fresh
 * project that installs the tarball, the worked example (example/) type-checked against the
 * shipped .d.ts and run with vitest, plain Node loading the entry points, and the `kfmd` bin
 * running from the installed package (compiled JavaScript, no tsx).
 *
 * Slow (build + install, about a minute with a warm npm cache); KFMD_PACK_KEEP=1 keeps the
 * scratch directory for a look.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const EXAMPLE = join(import.meta.dirname, 'example');
const INSTALL_TIMEOUT = 5 * 60_000;

interface Ran {
  readonly status: number | null;
  /** the command line, stdout and stderr: the message of a failed expectation */
  readonly log: string;
  readonly stdout: string;
}

function sh(cwd: string, cmd: string, args: readonly string[], timeout = INSTALL_TIMEOUT): Ran {
  // npm run/test lifecycle variables of this repository must not leak into the scratch project
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(npm_package_|npm_lifecycle_|INIT_CWD$)/.test(k)),
  );
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
  const log = `$ ${cmd} ${args.join(' ')}   (in ${cwd}; exit ${r.status ?? r.signal ?? String(r.error)})\n${r.stdout}\n${r.stderr}`;
  return { status: r.status, log, stdout: r.stdout };
}

/** The repository's own pinned range for a dev tool, so the scratch install hits the npm cache. */
function devRange(name: string): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  const range = pkg.devDependencies[name];
  if (range === undefined) throw new Error(`package.json has no devDependency ${name}`);
  return `${name}@${range}`;
}

describe(
  'kfmd as a library: npm pack → install in a fresh project → tsc and vitest on the example',
  { timeout: INSTALL_TIMEOUT },
  () => {
    const scratch = mkdtempSync(join(tmpdir(), 'kfmd-pack-'));
    const project = join(scratch, 'project');
    let tarball = '';
    const notRun = (why: string): Ran => ({ status: null, log: `not run: ${why}`, stdout: '' });
    let packed = notRun('beforeAll did not start');
    let installed = notRun('npm pack failed');

    beforeAll(() => {
      packed = sh(ROOT, 'npm', ['pack', '--pack-destination', scratch]);
      if (packed.status !== 0) return;
      const tgz = readdirSync(scratch).find((f) => f.endsWith('.tgz'));
      if (tgz === undefined) return;
      tarball = join(scratch, tgz);

      // the example is the whole user project but for package.json: its .ts files and its
      // tsconfig.json (strict, module/moduleResolution nodenext, noEmit)
      cpSync(EXAMPLE, project, { recursive: true });
      writeFileSync(
        join(project, 'package.json'),
        JSON.stringify({ name: 'kfmd-user', private: true, type: 'module', scripts: { test: 'vitest run' } }, null, 2),
      );
      // beyond the example: every entry point's declarations (no skipLibCheck), so tsc checks all of them
      writeFileSync(
        join(project, 'entry-points.ts'),
        [
          "import type * as root from 'kfmd';",
          "import type * as model from 'kfmd/model';",
          "import type * as impl from 'kfmd/impl';",
          'export type EntryPoints = [typeof root, typeof model, typeof impl];',
          '',
        ].join('\n'),
      );
      installed = sh(project, 'npm', [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        tarball,
        devRange('vitest'),
        devRange('typescript'),
        devRange('@types/node'),
      ]);
    }, INSTALL_TIMEOUT * 2);

    afterAll(() => {
      if (process.env.KFMD_PACK_KEEP) console.log(`kfmd pack test: scratch directory kept at ${scratch}`);
      else rmSync(scratch, { recursive: true, force: true });
    });

    it('npm pack builds (prepack) and makes a tarball', () => {
      expect(packed.status, packed.log).toBe(0);
      expect(tarball, packed.log).not.toBe('');
    });

    it('the tarball carries compiled JavaScript, declarations and the launcher: no tests, no sources, no tooling', () => {
      expect(tarball).not.toBe('');
      const listed = sh(scratch, 'tar', ['tzf', tarball]);
      expect(listed.status, listed.log).toBe(0);
      const files = listed.stdout
        .split('\n')
        .filter((l) => l !== '' && !l.endsWith('/'))
        .map((l) => l.replace(/^package\//, ''));
      for (const required of [
        'package.json',
        'README.md',
        'properties/app/cli/kfmd.mjs',
        'dist/properties/index.js',
        'dist/properties/index.d.ts',
        'dist/model/index.js',
        'dist/model/index.d.ts',
        'dist/impl/index.js',
        'dist/impl/index.d.ts',
        'dist/properties/app/cli/main.js',
      ])
        expect(files, required).toContain(required);
      // every file the exports map, types and bin name is in the tarball
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
        exports: Record<string, string | Record<string, string>>;
        types: string;
        bin: Record<string, string>;
      };
      const targets = [
        pkg.types,
        ...Object.values(pkg.bin),
        ...Object.values(pkg.exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t))),
      ];
      for (const target of targets)
        expect(files, `package.json names ${target}`).toContain(target.replace(/^\.\//, ''));
      expect(files.filter((f) => /\.(test|mutation)\./.test(f))).toEqual([]);
      expect(files.filter((f) => /\.[cm]?ts$/.test(f) && !/\.d\.[cm]?ts$/.test(f))).toEqual([]);
      expect(files.filter((f) => f.includes('tooling/') || f.includes('library/'))).toEqual([]);
      expect(files.filter((f) => !/^dist\/.*\.(js|d\.ts)$/.test(f)).sort()).toEqual(
        [
          'README.md',
          // the public interfaces' documents: the specification, the contract, the counterexample format
          'model/SPEC.md',
          'impl/contract/CONTRACT.md',
          'properties/engine/core/COUNTEREXAMPLE.md',
          'package.json',
          'properties/app/cli/kfmd.mjs',
          ...files.filter((f) => /^LICENSE/i.test(f)),
        ].sort(),
      );
    });

    it('installs into a fresh project', () => {
      expect(installed.status, installed.log).toBe(0);
    });

    it('tsc type-checks the example against the shipped declarations (strict, nodenext)', () => {
      const r = sh(project, 'npx', ['--no-install', 'tsc', '-p', '.']);
      expect(r.status, r.log).toBe(0);
    });

    it('plain Node loads kfmd, kfmd/model and kfmd/impl', () => {
      const script = `
      const root = await import('kfmd');
      const model = await import('kfmd/model');
      const impl = await import('kfmd/impl');
      const pkg = await import('kfmd/package.json', { with: { type: 'json' } });
      if (typeof model.Oracle !== 'function') throw new Error('kfmd/model: no Oracle');
      if (typeof impl.LockedStore !== 'function') throw new Error('kfmd/impl: no LockedStore');
      console.log(JSON.stringify({ version: pkg.default.version, root: Object.keys(root).length }));`;
      const r = sh(project, 'node', ['--input-type=module', '-e', script]);
      expect(r.status, r.log).toBe(0);
      expect(r.stdout, r.log).toMatch(/"version":/);
    });

    it('the kfmd bin runs from the installed package (compiled, without tsx)', () => {
      const r = sh(project, 'npx', ['--no-install', 'kfmd', 'configs']);
      expect(r.status, r.log).toBe(0);
      expect(r.stdout, r.log).toContain('x86-A16');
    });

    it("vitest runs the example's checks and they hold", () => {
      const r = sh(project, 'npx', ['--no-install', 'vitest', 'run']);
      expect(r.status, r.log).toBe(0);
    });
  },
);
