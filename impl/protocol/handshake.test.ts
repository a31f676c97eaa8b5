import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createKernel } from '../kernel/kernel.ts';
import { runSequential } from '../kernel/run.ts';
import { padded, x86 } from '../testing/fixtures.ts';
import { ImplCommandError } from './failure.ts';
import { commandImplementation } from './implementation.ts';
import type { CommandImplementation, CommandOptions } from './implementation.ts';

// implementations as shell scripts: the handshake needs no compiler
const dir = mkdtempSync(join(tmpdir(), 'kfmd-handshake-'));
const opened: CommandImplementation[] = [];
afterAll(() => {
  for (const i of opened) i.close();
  rmSync(dir, { recursive: true, force: true });
});

const DECLARES =
  '{"index":"padding-insn","slotPolicy":"any-free","locking":{"get":"caller-holds","put":"takes","put_by_ip":"takes"},"readers":{"rcu":true,"norcu":false}}';
const hello = (version: number, description = 'a shell script'): string =>
  `{"t":"hello","version":${version},"name":"sh-impl","description":"${description}","declares":${DECLARES}}`;

function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

function start(command: string | readonly string[], opts: CommandOptions = {}): CommandImplementation {
  const impl = commandImplementation(command, opts);
  opened.push(impl);
  return impl;
}

/** What the first verb of a store made by `impl` throws. */
function firstVerb(impl: CommandImplementation): string {
  const kernel = createKernel({ options: x86(), functions: padded(1), pageSize: 256 });
  const store = impl.create(kernel);
  expect(store.inspect()).toMatchObject({ arrayBase: 0, count: 0, layout: { size: 16, users: 0, func: 8 } });
  try {
    runSequential(kernel, store.get(kernel.fn('f0').ip));
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the verb did not throw');
}

describe('the handshake', () => {
  it('a process that speaks version 1 gives its name, description and declarations', () => {
    const impl = start(script('good.sh', `read line; echo '${hello(1)}'; while read line; do :; done`));
    expect(impl.handshakeFailure).toBeNull();
    expect(impl.name).toBe('sh-impl');
    expect(impl.description).toBe('a shell script');
    expect(impl.declares).toEqual(JSON.parse(DECLARES));
  });

  it('the command line is split into words as a shell would, without one', () => {
    const path = script(
      'args.sh',
      `read line; echo "{\\"t\\":\\"hello\\",\\"version\\":1,\\"name\\":\\"sh-impl\\",\\"description\\":\\"$1|$2\\",\\"declares\\":${DECLARES.replace(/"/g, '\\"')}}"; while read line; do :; done`,
    );
    expect(start(`${path} "two words" '$HOME'`).description).toBe('two words|$HOME');
  });

  it('another protocol version: every verb names both versions, and the run can go on', () => {
    const impl = start(script('v2.sh', `read line; echo '${hello(2)}'; while read line; do :; done`));
    expect(impl.handshakeFailure).toBe('protocol version mismatch: the process speaks version 2, this kfmd version 1');
    expect(impl.name).toBe('cmd:v2.sh');
    expect(firstVerb(impl)).toBe(impl.handshakeFailure);
    // a second store (the next property) reports the same, without starting the process again
    expect(firstVerb(impl)).toBe(impl.handshakeFailure);
  });

  it.each([
    [
      'not JSON',
      `read line; echo 'hello there'`,
      /^malformed message during the handshake: not JSON \(got hello there\)$/,
    ],
    [
      'no declarations',
      `read line; echo '{"t":"hello","version":1,"name":"x","description":"d"}'`,
      /during the handshake: declares: Invalid input/,
    ],
    [
      'an exit first',
      'read line; echo oops >&2; exit 4',
      /^process exited with status 4 \(stderr: oops\) during the handshake$/,
    ],
    ['a signal first', 'kill -SEGV $$', /^process was killed by SIGSEGV during the handshake$/],
  ])('a hello that goes wrong (%s) is the verdict of every verb', (name, body, why) => {
    const impl = start(script(`${name.replace(/\W+/g, '-')}.sh`, body));
    expect(impl.handshakeFailure).toMatch(why);
    expect(firstVerb(impl)).toMatch(why);
  });

  it('a process that never says hello is killed after the start budget', () => {
    const t0 = Date.now();
    const impl = start(script('silent.sh', 'sleep 60'), { startBudgetMs: 500 });
    expect(impl.handshakeFailure).toBe(
      'no message for 500 ms during the handshake (the wall-clock budget per message; process killed)',
    );
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it.each([
    ['an empty command', '  ', /^empty command$/],
    ['no such file', join(dir, 'missing'), /^cannot be started: .*missing: not found$/],
    [
      'a file that is not executable',
      (() => {
        const p = join(dir, 'plain.txt');
        writeFileSync(p, 'text');
        return p;
      })(),
      /^cannot be started: .*plain\.txt: Permission denied$/,
    ],
  ])('%s cannot be started: ImplCommandError, before any work', (_what, command, why) => {
    let thrown: unknown;
    try {
      start(command);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ImplCommandError);
    expect((thrown as Error).message).toMatch(why);
  });
});
