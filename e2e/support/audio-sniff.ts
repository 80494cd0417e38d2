/** Byte signatures of audio containers, and of their base64 form when a file is embedded as text. */
const SIGNATURES: ReadonlyArray<{ format: string; bytes: Buffer }> = [
  { format: 'RIFF/WAVE', bytes: Buffer.from('RIFF') },
  { format: 'Ogg', bytes: Buffer.from('OggS') },
  { format: 'FLAC', bytes: Buffer.from('fLaC') },
  { format: 'MP3 (ID3)', bytes: Buffer.from('ID3') },
  { format: 'WebM/Matroska', bytes: Buffer.from([0x1a, 0x45, 0xdf, 0xa3]) },
  { format: 'MP4/M4A', bytes: Buffer.from('ftyp') },
];

const base64Signatures = SIGNATURES.map(({ format, bytes }) => ({
  format: `${format}, base64`,
  // Only the characters that encode whole bytes of the signature, so a match does not depend on what follows it.
  bytes: Buffer.from(bytes.toString('base64').slice(0, Math.floor((bytes.length * 8) / 6))),
}));

/** MPEG audio frame sync: 11 set bits, then a valid version, layer and bitrate; 0xFF never occurs in UTF-8 text. */
function hasMpegFrameSync(body: Buffer): boolean {
  for (let i = body.indexOf(0xff); i >= 0 && i + 2 < body.length; i = body.indexOf(0xff, i + 1)) {
    const second = body[i + 1]!;
    const third = body[i + 2]!;
    const version = (second >> 3) & 0b11;
    const layer = (second >> 1) & 0b11;
    const bitrate = third >> 4;
    if ((second & 0xe0) === 0xe0 && version !== 0b01 && layer !== 0 && bitrate !== 0 && bitrate !== 0xf) return true;
  }
  return false;
}

/**
 * Names the audio format whose signature occurs anywhere in `body` (an upload may wrap the file in
 * multipart or JSON), or undefined. The audit also flags every body of 1 KB or more, which covers
 * raw PCM and any container without a signature here.
 */
export function sniffAudio(body: Buffer): string | undefined {
  for (const { format, bytes } of [...SIGNATURES, ...base64Signatures]) {
    if (body.includes(bytes)) return format;
  }
  if (body.includes('data:audio/')) return 'data: URL';
  return hasMpegFrameSync(body) ? 'MPEG audio frame' : undefined;
}
