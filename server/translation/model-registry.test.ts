import { describe, expect, it } from 'vitest';
import { bucketOf, fnv1a, ModelRegistry, RegistryError } from './model-registry.ts';

const registry = () => new ModelRegistry({ default: 'a@1' }, () => 1000);

describe('the model registry', () => {
  it('routes everything to the stable version until a candidate is warmed', () => {
    const r = registry();
    r.deploy('default', 'b@2');
    expect(r.get('default').candidate).toEqual({ version: 'b@2', phase: 'loading', percent: 0 });
    expect(r.route('default', 'key:alice')).toBe('a@1');
    r.warmed('default', 'b@2', 100);
    expect(r.route('default', 'key:alice')).toBe('b@2');
  });

  it('promotes atomically: the candidate becomes stable, the stable becomes previous', () => {
    const r = registry();
    r.deploy('default', 'b@2');
    r.warmed('default', 'b@2', 10);
    expect(r.promote('default')).toEqual({ retired: [] });
    expect(r.get('default')).toMatchObject({ stable: 'b@2', previous: 'a@1' });
    expect(r.get('default').candidate).toBeUndefined();
    r.deploy('default', 'c@3');
    r.warmed('default', 'c@3', 0);
    expect(r.promote('default')).toEqual({ retired: ['a@1'] });
    expect(r.inUse()).toEqual(new Set(['c@3', 'b@2']));
  });

  it('rolls back to the previous version in one call, retiring the one rolled back from', () => {
    const r = registry();
    r.deploy('default', 'b@2');
    r.warmed('default', 'b@2', 100);
    r.promote('default');
    const { retired, record } = r.rollback('default', 'manual');
    expect(retired).toEqual(['b@2']);
    expect(record).toEqual({ at: 1000, from: 'b@2', to: 'a@1', reason: 'manual' });
    expect(r.get('default').stable).toBe('a@1');
    expect(r.get('default').previous).toBeUndefined();
    expect(r.get('default').rollbacks).toEqual([record]);
    expect(() => r.rollback('default', 'manual')).toThrow(RegistryError);
  });

  it('rolls back a canary by dropping the candidate; the stable and previous stay', () => {
    const r = registry();
    r.deploy('default', 'b@2');
    r.warmed('default', 'b@2', 100);
    r.promote('default');
    r.deploy('default', 'c@3');
    r.warmed('default', 'c@3', 20);
    expect(r.rollback('default', 'error-rate').retired).toEqual(['c@3']);
    expect(r.get('default')).toMatchObject({ stable: 'b@2', previous: 'a@1' });
    expect(r.get('default').candidate).toBeUndefined();
  });

  it('refuses transitions that do not apply', () => {
    const r = registry();
    expect(() => r.promote('default')).toThrow(/no candidate/);
    expect(() => r.deploy('default', 'a@1')).toThrow(/already serves/);
    expect(() => r.deploy('other', 'b@2')).toThrow(expect.objectContaining({ kind: 'unknown' }));
    r.deploy('default', 'b@2');
    expect(() => r.deploy('default', 'c@3')).toThrow(expect.objectContaining({ kind: 'conflict' }));
    expect(() => r.promote('default')).toThrow(/loading, not warmed/);
    expect(() => r.setCanary('default', 5)).toThrow(/loading/);
    expect(r.failed('default', 'b@2')).toEqual({ retired: ['b@2'] });
    expect(r.get('default').candidate).toBeUndefined();
  });

  it('does not retire a version another served model still uses', () => {
    const r = new ModelRegistry({ one: 'a@1', two: 'a@1' });
    r.deploy('one', 'b@2');
    r.warmed('one', 'b@2', 100);
    r.promote('one');
    expect(r.rollback('one', 'manual').retired).toEqual(['b@2']);
    r.deploy('one', 'b@2');
    r.warmed('one', 'b@2', 100);
    r.promote('one');
    r.deploy('one', 'c@3');
    r.warmed('one', 'c@3', 100);
    expect(r.promote('one').retired).toEqual([]);
  });
});

describe('canary routing', () => {
  const clients = Array.from({ length: 4000 }, (_, i) => `key:client-${i}`);

  it('hashes with FNV-1a', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
  });

  it('keeps each client on one version while the share stays the same', () => {
    const r = registry();
    r.deploy('default', 'b@2');
    r.warmed('default', 'b@2', 25);
    for (const client of clients.slice(0, 200)) {
      const first = r.route('default', client);
      for (let i = 0; i < 5; i++) expect(r.route('default', client)).toBe(first);
    }
  });

  it('sends about the configured share of clients to the candidate, and only more when it grows', () => {
    const r = registry();
    r.deploy('default', 'b@2');
    r.warmed('default', 'b@2', 10);
    const at10 = clients.filter((client) => r.route('default', client) === 'b@2');
    expect(at10.length / clients.length).toBeGreaterThan(0.08);
    expect(at10.length / clients.length).toBeLessThan(0.12);
    r.setCanary('default', 50);
    const at50 = clients.filter((client) => r.route('default', client) === 'b@2');
    expect(at50.length / clients.length).toBeGreaterThan(0.46);
    expect(at50.length / clients.length).toBeLessThan(0.54);
    expect(at10.every((client) => at50.includes(client))).toBe(true);
  });

  it('buckets per served model, and routes callers without an id at random', () => {
    expect(bucketOf('one', 'key:x')).not.toBe(bucketOf('two', 'key:x'));
    const r = registry();
    r.deploy('default', 'b@2');
    r.warmed('default', 'b@2', 30);
    expect(r.route('default', undefined, () => 0.29)).toBe('b@2');
    expect(r.route('default', undefined, () => 0.3)).toBe('a@1');
  });
});
