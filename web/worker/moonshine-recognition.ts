import type { AutomaticSpeechRecognitionPipeline, Tensor } from '@huggingface/transformers';
import { SAMPLE_RATE } from '../shared/audio/sample-rate.ts';

/**
 * The most tokens a recognition of this much audio may hold. Real speech stays well below it (the Moonshine
 * paper's heuristic limit of 6 tokens per second of audio, which stops random or confused weights from repeating
 * themselves to the model's maximum length); transformers.js counts whole seconds only, which leaves nothing for a
 * segment under a second, so this counts from the exact length, plus 2 for a word cut at the end.
 */
export const maxTextTokens = (samples: number): number => Math.ceil((samples / SAMPLE_RATE) * 6) + 2;

/** One recognition: its text, and its token ids from the decoder's start token on (for a later partial's forced prefix). */
export interface MoonshineRecognition {
  text: string;
  tokenIds: number[];
}

/**
 * Greedy Moonshine recognition of 16 kHz mono audio. With `prefix` (token ids from the decoder start token on),
 * the decoder takes those tokens in one parallel pass instead of generating them step by step, and generates only
 * what follows them; the text is then the prefix's followed by the new tokens', within the same total token limit.
 */
export async function recogniseMoonshine(
  recogniser: AutomaticSpeechRecognitionPipeline,
  audio: Float32Array,
  prefix: readonly number[] = [],
  /** The processor's and encoder's output for `audio`, where the caller has them already. */
  encoded?: Record<string, Tensor>,
): Promise<MoonshineRecognition> {
  const inputs = encoded ?? ((await recogniser.processor(audio)) as Record<string, Tensor>);
  // The start token counts towards the decoder's input but not towards the text's tokens.
  const forced = Math.max(prefix.length - 1, 0);
  const max_new_tokens = Math.max(maxTextTokens(audio.length) - forced, 0);
  // A prefix that already holds all the tokens there may be, or ends the text, is the whole recognition.
  if (prefix.length > 0 && (max_new_tokens === 0 || endsText(recogniser, prefix.at(-1)!))) return { text: decode(recogniser, [...prefix]), tokenIds: [...prefix] };
  const output = (await recogniser.model.generate({
    ...inputs,
    max_new_tokens,
    ...(prefix.length > 0 ? { decoder_input_ids: [prefix.map(BigInt)] } : {}),
  } as Parameters<AutomaticSpeechRecognitionPipeline['model']['generate']>[0])) as Tensor;
  const tokenIds = (output.tolist() as bigint[][])[0]!.map(Number);
  return { text: decode(recogniser, tokenIds), tokenIds };
}

/** Whether the token is one of the model's end-of-text tokens. */
export function endsText(recogniser: AutomaticSpeechRecognitionPipeline, tokenId: number): boolean {
  const eos = (recogniser.model.generation_config as { eos_token_id?: number | number[] | null } | null)?.eos_token_id;
  return Array.isArray(eos) ? eos.includes(tokenId) : eos === tokenId;
}

export const decode = (recogniser: AutomaticSpeechRecognitionPipeline, tokenIds: number[]) => recogniser.tokenizer.decode(tokenIds, { skip_special_tokens: true });
