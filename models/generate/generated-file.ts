import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ModelFile } from '../../contract/manifest-schema.ts';

/** A file of a generated model: one buffer, or the parts of a large file in order (written one after another, never joined). */
export interface GeneratedFile {
  path: string;
  content: Uint8Array | readonly Uint8Array[];
}

/** A generated file held in one buffer. */
export type BufferedFile = GeneratedFile & { content: Uint8Array };

export function jsonFile(path: string, value: object): BufferedFile {
  return { path, content: new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`) };
}

const partsOf = (file: GeneratedFile): readonly Uint8Array[] => (file.content instanceof Uint8Array ? [file.content] : file.content);

/** Writes the file under `folder`, returning its size and SHA-256 (computed on the way, not by reading it back). */
export function writeGeneratedFile(folder: string, file: GeneratedFile): Required<ModelFile> {
  const target = join(folder, file.path);
  mkdirSync(dirname(target), { recursive: true });
  const hash = createHash('sha256');
  let bytes = 0;
  const fd = openSync(target, 'w');
  try {
    for (const part of partsOf(file)) {
      for (let offset = 0; offset < part.byteLength; ) offset += writeSync(fd, part, offset);
      hash.update(part);
      bytes += part.byteLength;
    }
  } finally {
    closeSync(fd);
  }
  return { path: file.path, bytes, sha256: hash.digest('hex') };
}

/** The SHA-256 of a file on disk, read in pieces; undefined when there is no such file. */
export function sha256OfFile(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const hash = createHash('sha256');
  const buffer = new Uint8Array(1 << 24);
  const fd = openSync(path, 'r');
  try {
    for (let read; (read = readSync(fd, buffer)) > 0; ) hash.update(buffer.subarray(0, read));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}
