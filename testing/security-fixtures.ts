import { createHash } from 'node:crypto';
import { createApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import type { TranslationService } from '../server/translation/service.ts';
import { fakeTranslationService } from './translation-doubles.ts';

/** Keys and apps for the security tests. sha256 entries keep them fast; scrypt has its own tests. */

export const keys = {
  alice: `sotto_alice.${'a'.repeat(43)}`,
  bob: `sotto_bob.${'b'.repeat(43)}`,
  carol: `sotto_carol.${'c'.repeat(43)}`,
  dave: `sotto_dave.${'d'.repeat(43)}`,
  admin: `sotto-admin.${'e'.repeat(43)}`,
};

export const sha256Hash = (key: string) => `sha256$${createHash('sha256').update(key).digest('hex')}`;

/** alice: 2 requests/minute; bob: 5 segments/day; carol: revoked; dave: no limits. */
export const keyEntries = [
  { id: 'alice', hash: sha256Hash(keys.alice), rateLimitPerMinute: 2 },
  { id: 'bob', hash: sha256Hash(keys.bob), quotaSegmentsPerDay: 5 },
  { id: 'carol', hash: sha256Hash(keys.carol), revoked: true },
  { id: 'dave', hash: sha256Hash(keys.dave) },
];

export const keyedEnv = {
  SOTTO_API_KEYS: JSON.stringify(keyEntries),
  SOTTO_ADMIN_KEY_HASH: sha256Hash(keys.admin),
};

export const limits = { maxSegments: 4, maxSegmentChars: 50, maxBodyBytes: 2000 };

export function securedApp(env: Record<string, string> = keyedEnv, overrides: Partial<TranslationService> = {}) {
  const service = fakeTranslationService(overrides);
  return { app: createApp(loadConfig(env), { service, limits }), service };
}

export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

export function postJson(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export const translateBody = { segments: ['Hello'], source: 'en', target: 'de' };

/** The bindings @hono/node-server passes, enough for the client address. */
export const fromAddress = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });
