import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../config.ts';
import { allSettings } from './all-settings.ts';
import { readmeSettingsTable, settingsEnd, settingsStart, withSettingsTable } from './readme-settings.ts';
import { parseSettings } from './setting.ts';

const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
const declared = allSettings.flatMap((table) => Object.values(table));

describe('withSettingsTable', () => {
  it('replaces what stands between the markers, and only that', () => {
    const text = `intro\n${settingsStart}\nold table\n${settingsEnd}\nmore`;
    expect(withSettingsTable(text, '| new |')).toBe(`intro\n${settingsStart}\n| new |\n${settingsEnd}\nmore`);
    expect(withSettingsTable(withSettingsTable(text, '| new |'), '| new |')).toBe(withSettingsTable(text, '| new |'));
  });

  it('refuses a README without the markers', () => {
    expect(() => withSettingsTable('# no table here', '| new |')).toThrow(/has no .*settings:start.*markers/);
  });
});

describe('the settings tables', () => {
  it('are what README.md shows', () => {
    expect(withSettingsTable(readme, readmeSettingsTable()), 'README.md is out of date with the settings: run `npm run docs:settings`').toBe(readme);
  });

  it('declare each variable once', () => {
    const names = declared.map((spec) => spec.env);
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
  });

  it('say in words what the defaults that follow the machine follow, so the README is the same on every machine', () => {
    expect(declared.filter((spec) => typeof spec.default === 'function' && spec.shownDefault === undefined).map((spec) => spec.env)).toEqual([]);
  });

  it.each([
    ['a small machine', { cores: 1, memoryBytes: 2 ** 30 }],
    ['a large machine', { cores: 128, memoryBytes: 2 ** 40 }],
  ])('have defaults that parse on %s', (_, machine) => {
    for (const table of allSettings) expect(parseSettings(table, {}, machine)).toMatchObject({ ok: true });
  });

  it('cover every SOTTO_ variable the READMEs, the deploy manifests and the Containerfile name', () => {
    const deployFiles = readdirSync(path.join(repoRoot, 'deploy'), { recursive: true, encoding: 'utf8' }).filter((file) => /(\.(ya?ml|md)|Containerfile)$/.test(file));
    const texts = [readme, ...deployFiles.map((file) => readFileSync(path.join(repoRoot, 'deploy', file), 'utf8'))];
    const named = new Set(texts.flatMap((text) => text.match(/\bSOTTO_[A-Z0-9_]*[A-Z0-9]\b/g) ?? []));
    const known = new Set(declared.map((spec) => spec.env));
    expect([...named].filter((name) => !known.has(name))).toEqual([]);
  });
});
