import { describe, expect, it } from 'vitest';
import { findModel, parseManifest } from '../../contract/manifest-schema.ts';
import manifestJson from '../../models/manifest.json';
import { usedModels } from './device-models-panel.ts';

const manifest = parseManifest(manifestJson);
const asrModel = findModel(manifest, manifest.defaults.asr);
const liveModel = findModel(manifest, 'sotto/moonshine-tiny-random');

describe('usedModels', () => {
  it('lists the live model for recordings between the speech model and the translation model', () => {
    const roles = usedModels(manifest, asrModel, liveModel).map(({ role, model }) => [role, model.id]);
    expect(roles).toEqual([
      ['Speech recognition', asrModel.id],
      ['Live speech recognition (recordings)', liveModel.id],
      ['Translation on this device', manifest.defaults.translation!.device],
    ]);
  });

  it('lists no live model when recordings use the speech model itself', () => {
    expect(usedModels(manifest, asrModel).map(({ model }) => model.id)).toEqual([asrModel.id, manifest.defaults.translation!.device]);
    expect(usedModels(manifest, asrModel, asrModel).map(({ model }) => model.id)).toEqual([asrModel.id, manifest.defaults.translation!.device]);
  });
});
