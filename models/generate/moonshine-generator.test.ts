import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AutomaticSpeechRecognitionPipeline } from '@huggingface/transformers';
import { localAsrPipeline } from '../../testing/local-asr-pipeline.ts';
import { InferenceSession } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findModel, parseManifest, type MoonshineGeneratedSource } from '../../contract/manifest-schema.ts';
import { readWav, speechDir } from '../../bench/speech-clips.ts';
import { writeGeneratedFile } from './generated-file.ts';
import { moonshineGenerator } from './moonshine-model.ts';

const MODEL_ID = 'sotto/moonshine-tiny-random';
const manifest = parseManifest(JSON.parse(readFileSync(join(import.meta.dirname, '..', 'manifest.json'), 'utf8')));
const model = findModel(manifest, MODEL_ID);
const source = model.source as MoonshineGeneratedSource;
let modelsDir: string;

beforeAll(() => {
  modelsDir = mkdtempSync(join(tmpdir(), 'sotto-moonshine-'));
  const generator = moonshineGenerator(source);
  for (const file of [...generator.files, ...generator.variantFiles('fp32'), ...generator.variantFiles('q8')]) writeGeneratedFile(join(modelsDir, MODEL_ID), file);
});

afterAll(() => rmSync(modelsDir, { recursive: true, force: true }));

describe(`generating ${MODEL_ID}`, () => {
  it('names the files of onnx-community/moonshine-base-ONNX in the manifest', () => {
    expect(model.source.type === 'generated' && model.source.imitates).toBe('onnx-community/moonshine-base-ONNX');
    expect(model.files.map((f) => f.path)).toEqual(['config.json', 'generation_config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json']);
    expect(model.variants.q8!.files.map((f) => f.path)).toEqual(['onnx/encoder_model_quantized.onnx', 'onnx/decoder_model_merged_quantized.onnx']);
  });

  it('has an encoder from raw samples of any length to last_hidden_state, and a merged decoder with its caches', async () => {
    const encoder = await InferenceSession.create(join(modelsDir, MODEL_ID, 'onnx/encoder_model.onnx'));
    expect([...encoder.inputNames]).toEqual(['input_values']);
    expect([...encoder.outputNames]).toEqual(['last_hidden_state']);
    await encoder.release();
    const decoder = await InferenceSession.create(join(modelsDir, MODEL_ID, 'onnx/decoder_model_merged.onnx'));
    const cache = (prefix: string) => [0, 1].flatMap((i) => ['decoder.key', 'decoder.value', 'encoder.key', 'encoder.value'].map((name) => `${prefix}.${i}.${name}`));
    expect([...decoder.inputNames].sort()).toEqual(['input_ids', 'encoder_hidden_states', ...cache('past_key_values'), 'use_cache_branch'].sort());
    expect([...decoder.outputNames].sort()).toEqual(['logits', ...cache('present')].sort());
    await decoder.release();
  });
});

describe.each(['fp32', 'q8'] as const)('%s through the transformers.js pipeline', (dtype) => {
  let transcriber: AutomaticSpeechRecognitionPipeline;

  beforeAll(async () => {
    transcriber = await localAsrPipeline(modelsDir, MODEL_ID, dtype);
  });

  afterAll(() => transcriber?.dispose());

  it('gives more text for more audio, the text of the shorter audio first', async () => {
    const { samples } = readWav(join(speechDir, 'jfk.wav'));
    const text = async (seconds: number) => ((await transcriber(samples.subarray(0, seconds * 16_000))) as { text: string }).text.trim();
    const [short, long] = [await text(2), await text(6)];
    expect(short).not.toBe('');
    expect(long.startsWith(short)).toBe(true);
    expect(long.split(' ').length).toBeGreaterThan(short.split(' ').length);
  });
});
