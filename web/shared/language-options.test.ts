import { describe, expect, it } from 'vitest';
import { parseManifest, type Manifest } from '../../contract/manifest-schema.ts';
import manifestJson from '../../models/manifest.json';
import { DETECT_LANGUAGE } from './language-detection.ts';
import { languageName, languageOptions, reconcileSettings, sourceCodes, sourceOptions, targetCodes } from './language-options.ts';

const files = [{ path: 'config.json' }];
const variants = { q8: { files: [{ path: 'model.onnx' }] } };
const translation = { task: 'translation', source: { type: 'hub', revision: 'main' }, placement: ['device', 'server'], files, variants } as const;

/** Whisper hears en, fr, ja, mi; the server model translates any-to-any among en, fr, de, es; the device one en→de only. */
const manifest: Manifest = parseManifest({
  version: 1,
  defaults: { asr: 'test/whisper', translation: { server: 'test/server-mt', device: 'test/device-mt' } },
  models: [
    { id: 'test/whisper', task: 'automatic-speech-recognition', architecture: 'whisper', source: { type: 'hub', revision: 'main' }, languages: ['en', 'fr', 'ja', 'mi'], placement: ['device'], files, variants },
    { ...translation, id: 'test/server-mt', architecture: 'm2m100', languages: ['en', 'fr', 'de', 'es'], directions: 'any-to-any', placement: ['server'] },
    { ...translation, id: 'test/device-mt', architecture: 'marian', languages: ['en', 'de'], directions: [{ source: 'en', target: 'de' }] },
    { ...translation, id: 'test/unused-mt', architecture: 'marian', languages: ['ja', 'en'], directions: [{ source: 'ja', target: 'en' }] },
  ],
});

describe('targets', () => {
  it('are what the default models reach from the source', () => {
    expect(targetCodes(manifest, 'prefer-server', 'en').sort()).toEqual(['de', 'es', 'fr']);
    expect(targetCodes(manifest, 'prefer-server', 'fr').sort()).toEqual(['de', 'en', 'es']);
    expect(targetCodes(manifest, 'prefer-server', 'ja')).toEqual([]);
  });

  it('are only the device model’s when nothing may be sent', () => {
    expect(targetCodes(manifest, 'device-only', 'en')).toEqual(['de']);
    expect(targetCodes(manifest, 'device-only', 'fr')).toEqual([]);
  });

  it('from a language yet to be detected, are what some source reaches', () => {
    expect(targetCodes(manifest, 'prefer-server', DETECT_LANGUAGE).sort()).toEqual(['de', 'en', 'es', 'fr']);
    expect(targetCodes(manifest, 'device-only', DETECT_LANGUAGE)).toEqual(['de']);
  });

  it('come from every translation model when the manifest names no defaults', () => {
    const withoutDefaults = { ...manifest, defaults: { asr: 'test/whisper' } };
    expect(targetCodes(withoutDefaults, 'prefer-device', 'ja')).toEqual(['en']);
  });
});

describe('sources', () => {
  it('are the ASR model’s languages that can be translated', () => {
    expect(sourceCodes(manifest, 'test/whisper', 'prefer-server')).toEqual(['en', 'fr']);
    expect(sourceCodes(manifest, 'test/whisper', 'device-only')).toEqual(['en']);
  });

  it('offer detection first where there is more than one language to tell apart', () => {
    expect(sourceOptions(manifest, 'test/whisper', 'prefer-server')).toEqual([
      { code: DETECT_LANGUAGE, name: 'Detect automatically' },
      { code: 'en', name: 'English' },
      { code: 'fr', name: 'French' },
    ]);
    expect(sourceOptions(manifest, 'test/whisper', 'device-only')).toEqual([{ code: 'en', name: 'English' }]);
    expect(languageName(DETECT_LANGUAGE)).toBe('Detected language');
  });

  it('list the real default Whisper model’s many languages', () => {
    const real = parseManifest(manifestJson);
    const sources = sourceCodes(real, real.defaults.asr, 'prefer-server');
    expect(sources).toContain('en');
    expect(sources).toContain('ja');
    expect(sources.length).toBeGreaterThan(50);
    expect(targetCodes(real, 'device-only', 'en')).toEqual(['de']);
  });
});

describe('reconcileSettings', () => {
  it('keeps settings the selects offer', () => {
    const settings = { sourceLanguage: 'fr', targetLanguage: 'es', mode: 'prefer-server' as const };
    expect(reconcileSettings(manifest, 'test/whisper', settings)).toEqual(settings);
  });

  it('keeps detection where the selects offer it, and drops it where one language is left', () => {
    const detect = { sourceLanguage: DETECT_LANGUAGE, targetLanguage: 'es', mode: 'prefer-server' as const };
    expect(reconcileSettings(manifest, 'test/whisper', detect)).toEqual(detect);
    expect(reconcileSettings(manifest, 'test/whisper', { ...detect, mode: 'device-only' })).toEqual({ sourceLanguage: 'en', targetLanguage: 'de', mode: 'device-only' });
  });

  it('falls back to English and the device model’s target', () => {
    expect(reconcileSettings(manifest, 'test/whisper', { sourceLanguage: 'mi', targetLanguage: 'xx', mode: 'prefer-server' })).toEqual({
      sourceLanguage: 'en',
      targetLanguage: 'de',
      mode: 'prefer-server',
    });
    expect(reconcileSettings(manifest, 'test/whisper', { sourceLanguage: 'fr', targetLanguage: 'es', mode: 'device-only' })).toEqual({
      sourceLanguage: 'en',
      targetLanguage: 'de',
      mode: 'device-only',
    });
  });
});

describe('names', () => {
  it('are English names, sorted, with the code where there is none', () => {
    expect(languageOptions(['fr', 'de', 'haw'])).toEqual([
      { code: 'fr', name: 'French' },
      { code: 'de', name: 'German' },
      { code: 'haw', name: 'Hawaiian' },
    ]);
    expect(languageName('qq')).toBe('qq');
  });
});
