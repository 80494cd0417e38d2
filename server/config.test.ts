import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, defaults, loadConfig, repoRoot } from './config.ts';

describe('loadConfig', () => {
  it('uses the embedded defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 8080,
      host: '127.0.0.1',
      distDir: path.join(repoRoot, 'dist'),
      modelsDir: path.join(repoRoot, 'models'),
      asrModel: 'sotto/whisper-tiny-random',
      liveAsrModel: 'sotto/moonshine-tiny-random',
      security: { auth: 'off', keys: [], corsOrigins: [], anonRatePerMinute: 600, anonCharsPerMinute: 30_000, trustedProxyHops: 0 },
    });
    expect(loadConfig({}).distDir).toBe(defaults.distDir);
  });

  it('reads overrides from the environment', () => {
    const config = loadConfig({
      PORT: '18080',
      HOST: '0.0.0.0',
      SOTTO_DIST_DIR: '/srv/sotto/dist',
      SOTTO_MODELS_DIR: 'some/models',
      SOTTO_ASR_MODEL: 'onnx-community/whisper-base',
      SOTTO_LIVE_ASR_MODEL: 'none',
    });
    expect(config).toEqual({
      port: 18080,
      host: '0.0.0.0',
      distDir: path.resolve('/srv/sotto/dist'),
      modelsDir: path.resolve('some/models'),
      asrModel: 'onnx-community/whisper-base',
      liveAsrModel: null,
      security: expect.objectContaining({ auth: 'off' }),
    });
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', SOTTO_ASR_MODEL: '' })).toMatchObject({ port: 8080, asrModel: defaults.asrModel });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT="abc": must be a whole number between 0 and 65535'],
    [{ PORT: '70000' }, 'PORT="70000"'],
    [{ PORT: '-1' }, 'PORT="-1"'],
    [{ PORT: '80.5' }, 'PORT="80.5"'],
    [{ SOTTO_ASR_MODEL: '../../etc' }, 'SOTTO_ASR_MODEL="../../etc": must look like "owner/name"'],
    [{ SOTTO_ASR_MODEL: 'whisper' }, 'SOTTO_ASR_MODEL="whisper"'],
  ])('rejects %o with a readable message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reports every bad variable at once', () => {
    expect(() => loadConfig({ PORT: 'x', SOTTO_ASR_MODEL: 'y' })).toThrow(/PORT="x".*\n.*SOTTO_ASR_MODEL="y"/);
    expect(() => loadConfig({ PORT: 'x', SOTTO_AUTH: 'maybe' })).toThrow(/PORT="x".*\n.*SOTTO_AUTH="maybe"/);
  });
});
