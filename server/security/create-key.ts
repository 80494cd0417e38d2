import { parseArgs } from 'node:util';
import { createApiKey } from './api-keys.ts';
import { generateKey, hashKey } from './key-hash.ts';
import { keyIdPattern, securitySettings } from './settings.ts';

/**
 * `npm run keys:create -- --id alice [--rate 120] [--chars 50000] [--quota 100000]`: prints a new API key once, and the entry
 * (its hash) to add to the keys file. `--admin` makes the admin key and the value of SOTTO_ADMIN_KEY_HASH;
 * `--metrics` the token Prometheus scrapes /metrics with and the value of SOTTO_METRICS_TOKEN_HASH.
 * The key goes to stdout only; it is not stored or logged anywhere.
 */

const usage =
  'Usage: npm run keys:create -- --id <id> [--rate <requests/minute>] [--chars <characters/minute>] [--quota <segments/day>]\n       npm run keys:create -- --admin\n       npm run keys:create -- --metrics';

function fail(message: string): never {
  console.error(`${message}\n${usage}`);
  process.exit(2);
}

function positive(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,12}$/.test(text) || Number(text) < 1) fail(`--${name} must be a whole number of at least 1 (got "${text}").`);
  return Number(text);
}

let values: { id?: string; rate?: string; chars?: string; quota?: string; admin?: boolean; metrics?: boolean };
try {
  ({ values } = parseArgs({
    options: { id: { type: 'string' }, rate: { type: 'string' }, chars: { type: 'string' }, quota: { type: 'string' }, admin: { type: 'boolean' }, metrics: { type: 'boolean' } },
  }));
} catch (err) {
  fail((err as Error).message);
}

const operatorKeys = {
  admin: { prefix: 'sotto-admin.', what: 'admin key', keep: 'keep it in a password manager', env: securitySettings.adminKeyHash.env },
  metrics: { prefix: 'sotto-metrics.', what: 'metrics token', keep: 'put it where Prometheus reads its scrape credentials', env: securitySettings.metricsTokenHash.env },
} as const;

const operator = values.admin ? 'admin' : values.metrics ? 'metrics' : undefined;
if (operator) {
  const others = [values.id, values.rate, values.chars, values.quota, values.admin && values.metrics ? true : undefined];
  if (others.some((value) => value !== undefined)) fail(`--${operator} takes no other options.`);
  const { prefix, what, keep, env } = operatorKeys[operator];
  const key = generateKey(prefix);
  console.log(`New ${what}. It is shown only this once; ${keep}:\n\n${key}\n`);
  console.log(`Set ${env} to:\n\n${await hashKey(key)}`);
} else {
  if (values.id === undefined) fail('--id is required.');
  if (!keyIdPattern.test(values.id)) fail(`--id must be 1 to 64 letters, digits, "_" or "-" (got "${values.id}").`);
  const rateLimitPerMinute = positive('rate', values.rate);
  const charsPerMinute = positive('chars', values.chars);
  const quotaSegmentsPerDay = positive('quota', values.quota);
  const { key, hash } = await createApiKey(values.id);
  const entry = {
    id: values.id,
    hash,
    ...(rateLimitPerMinute ? { rateLimitPerMinute } : {}),
    ...(charsPerMinute ? { charsPerMinute } : {}),
    ...(quotaSegmentsPerDay ? { quotaSegmentsPerDay } : {}),
  };
  console.log(`New API key for "${values.id}". It is shown only this once; hand it to its owner now:\n\n${key}\n`);
  console.log(`Add this line to the keys file (${securitySettings.keysFile.env}), or the entry to the ${securitySettings.keys.env} array:\n\n${JSON.stringify(entry)}`);
}
