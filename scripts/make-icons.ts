import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

/**
 * Renders the PWA icons in public/ from public/icon.svg: `npx tsx scripts/make-icons.ts`.
 * The maskable icon fills the whole square with the icon's background and shrinks the glyph into the
 * central safe zone (a circle of 80 % of the width), since launchers crop it to their own shape.
 */
const publicDir = fileURLToPath(new URL('../public', import.meta.url));
const svg = readFileSync(join(publicDir, 'icon.svg'), 'utf8');
const background = /<rect[^>]*fill="(#[0-9a-f]{6})"/i.exec(svg)?.[1];
const glyph = /<path[^>]*\/>/.exec(svg)?.[0];
if (!background || !glyph) throw new Error('public/icon.svg no longer has the <rect> background and <path> glyph this script expects');

const glyphScale = 0.7;
const offset = (64 * (1 - glyphScale)) / 2;
const maskable = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" fill="${background}"/><g transform="translate(${offset} ${offset}) scale(${glyphScale})">${glyph}</g></svg>`;

const outputs = [
  { file: 'icon-192.png', source: svg, size: 192 },
  { file: 'icon-512.png', source: svg, size: 512 },
  { file: 'icon-maskable-512.png', source: maskable, size: 512 },
];
for (const { file, source, size } of outputs) {
  await sharp(Buffer.from(source), { density: (72 * size) / 64 }).resize(size, size).png({ compressionLevel: 9 }).toFile(join(publicDir, file));
  console.log(`public/${file}`);
}
