/** Precompressed siblings a static file may have (`app.js.br`, `app.js.gz`), best first. */
export const PRECOMPRESSED = [
  { encoding: 'br', suffix: '.br' },
  { encoding: 'gzip', suffix: '.gz' },
] as const;

export type PrecompressedEncoding = (typeof PRECOMPRESSED)[number]['encoding'];

/** Whether a file of this extension is worth compressing: text and WebAssembly, not images or model weights. */
export function isCompressible(file: string): boolean {
  return /\.(?:html|js|mjs|css|json|map|webmanifest|svg|txt|wasm)$/i.test(file);
}

/**
 * The encodings an Accept-Encoding header admits, among those we precompress, in our order of
 * preference (q-values only include or exclude: every browser ranks br and gzip alike). Pure.
 */
export function acceptedEncodings(header: string | undefined): PrecompressedEncoding[] {
  if (!header) return [];
  const quality = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((value) => value !== undefined);
    if (name) quality.set(name, q === undefined ? 1 : Number(q));
  }
  const admits = (encoding: string) => (quality.get(encoding) ?? quality.get('*') ?? 0) > 0;
  return PRECOMPRESSED.map((variant) => variant.encoding).filter(admits);
}
