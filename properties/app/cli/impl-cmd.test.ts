import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildC } from '../../../impl/c/build.ts';

// kfmd check --impl-cmd from the command line, run from a folder outside the repository
const KFMD = fileURLToPath(new URL('./kfmd.mjs', import.meta.url));
const IMPL = pathToFileURL(fileURLToPath(new URL('../../../impl/index.ts', import.meta.url))).href;
const dir = mkdtempSync(join(tmpdir(), 'kfmd-impl-cmd-'));
writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function kfmd(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [KFMD, ...args], {
    encoding: 'utf8',
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, body: string, mode = 0o644): string {
  const path = join(dir, name);
  writeFileSync(path, body);
  chmodSync(path, mode);
  return path;
}

const DECLARES =
  '{"index":"padding-insn","slotPolicy":"lowest-free","locking":{"get":"caller-holds","put":"takes","put_by_ip":"takes"},"readers":{"rcu":true,"norcu":true}}';
const QUICK = ['--config', 'x86-A16', '--runs', '20'];

describe('kfmd check --impl-cmd', () => {
  const refused: readonly [string, () => string[], RegExp][] = [
    [
      'with --impl',
      () => ['--impl', 'v4', '--impl-cmd', 'true'],
      /option '--impl-cmd <command>' cannot be used with option '--impl/,
    ],
    ['an empty command', () => ['--impl-cmd', ' '], /^kfmd: error: --impl-cmd " ": empty command$/],
    [
      'a command that cannot be started',
      () => ['--impl-cmd', join(dir, 'missing')],
      /^kfmd: error: --impl-cmd ".*missing": cannot be started: sh: \d+: exec: .*missing: not found$/,
    ],
    [
      'the name of a built-in',
      () => [
        '--impl-cmd',
        file(
          'v4.sh',
          `#!/bin/sh\nread l; echo '{"t":"hello","version":1,"name":"v4","description":"d","declares":${DECLARES}}'; cat >/dev/null\n`,
          0o755,
        ),
      ],
      /^kfmd: error: --impl-cmd ".*v4\.sh": name "v4" is a built-in implementation's$/,
    ],
    [
      'a step budget of 0',
      () => ['--impl-cmd', 'true', '--step-budget', '0'],
      /--step-budget must be a decimal integer from 1 to 100000000 \(.*\), got "0"/,
    ],
  ];
  it.each(refused)('refused before any work, one line, exit 2: %s', (_what, args, message) => {
    const r = kfmd('check', ...args(), ...QUICK);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
  });

  it("v4.c gives v4's report, counterexamples and all, under its own name; replay --impl-cmd replays them", () => {
    const c = kfmd('check', '--impl-cmd', buildC(), ...QUICK, '--out', join(dir, 'ce'));
    const ts = kfmd('check', '--impl', 'v4', ...QUICK, '--out', join(dir, 'ce'));
    expect(c.stderr).toBe('');
    expect(c.status).toBe(1);
    expect(c.stdout).toMatch(/^kfmd check — implementation v4-c, 1 configuration/);
    expect(c.stdout.replaceAll('v4-c', 'v4')).toBe(ts.stdout);
    const saved = join(dir, 'ce', 'v4-c.x86-A16.foreign-bytes.json');
    const unknown = kfmd('replay', saved);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(
      /unknown implementation "v4-c" \(replay it with --impl FILE or --impl-cmd COMMAND\)/,
    );
    const again = kfmd('replay', saved, '--impl-cmd', buildC());
    expect(again.stderr).toBe('');
    expect(again.status).toBe(1);
    expect(again.stdout).toMatch(/✗ x86-A16 \/ foreign-bytes — D3/);
    expect(again.stdout).not.toMatch(/the report differs/);
  });

  it('a process that misbehaves: every property names what it did, and the run goes on to the next', () => {
    const r = kfmd('check', '--impl-cmd', `${buildC({ sources: ['testing/misbehave.c'] })} crashes`, ...QUICK);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/the implementation threw process was killed by SIGSEGV during get\(0x[0-9a-f]+\)/);
    expect(r.stdout).toMatch(/9 properties: 0 hold, 9 violated/);
  });
});

/** The processes running `path` (read from ps). */
function running(path: string): string[] {
  return execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.startsWith(path));
}

async function until(what: string, cond: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !cond();) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('kfmd check --impl-cmd, interrupted', () => {
  it('a Ctrl-C (SIGINT) ends kfmd and the process it started, even one that hangs', async () => {
    const bin = buildC({ sources: ['testing/misbehave.c'] });
    const args = ['check', '--impl-cmd', `${bin} hangs-wall`, '--wall-budget', '3000', '--suite', 'contract', ...QUICK];
    const k = spawn(process.execPath, [KFMD, ...args], { cwd: dir, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => k.on('exit', (_code, signal) => resolve(signal)));
    await until('the implementation to start', () => running(bin).length > 0, 60_000);
    k.kill('SIGINT');
    expect(await exited).toBe('SIGINT');
    await until('the implementation to be gone', () => running(bin).length === 0, 10_000);
  });
});

describe('the step budget of an in-process plugin (--impl FILE)', () => {
  const forever = file(
    'forever.ts',
    `import * as k from '${IMPL}';
export default {
  name: 'forever', description: 'get yields forever', contract: k.CONTRACT_VERSION,
  declares: { index: 'padding-insn', slotPolicy: 'any-free', locking: k.V4_LOCKING, readers: { rcu: true, norcu: true } },
  create: (kernel) => {
    const s = new k.LockedStore(kernel);
    s.get = function* () { for (;;) yield* kernel.mem.load8(kernel.textBase); };
    return s;
  },
};
`,
  );

  it('an operation that yields forever is a crash naming the budget, sequentially', () => {
    const r = kfmd('check', '--impl', forever, '--step-budget', '1000', '--suite', 'contract', ...QUICK);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      /the implementation threw get took more than 1000 steps \(the step budget per operation\)/,
    );
  });

  it('and concurrently, where it used to end the run with an internal error', () => {
    const r = kfmd('check', '--impl', forever, '--step-budget', '1000', '--schedule', 'pct', ...QUICK);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      /the implementation threw get took more than 1000 steps \(the step budget per operation\)/,
    );
  });
});
