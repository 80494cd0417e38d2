import { describe, expect, it } from 'vitest';
import { parseHttpSettings } from './http-settings.ts';

describe('parseHttpSettings', () => {
  it('defaults to 10 s for the headers, 30 s for the whole request and 1024 connections', () => {
    expect(parseHttpSettings({})).toEqual({ ok: true, settings: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, maxConnections: 1024 } });
  });

  it('reads the variables', () => {
    const env = { SOTTO_HEADERS_TIMEOUT_MS: '5000', SOTTO_REQUEST_TIMEOUT_MS: '60000', SOTTO_MAX_CONNECTIONS: '64' };
    expect(parseHttpSettings(env)).toEqual({ ok: true, settings: { headersTimeoutMs: 5000, requestTimeoutMs: 60_000, maxConnections: 64 } });
  });

  it.each([
    [{ SOTTO_HEADERS_TIMEOUT_MS: 'soon' }, 'SOTTO_HEADERS_TIMEOUT_MS="soon": must be a whole number'],
    [{ SOTTO_MAX_CONNECTIONS: '0' }, 'SOTTO_MAX_CONNECTIONS="0": must be at least 1'],
    [{ SOTTO_HEADERS_TIMEOUT_MS: '40000' }, 'SOTTO_HEADERS_TIMEOUT_MS="40000": must not exceed SOTTO_REQUEST_TIMEOUT_MS'],
  ])('refuses %j', (env, problem) => {
    expect(parseHttpSettings(env)).toEqual({ ok: false, problems: [`  ${problem}`] });
  });
});
