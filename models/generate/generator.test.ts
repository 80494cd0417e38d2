import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type AutomaticSpeechRecognitionPipeline, type Tensor } from '@huggingface/transformers';
import { localAsrPipeline } from '../../testing/local-asr-pipeline.ts';
import { InferenceSession } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRECISIONS, filesFor, findModel, parseManifest, type GeneratedSource, type ModelEntry } from '../../contract/manifest-schema.ts';
import { readWav, speechDir } from '../../bench/speech-clips.ts';
import { whisperSharedFiles, whisperVariantFiles } from './whisper-model.ts';

const MODEL_ID = 'sotto/whisper-tiny-random';
const manifest = parseManifest(JSON.parse(readFileSync(join(import.meta.dirname, '..', 'manifest.json'), 'utf8')));
const model: ModelEntry = findModel(manifest, MODEL_ID);
const source = model.source as GeneratedSource;
const precisions = PRECISIONS.filter((p) => model.variants[p]);

const sha256 = (content: Uint8Array) => createHash('sha256').update(content).digest('hex');

let modelsDir: string;
const generated = new Map<string, Uint8Array>();

beforeAll(() => {
  modelsDir = mkdtempSync(join(tmpdir(), 'sotto-generator-'));
  const shared = whisperSharedFiles(source);
  const files = [...shared.files, ...precisions.flatMap((p) => whisperVariantFiles(source, p, shared))];
  for (const file of files) {
    const path = join(modelsDir, MODEL_ID, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
    generated.set(file.path, file.content);
  }
});

afterAll(() => rmSync(modelsDir, { recursive: true, force: true }));

describe(`generating ${MODEL_ID}`, () => {
  it('reproduces the sizes and SHA-256 recorded in the manifest', () => {
    const recorded = [...model.files, ...precisions.flatMap((p) => model.variants[p]!.files)];
    expect(recorded.every((f) => f.sha256 && f.bytes)).toBe(true);
    const actual = recorded.map((f) => ({ path: f.path, bytes: generated.get(f.path)?.byteLength, sha256: sha256(generated.get(f.path) ?? new Uint8Array()) }));
    expect(actual).toEqual(recorded);
    expect([...generated.keys()].sort()).toEqual(recorded.map((f) => f.path).sort());
  });

  it('writes the seven files transformers.js needs for fp32', () => {
    const needed = [
      'config.json', 'generation_config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json',
      'onnx/encoder_model.onnx', 'onnx/decoder_model_merged.onnx',
    ];
    expect(filesFor(model, 'fp32').map((f) => f.path).sort()).toEqual([...needed].sort());
    for (const path of needed) expect(existsSync(join(modelsDir, MODEL_ID, path)), path).toBe(true);
  });
});

describe.each(precisions)('%s ONNX interface', (precision) => {
  const [encoderPath, decoderPath] = model.variants[precision]!.files.map((f) => f.path);
  const layers = Array.from({ length: source.dimensions.decoderLayers }, (_, i) => i);
  const cache = (prefix: string) => layers.flatMap((i) => ['decoder.key', 'decoder.value', 'encoder.key', 'encoder.value'].map((name) => `${prefix}.${i}.${name}`));

  it('encoder maps input_features to last_hidden_state', async () => {
    const session = await InferenceSession.create(join(modelsDir, MODEL_ID, encoderPath!));
    expect([...session.inputNames]).toEqual(['input_features']);
    expect([...session.outputNames]).toEqual(['last_hidden_state']);
    await session.release();
  });

  it('merged decoder takes ids, encoder states, past key values and use_cache_branch', async () => {
    const session = await InferenceSession.create(join(modelsDir, MODEL_ID, decoderPath!));
    expect([...session.inputNames].sort()).toEqual(['input_ids', 'encoder_hidden_states', ...cache('past_key_values'), 'use_cache_branch'].sort());
    expect([...session.outputNames].sort()).toEqual(['logits', ...cache('present')].sort());
    await session.release();
  });
});

describe.each(precisions)('%s through the transformers.js pipeline', (dtype) => {
  let transcriber: AutomaticSpeechRecognitionPipeline;

  beforeAll(async () => {
    transcriber = await localAsrPipeline(modelsDir, MODEL_ID, dtype);
  });

  afterAll(() => transcriber?.dispose());

  const results = new Map<string, Promise<{ text: string; textIds: number[] }>>();
  const transcribe = (file: string) => results.get(file) ?? results.set(file, run(file)).get(file)!;

  async function run(file: string): Promise<{ text: string; textIds: number[] }> {
    const { sampleRate, samples } = readWav(join(speechDir, file));
    expect(sampleRate).toBe(16000);
    const { text } = (await transcriber(samples, { language: 'en', return_timestamps: false })) as { text: string };
    // The pipeline returns only text, and re-encoding text need not give back the same tokens: count the ids generate() emits.
    const { input_features } = await transcriber.processor(samples);
    const ids = ((await transcriber.model.generate({ inputs: input_features, language: 'en' })) as Tensor).tolist() as bigint[][];
    const special = new Set(transcriber.tokenizer.all_special_ids);
    const textIds = ids[0]!.map(Number).filter((id) => !special.has(id));
    expect(transcriber.tokenizer.decode(textIds).trim()).toBe(text.trim());
    return { text, textIds };
  }

  it(`turns real speech into exactly ${source.generatedTokens} tokens of text`, async () => {
    const { text, textIds } = await transcribe('jfk.wav');
    expect(text.trim()).not.toBe('');
    expect(textIds).toHaveLength(source.generatedTokens);
  });

  it('gives different audio a different text', async () => {
    const [first, second] = await Promise.all([transcribe('jfk.wav'), transcribe('timit-ldc93s1.wav')]);
    expect(second.text).not.toBe(first.text);
    expect(second.textIds).toHaveLength(source.generatedTokens);
  });
});
