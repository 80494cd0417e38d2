import path from 'node:path';
import { z } from 'zod';

/** Schemas that several settings share; each parses a variable's text. */

export const wholeNumber = (min: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(Number.MAX_SAFE_INTEGER, 'is too large'));

/** Comma-separated items, trimmed, empty ones dropped. */
export const commaList = (text: string) => text.split(',').map((item) => item.trim()).filter((item) => item !== '');

// Model ids become path segments under the models dir, so only `owner/name` made of safe characters is accepted.
export const modelId = z
  .string()
  .regex(/^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/, 'must look like "owner/name" (letters, digits, ".", "_", "-")');

export const directory = z
  .string()
  .min(1, 'must not be empty')
  .transform((dir) => path.resolve(dir));
