import { describe, expect, it } from 'vitest';
import { ProtocolFailure } from './failure.ts';
import {
  helloSchema,
  helloVersionSchema,
  mdValueSchema,
  messageSchema,
  parseLine,
  parseValue,
  trampolineValueSchema,
  viewValueSchema,
} from './messages.ts';
import { callLine, createLine, encodeU64, helloLine, okLine } from './requests.ts';

const parse = (line: string): unknown => parseLine(messageSchema, line, 'get(0x10)');

/** the message of the failure `f` throws */
function failure(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolFailure);
    return (err as Error).message;
  }
  throw new Error('no failure');
}

describe('the messages an implementation sends', () => {
  it.each([
    '{"t":"load8","addr":4096}',
    '{"t":"load32","addr":4096}',
    '{"t":"load64","addr":4096}',
    '{"t":"store8","addr":4096,"value":255}',
    '{"t":"store32","addr":4096,"value":4294967295}',
    '{"t":"store32","addr":4096,"value":-1}',
    '{"t":"store64","addr":4096,"value":281472971833344}',
    '{"t":"mutex_lock","lock":"kfunc_md_mutex"}',
    '{"t":"mutex_unlock","lock":"text_mutex"}',
    '{"t":"rcu_read_lock"}',
    '{"t":"rcu_read_unlock"}',
    '{"t":"synchronize_rcu"}',
    '{"t":"alloc_pages","order":1}',
    '{"t":"free_pages","addr":4096,"order":0}',
    '{"t":"warn","site":"put-users","message":"users 0 <= 0"}',
    '{"t":"define_static","name":"kfunc_md_count","bytes":[16,0,0,0]}',
    '{"t":"is_mapped","addr":4096,"size":16}',
    '{"t":"peek","addr":4096,"size":16}',
    '{"t":"bug","message":"no slot"}',
    '{"t":"ret"}',
    '{"t":"ret","value":4096}',
  ])('accepts %s', (line) => {
    expect(parse(line)).toEqual(JSON.parse(line));
  });

  it('accepts a garbage pointer above 2^53 (fresh pages hold 0xa5…), as the TypeScript loads return it', () => {
    const garbage = Number(0xa5a5_a5a5_a5a5_a5a5n);
    expect(parse(`{"t":"load8","addr":${encodeU64(garbage - 16)}}`)).toEqual({ t: 'load8', addr: garbage - 16 });
  });

  it.each([
    ['not JSON', '{"t":"load8",', /during get\(0x10\): not JSON \(got \{"t":"load8",\)/],
    ['an unknown kind', '{"t":"load16","addr":1}', /t: Invalid discriminator value/],
    ['an address as a string', '{"t":"load32","addr":"0x10"}', /addr: Invalid input: expected number, received string/],
    ['a fraction', '{"t":"load32","addr":1.5}', /addr: expected an integer/],
    ['a negative address', '{"t":"load32","addr":-16}', /addr: Too small/],
    ['a byte out of range', '{"t":"store8","addr":1,"value":256}', /value: Too big/],
    ['a field the message has not', '{"t":"load8","addr":1,"size":1}', /Unrecognized key: "size"/],
    ['a missing field', '{"t":"store32","addr":1}', /value: Invalid input/],
    ['a mutex that is no C identifier', '{"t":"mutex_lock","lock":"a b"}', /lock: a C identifier/],
    ['an array', '[1]', /Invalid input/],
  ])('refuses %s, naming what is wrong', (_what, line, why) => {
    const message = failure(() => parse(line));
    expect(message).toMatch(/^malformed message during get\(0x10\): /);
    expect(message).toMatch(why);
  });

  it('quotes at most 160 characters of a long line', () => {
    const message = failure(() => parse(`{"t":"warn","site":"x","message":"${'m'.repeat(5000)}"}`));
    expect(message).toMatch(/message: Too big/);
    expect(message.length).toBeLessThan(400);
  });

  it('the hello: its version is read before its shape, so another version is named as such', () => {
    const v2 = '{"t":"hello","version":2,"whatever":true}';
    expect(parseLine(helloVersionSchema, v2, 'the handshake').version).toBe(2);
    expect(failure(() => parseLine(helloSchema, v2, 'the handshake'))).toMatch(/name: Invalid input/);
    const ok = {
      t: 'hello',
      version: 1,
      name: 'mine',
      description: 'd',
      declares: {
        index: 'padding-insn',
        slotPolicy: 'any-free',
        locking: { get: 'caller-holds', put: 'takes', put_by_ip: 'takes' },
        readers: { rcu: true, norcu: false },
      },
    };
    expect(parseLine(helloSchema, JSON.stringify(ok), 'the handshake')).toEqual(ok);
    const bad = { ...ok, declares: { ...ok.declares, slotPolicy: 'random' } };
    expect(failure(() => parseLine(helloSchema, JSON.stringify(bad), 'the handshake'))).toMatch(
      /declares\.slotPolicy: Invalid option/,
    );
  });

  it('return values: a pointer, the trampoline view, the store view', () => {
    expect(parseValue(mdValueSchema, 4096, 'get')).toBe(4096);
    expect(failure(() => parseValue(mdValueSchema, 'md #0', 'get'))).toMatch(
      /during get: return value: Invalid input: expected number, received string \(got "md #0"\)/,
    );
    expect(failure(() => parseValue(mdValueSchema, undefined, 'get'))).toMatch(/\(got nothing\)/);
    expect(parseValue(trampolineValueSchema, { md: 0, users: -1, func: 0 }, 'trampoline').users).toBe(-1);
    expect(failure(() => parseValue(trampolineValueSchema, { md: 0, users: 2 ** 31, func: 0 }, 'trampoline'))).toMatch(
      /users: Too big/,
    );
    const view = {
      arrayBase: 4096,
      count: 1,
      used: 1,
      order: 0,
      entriesPerPage: 16,
      layout: { size: 16, users: 0, func: 8 },
      entries: [{ md: 4096, users: 1, func: 8192 }],
    };
    expect(parseValue(viewValueSchema, view, 'inspect')).toEqual(view);
    expect(failure(() => parseValue(viewValueSchema, { ...view, layout: { size: 16 } }, 'inspect'))).toMatch(
      /layout\.users/,
    );
  });
});

describe('the messages kfmd sends', () => {
  it('writes every value as the exact integer the double holds', () => {
    expect(encodeU64(0)).toBe('0');
    expect(encodeU64(2 ** 53 - 1)).toBe('9007199254740991');
    // JSON.stringify would write 11936128518282652000, which is not the double's value
    expect(encodeU64(Number(0xa5a5_a5a5_a5a5_a5a5n))).toBe(BigInt(Number(0xa5a5_a5a5_a5a5_a5a5n)).toString());
    expect(encodeU64(2 ** 64)).toBe('18446744073709551615');
    expect(() => encodeU64(-1)).toThrow(RangeError);
  });

  it('hello, create, call and ok lines', () => {
    expect(helloLine()).toBe('{"t":"hello","version":1}');
    expect(callLine(3, 'trampoline', { ip: 16, rcu: false })).toBe(
      '{"t":"call","op":3,"verb":"trampoline","ip":16,"rcu":false}',
    );
    expect(callLine(4, 'put', { md: 32 })).toBe('{"t":"call","op":4,"verb":"put","md":32}');
    expect(callLine(5, 'lock')).toBe('{"t":"call","op":5,"verb":"lock"}');
    expect(okLine(3, undefined)).toBe('{"t":"ok","op":3}');
    expect(okLine(3, 144)).toBe('{"t":"ok","op":3,"value":144}');
    expect(okLine(3, true)).toBe('{"t":"ok","op":3,"value":true}');
    expect(okLine(3, null)).toBe('{"t":"ok","op":3,"value":null}');
    expect(okLine(3, '0a0b')).toBe('{"t":"ok","op":3,"value":"0a0b"}');
    const boot = {
      arch: 'x86' as const,
      config: { CONFIG_CFI_CLANG: false },
      pageSize: 256,
      maxOrder: 10,
      textBase: 4096,
      textSize: 64,
      pokeByteOrder: [0, 1, 2, 3, 4],
      functions: [{ name: 'f0', ip: 4112, padded: true }],
    };
    expect(JSON.parse(createLine(1, boot))).toEqual({ t: 'create', op: 1, boot });
  });
});
