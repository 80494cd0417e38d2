import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { markdownTable, parseSettings, readSettings, setting } from './setting.ts';

const machine = { cores: 4, memoryBytes: 8 * 2 ** 30 };
const table = {
  port: setting({ env: 'PORT', default: '8080', schema: z.string().regex(/^\d+$/, 'must be a whole number').transform(Number), doc: 'port to listen on' }),
  workers: setting({ env: 'WORKERS', default: (m) => String(m.cores / 2), shownDefault: 'half the cores', schema: z.string().transform(Number), doc: 'inference workers' }),
  token: setting({ env: 'TOKEN_HASH', default: '', schema: z.string().regex(/^(|sha256\$[0-9a-f]{64})$/, 'must be sha256$<hex>'), doc: 'a | pipe', secret: true }),
};

describe('parseSettings', () => {
  it('takes defaults for unset and empty variables, the machine\'s where they follow it', () => {
    expect(parseSettings(table, { PORT: '' }, machine)).toEqual({ ok: true, values: { port: 8080, workers: 2, token: '' } });
  });

  it('parses what the variables say', () => {
    expect(parseSettings(table, { PORT: '9000', WORKERS: '3' }, machine)).toMatchObject({ ok: true, values: { port: 9000, workers: 3 } });
  });

  it('reports every bad variable at once, without echoing secrets', () => {
    expect(parseSettings(table, { PORT: 'eighty', TOKEN_HASH: 'hunter2' }, machine)).toEqual({
      ok: false,
      problems: ['  PORT="eighty": must be a whole number', '  TOKEN_HASH: must be sha256$<hex>'],
    });
  });
});

describe('readSettings', () => {
  const listed = { ...table, hosts: setting({ env: 'HOSTS', default: '', schema: z.string(), doc: 'hosts', echoValue: false }) };

  it('keeps the values that parsed beside the problems, for checks across variables', () => {
    const reading = readSettings(listed, { PORT: 'eighty', WORKERS: '3' }, machine);
    expect(reading.values).toEqual({ workers: 3, token: '', hosts: '' });
    expect(reading.problems).toEqual(['  PORT="eighty": must be a whole number']);
  });

  it('reports against a variable, echoing its text unless it is secret or says its messages name the fault', () => {
    const reading = readSettings(listed, { WORKERS: '9', TOKEN_HASH: '', HOSTS: 'a,b' }, machine);
    reading.report('workers', 'must not exceed PORT');
    reading.report('token', 'is needed');
    reading.report('hosts', 'line 2: no host');
    reading.report('hosts', 'cannot be read', '/abs/hosts');
    expect(reading.problems).toEqual([
      '  WORKERS="9": must not exceed PORT',
      '  TOKEN_HASH: is needed',
      '  HOSTS: line 2: no host',
      '  HOSTS="/abs/hosts": cannot be read',
    ]);
    expect(reading.result(() => 'settings')).toEqual({ ok: false, problems: reading.problems });
  });

  it('builds the settings once every variable parsed', () => {
    expect(readSettings(listed, { PORT: '81' }, machine).result(({ port, workers }) => ({ address: `:${port}`, workers }))).toEqual({
      ok: true,
      settings: { address: ':81', workers: 2 },
    });
  });
});

describe('markdownTable', () => {
  it('lists each variable with its default and meaning, escaping pipes', () => {
    expect(markdownTable([table], machine)).toBe(
      [
        '| variable | default | meaning |',
        '|---|---|---|',
        '| `PORT` | `8080` | port to listen on |',
        '| `WORKERS` | half the cores | inference workers |',
        '| `TOKEN_HASH` | none | a \\| pipe |',
      ].join('\n'),
    );
  });
});
