import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { sniffAudio } from './support/audio-sniff.ts';

// The privacy test passes when the audit finds nothing, so the audit must be shown to find audio.
const speech = readFileSync(inject('audioFixtures').speech);
const dir = mkdtempSync(join(tmpdir(), 'sotto-sniff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function encoded(type: 'flac' | 'ogg' | 'mp3'): Buffer {
  const path = join(dir, `speech.${type}`);
  execFileSync('sox', [inject('audioFixtures').speech, '-t', type, path], { stdio: ['ignore', 'ignore', 'pipe'] });
  return readFileSync(path);
}

describe('sniffAudio', () => {
  it.each([
    { name: 'WAV', body: () => speech, format: 'RIFF/WAVE' },
    { name: 'FLAC', body: () => encoded('flac'), format: 'FLAC' },
    { name: 'Ogg Vorbis', body: () => encoded('ogg'), format: 'Ogg' },
    { name: 'MP3 without an ID3 tag', body: () => encoded('mp3'), format: 'MPEG audio frame' },
    { name: 'MP3 with an ID3 tag', body: () => Buffer.concat([Buffer.from('ID3\x04\x00'), encoded('mp3')]), format: 'MP3 (ID3)' },
    { name: 'WebM', body: () => Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81]), format: 'WebM/Matroska' },
    { name: 'M4A', body: () => Buffer.from('\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00'), format: 'MP4/M4A' },
    { name: 'WAV inside multipart form data', body: () => Buffer.concat([Buffer.from('--boundary\r\nContent-Type: audio/wav\r\n\r\n'), speech.subarray(0, 64)]), format: 'RIFF/WAVE' },
    { name: 'WAV as base64 in JSON', body: () => Buffer.from(JSON.stringify({ audio: speech.subarray(0, 48).toString('base64') })), format: 'RIFF/WAVE, base64' },
    { name: 'a data: URL', body: () => Buffer.from('{"clip":"data:audio/webm;codecs=opus,..."}'), format: 'data: URL' },
  ])('finds $name', ({ body, format }) => {
    expect(sniffAudio(body())).toBe(format);
  });

  it.each([
    { name: 'nothing', body: Buffer.alloc(0) },
    { name: 'JSON text', body: Buffer.from(JSON.stringify({ text: 'Speech recognition runs on this device.', lang: 'en' })) },
    { name: 'form fields', body: Buffer.from('q=hello+world&source=en&target=de') },
  ])('finds no audio in $name', ({ body }) => {
    expect(sniffAudio(body)).toBeUndefined();
  });
});
