import { describe, expect, it } from 'vitest';
import { ConfigError, loadOpsConfig } from '../config.ts';
import { defaultOpsSettings, parseOpsSettings } from './settings.ts';

describe('operations settings', () => {
  it('defaults to 0.0001 USD per compute-second and 25 s of shutdown grace', () => {
    expect(loadOpsConfig({})).toEqual({ pricing: { perComputeSecond: 0.0001, currency: 'USD' }, shutdownGraceMs: 25_000 });
    expect(defaultOpsSettings).toEqual(loadOpsConfig({}));
  });

  it('reads overrides, and treats empty variables as unset', () => {
    const env = { SOTTO_PRICE_PER_COMPUTE_SECOND: '0.25', SOTTO_PRICE_CURRENCY: 'EUR', SOTTO_SHUTDOWN_GRACE_MS: '' };
    expect(loadOpsConfig(env)).toEqual({ pricing: { perComputeSecond: 0.25, currency: 'EUR' }, shutdownGraceMs: 25_000 });
    expect(loadOpsConfig({ SOTTO_PRICE_PER_COMPUTE_SECOND: '0', SOTTO_SHUTDOWN_GRACE_MS: '0' })).toMatchObject({
      pricing: { perComputeSecond: 0 },
      shutdownGraceMs: 0,
    });
  });

  it('lists every bad variable at once', () => {
    const result = parseOpsSettings({ SOTTO_PRICE_PER_COMPUTE_SECOND: '-1', SOTTO_PRICE_CURRENCY: 'usd', SOTTO_SHUTDOWN_GRACE_MS: '2.5' });
    expect(result).toEqual({
      ok: false,
      problems: [
        '  SOTTO_PRICE_PER_COMPUTE_SECOND="-1": must be a decimal number such as 0.0001',
        '  SOTTO_PRICE_CURRENCY="usd": must be an ISO 4217 currency code such as USD',
        '  SOTTO_SHUTDOWN_GRACE_MS="2.5": must be a whole number',
      ],
    });
    expect(() => loadOpsConfig({ SOTTO_PRICE_CURRENCY: 'dollars' })).toThrow(ConfigError);
  });
});
