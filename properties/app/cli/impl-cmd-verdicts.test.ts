import { afterAll, describe, expect, it } from 'vitest';
import { buildC } from '../../../impl/c/build.ts';
import { commandImplementation } from '../../../impl/protocol/index.ts';
import type { CommandImplementation, CommandOptions } from '../../../impl/protocol/index.ts';
import { configurationByName } from '../../../model/config/index.ts';
import { DEFAULT_GEN } from '../../engine/concurrent/arbitraries.ts';
import { searchConcurrent } from '../../engine/concurrent/search.ts';
import { runCampaign } from '../../engine/sequential/campaign.ts';
import { suiteByName } from '../../engine/sequential/suites.ts';

// An out-of-process implementation that misbehaves gets a verdict naming what it did, and the
// run goes on: each case runs two properties, and both get that verdict. impl/c/testing/misbehave.c
// is v4 whose kfunc_md_get misbehaves as its argument says.

const opened: CommandImplementation[] = [];
afterAll(() => {
  for (const i of opened) i.close();
});

function start(
  args: readonly string[],
  opts: CommandOptions = {},
  defines: readonly string[] = [],
): CommandImplementation {
  const impl = commandImplementation([buildC({ sources: ['testing/misbehave.c'], defines }), ...args], opts);
  opened.push(impl);
  return impl;
}

/** The verdicts of the contract and double-put properties on x86-A16. */
function verdicts(impl: CommandImplementation): { suite: string; check: string; message: string }[] {
  const c = runCampaign(impl, [configurationByName('x86-A16')], [suiteByName('contract'), suiteByName('double-put')], {
    seed: 42,
    numRuns: 10,
  });
  return c.results.map((r) => ({
    suite: r.suite,
    check: r.counterexample?.violation?.check ?? r.status,
    message: r.counterexample?.violation?.message ?? '',
  }));
}

const GET = /in `md_f\d = kfunc_md_get\(f\d\);`$/;

describe('--impl-cmd: what a misbehaving implementation did is its verdict, and the next property still runs', () => {
  it.each([
    ['throws (BUG)', 'throws', {}, /^the implementation threw BUG: no slot for 0xffff8100[0-9a-f]+ in /],
    [
      'loops sending messages (the step budget)',
      'hangs-steps',
      { stepBudget: 500 },
      /^the implementation threw more than 500 messages in get\(0x[0-9a-f]+\) \(the step budget per operation; process killed\)/,
    ],
    [
      'hangs (the wall-clock budget)',
      'hangs-wall',
      { wallBudgetMs: 1000 },
      /^the implementation threw no message for 1000 ms during get\(0x[0-9a-f]+\) \(the wall-clock budget per message; process killed\)/,
    ],
    [
      'crashes mid-operation',
      'crashes',
      {},
      /^the implementation threw process was killed by SIGSEGV during get\(0x[0-9a-f]+\)/,
    ],
    [
      'exits mid-operation',
      'exits',
      {},
      /^the implementation threw process exited with status 3 during get\(0x[0-9a-f]+\)/,
    ],
    [
      'sends a malformed message',
      'malformed',
      {},
      /^the implementation threw malformed message during get\(0x[0-9a-f]+\): addr: Invalid input: expected number, received string \(got \{"t":"load32","addr":"0x10"\}\)/,
    ],
    [
      'returns malformed data',
      'bad-return',
      {},
      /^the implementation threw malformed message during get\(0x[0-9a-f]+\): return value: Invalid input: expected number, received string \(got "md #0"\)/,
    ],
  ] as const)('%s', (_what, mode, opts, message) => {
    const got = verdicts(start([mode], opts));
    expect(got.map((v) => v.suite)).toEqual(['contract', 'double-put']);
    for (const v of got) {
      expect(v.check).toBe('crash');
      expect(v.message).toMatch(message);
      expect(v.message).toMatch(GET);
    }
  });

  it('writes outside its window: the I6 check sees it', () => {
    for (const v of verdicts(start(['scribbles']))) {
      expect(v.check).toBe('I6');
      expect(v.message).toMatch(/^byte f\d ip-1 \(0x[0-9a-f]+\) changed 90 → cc: outside every md window/);
    }
  });

  it('speaks another protocol version: every property names both versions', () => {
    const impl = start(['none'], {}, ['KFMD_PROTOCOL_VERSION=2']);
    expect(impl.handshakeFailure).toBe('protocol version mismatch: the process speaks version 2, this kfmd version 1');
    for (const v of verdicts(impl)) {
      // every verb fails: the first one may be the reader check's trampoline, after a command that is no verb
      expect(['crash', 'reader']).toContain(v.check);
      expect(v.message).toMatch(/threw protocol version mismatch: the process speaks version 2, this kfmd version 1/);
    }
  });

  it('behaves: both properties hold (the cases above are the misbehaviour, not the wrapper)', () => {
    expect(verdicts(start(['none'])).map((v) => v.check)).toEqual(['holds', 'holds']);
  });

  it('concurrently too: a crash on a simulated CPU is a verdict, not an internal error', () => {
    const impl = start(['crashes']);
    const r = searchConcurrent(impl, {
      gen: { ...DEFAULT_GEN, config: configurationByName('x86-A16'), pokeByteOrder: [0, 1, 2, 3, 4] },
      strategy: 'pct',
      seed: 42,
      numRuns: 20,
    });
    expect(r.holds).toBe(false);
    expect(r.run?.violation?.check).toBe('crash');
    expect(r.run?.violation?.message).toMatch(
      /^cpu\d `[^`]+`: the implementation threw process was killed by SIGSEGV during get\(0x[0-9a-f]+\)/,
    );
  });
});
