import { readFileSync } from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../config.ts';
import { ensureTinyModels } from '../../../testing/load/translation-server.ts';
import { newEntryOutput, POSITION_IDS, RaggedRewriteError, rewriteForRaggedBatches, SELF_ATTENTION_MASK } from './ragged-decoder.ts';

const present = ensureTinyModels();
const decoder = (id: string, file = 'decoder_model_merged.onnx') => new Uint8Array(readFileSync(path.join(repoRoot, 'models', 'sotto', id, 'onnx', file)));

describe.skipIf(!present)('rewriteForRaggedBatches', () => {
  it.each(['opus-mt-en-de-tiny-random', 'nllb-tiny-random', 'opus-mt-en-de-tiny-random:_fp16', 'opus-mt-en-de-tiny-random:_quantized'])(
    'adds per-row positions and a self-attention mask to %s, one per decoder layer, writing new entries in place and giving them out',
    (variant) => {
      const [id, suffix = ''] = variant.split(':');
      const { model, selfAttentionLayers } = rewriteForRaggedBatches(decoder(id!, `decoder_model_merged${suffix}.onnx`));
      expect(selfAttentionLayers).toBe(2);
      const graph = onnxProto.onnx.ModelProto.decode(model).graph!;
      expect(graph.input!.map((input) => input.name)).toEqual(expect.arrayContaining([POSITION_IDS, SELF_ATTENTION_MASK]));
      expect(graph.node!.filter((node) => node.input?.includes(SELF_ATTENTION_MASK))).toHaveLength(2);
      expect(graph.node!.filter((node) => node.opType === 'Concat')).toEqual([]);
      // The new entries are outputs of their own, so that a step need not fetch the whole present cache.
      const entries = [0, 1].flatMap((layer) => [newEntryOutput(layer, 'key'), newEntryOutput(layer, 'value')]);
      expect(graph.output!.map((output) => output.name)).toEqual(expect.arrayContaining(entries));
      // The causal mask's Ranges are gone with it; the slots' Range is the rewrite's own.
      expect(graph.node!.filter((node) => node.opType === 'Range').map((node) => node.name)).toEqual(['ragged/slots']);
    },
  );

  it('refuses what it cannot find, or a decoder rewritten already', () => {
    const rewritten = rewriteForRaggedBatches(decoder('opus-mt-en-de-tiny-random')).model;
    expect(() => rewriteForRaggedBatches(rewritten)).toThrow(RaggedRewriteError);
    expect(() => rewriteForRaggedBatches(decoder('opus-mt-en-de-tiny-random', 'encoder_model.onnx'))).toThrow(/no past_key_values/);
  });
});
