import { Tensor, type AutomaticSpeechRecognitionPipeline } from '@huggingface/transformers';
import { maxTextTokens, recogniseMoonshine, type MoonshineRecognition } from './moonshine-recognition.ts';
import { encodeOnce } from './speech-recognition.ts';

/**
 * How many tokens of `draft` (from the decoder start token on) greedy decoding would give too, after its first
 * `forcedLength` tokens, which are kept as they are: token i is kept while it is the argmax of the logits after tokens 0..i-1. `logits` are [1, draft length, vocabulary], from one decoder pass over the draft.
 */
export function verifiedLength(logits: Tensor, draft: readonly number[], forcedLength = 1): number {
  const [, length, vocabulary] = logits.dims as [number, number, number];
  const scores = (logits.type === 'float32' ? logits : logits.to('float32')).data as Float32Array;
  let kept = forcedLength;
  while (kept < Math.min(length, draft.length) && argmax(scores, (kept - 1) * vocabulary, vocabulary) === draft[kept]) kept += 1;
  return kept;
}

function argmax(scores: Float32Array, offset: number, count: number): number {
  let best = 0;
  for (let i = 1; i < count; i += 1) if (scores[offset + i]! > scores[offset + best]!) best = i;
  return best;
}

/**
 * Greedy Moonshine recognition that starts from a draft (a partial of the same segment) and gives exactly the tokens
 * greedy decoding gives after the draft's first `forcedLength` tokens: one parallel decoder pass over the draft keeps
 * the run of it that greedy decoding would produce, and only the rest is generated step by step. One encoder pass serves both.
 */
export async function recogniseFromDraft(
  recogniser: AutomaticSpeechRecognitionPipeline,
  audio: Float32Array,
  draft: readonly number[],
  /** Draft tokens taken as they are (a forced prefix), not checked. */
  forcedLength = 1,
): Promise<MoonshineRecognition> {
  if (draft.length <= forcedLength) return recogniseMoonshine(recogniser, audio, draft.slice(0, forcedLength));
  const { model } = recogniser;
  const inputs = (await recogniser.processor(audio)) as Record<string, Tensor>;
  const encoder_outputs = await encodeOnce(model, 'input_values', inputs);
  const candidate = draft.slice(0, maxTextTokens(audio.length) + 1);
  const decoder_input_ids = new Tensor('int64', BigInt64Array.from(candidate.map(BigInt)), [1, candidate.length]);
  const { logits } = (await model.forward({ encoder_outputs, decoder_input_ids })) as { logits: Tensor };
  return recogniseMoonshine(recogniser, audio, candidate.slice(0, verifiedLength(logits, candidate, forcedLength)), { ...inputs, encoder_outputs });
}
