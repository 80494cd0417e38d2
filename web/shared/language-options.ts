import { findModel, isTranslationModel, supportsDirection, type Manifest, type TranslationModelEntry } from '../../contract/manifest-schema.ts';
import { DETECT_LANGUAGE } from './language-detection.ts';
import type { SessionSettings } from './pipeline-types.ts';
import type { PlacementMode } from './placement-policy.ts';

/** Which languages the selects offer: what the ASR model hears and what the translation models reach. Pure. */

export interface LanguageOption {
  code: string;
  name: string;
}

/** The pipeline's translation models: the manifest's defaults (only the device one when nothing may be sent), else all. */
function translationModels(manifest: Manifest, mode: PlacementMode): TranslationModelEntry[] {
  const defaults = manifest.defaults.translation;
  const models = defaults
    ? (mode === 'device-only' ? [defaults.device] : [defaults.server, defaults.device]).map((id) => findModel(manifest, id))
    : manifest.models.filter((model) => mode !== 'device-only' || model.placement.includes('device'));
  return models.filter(isTranslationModel);
}

/** The targets reachable from source; from a language yet to be detected, those reachable from some language. */
export function targetCodes(manifest: Manifest, mode: PlacementMode, source: string): string[] {
  const models = translationModels(manifest, mode);
  const all = new Set(models.flatMap((model) => model.languages));
  const sourcesOf = (model: TranslationModelEntry) => (source === DETECT_LANGUAGE ? model.languages : [source]);
  return [...all].filter((target) => models.some((model) => sourcesOf(model).some((from) => from !== target && supportsDirection(model, from, target))));
}

/** The ASR model's languages that some translation model translates from; all of them when none does. */
export function sourceCodes(manifest: Manifest, asrModelId: string, mode: PlacementMode): string[] {
  const heard = findModel(manifest, asrModelId).languages;
  const translatable = heard.filter((source) => targetCodes(manifest, mode, source).length > 0);
  return translatable.length > 0 ? translatable : heard;
}

/** The source select's options: "Detect automatically" first where there is more than one language to tell apart. */
export function sourceOptions(manifest: Manifest, asrModelId: string, mode: PlacementMode): LanguageOption[] {
  const codes = sourceCodes(manifest, asrModelId, mode);
  const detect = codes.length > 1 ? [{ code: DETECT_LANGUAGE, name: 'Detect automatically' }] : [];
  return [...detect, ...languageOptions(codes)];
}

const names = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' });

/** Options sorted by English name, e.g. { code: 'de', name: 'German' }. */
export function languageOptions(codes: readonly string[]): LanguageOption[] {
  return codes.map((code) => ({ code, name: languageName(code) })).sort((a, b) => a.name.localeCompare(b.name, 'en'));
}

export function languageName(code: string): string {
  if (code === DETECT_LANGUAGE) return 'Detected language';
  try {
    return names.of(code) ?? code;
  } catch {
    return code;
  }
}

/**
 * Settings the selects can show: a source they offer (English, which Whisper knows best, when the
 * current one is not offered) and a target reachable from it (the device model's target first, which
 * every mode can reach).
 */
export function reconcileSettings(manifest: Manifest, asrModelId: string, settings: SessionSettings): SessionSettings {
  const sources = sourceOptions(manifest, asrModelId, settings.mode).map((option) => option.code);
  const sourceLanguage = sources.includes(settings.sourceLanguage) ? settings.sourceLanguage : sources.includes('en') ? 'en' : sources[0]!;
  const targets = targetCodes(manifest, settings.mode, sourceLanguage);
  const preferred = targetCodes(manifest, 'device-only', sourceLanguage);
  const targetLanguage = targets.includes(settings.targetLanguage) ? settings.targetLanguage : (preferred[0] ?? targets[0] ?? settings.targetLanguage);
  return { ...settings, sourceLanguage, targetLanguage };
}
