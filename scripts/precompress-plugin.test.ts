import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { precompressDirectory } from './precompress-plugin.ts';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('precompressDirectory', () => {
  it('writes .br and .gz beside compressible files of 1 KB or more, nested ones included, that decode to the original', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sotto-precompress-'));
    mkdirSync(join(dir, 'assets'));
    const script = 'export const word = "sotto";\n'.repeat(100);
    writeFileSync(join(dir, 'assets', 'app.js'), script);
    writeFileSync(join(dir, 'tiny.css'), 'a{}');
    writeFileSync(join(dir, 'icon.png'), new Uint8Array(4096));

    expect(await precompressDirectory(dir)).toBe(1);
    expect(brotliDecompressSync(readFileSync(join(dir, 'assets', 'app.js.br'))).toString()).toBe(script);
    expect(gunzipSync(readFileSync(join(dir, 'assets', 'app.js.gz'))).toString()).toBe(script);
    expect(readFileSync(join(dir, 'assets', 'app.js.br')).length).toBeLessThan(script.length / 10);
    for (const skipped of ['tiny.css.br', 'tiny.css.gz', 'icon.png.br', 'icon.png.gz']) expect(existsSync(join(dir, skipped))).toBe(false);
  });
});
