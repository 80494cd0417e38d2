import { Tensor, type AutomaticSpeechRecognitionPipeline } from '@huggingface/transformers';
import type { Recognition } from '../shared/asr-protocol.ts';
import { DETECT_LANGUAGE, pickLanguage } from '../shared/language-detection.ts';
import { recogniseMoonshine } from './moonshine-recognition.ts';

export interface RecognitionLanguage {
  /** A Whisper language code, or DETECT_LANGUAGE. */
  language: string;
  /** The languages detection may pick; every language the model knows when absent. */
  candidates?: readonly string[];
}

interface WhisperSettings {
  decoder_start_token_id: number;
  lang_to_id?: Record<string, number> | null;
}

type Model = AutomaticSpeechRecognitionPipeline['model'];

/**
 * One encoder pass over the processor's `inputs`, for decoder calls and generate() to take as `encoder_outputs`.
 * transformers.js's Whisper drops `encoder_outputs` from generate()'s inputs (its forward_params leave it
 * out, unlike its other encoder-decoder models), so detection and transcription would each run the
 * encoder, the costliest step for a short segment. Listing it lets one encoder pass serve both.
 */
export async function encodeOnce(model: Model, inputName: 'input_features' | 'input_values', inputs: Record<string, Tensor>): Promise<Tensor> {
  if (!model.forward_params.includes('encoder_outputs')) model.forward_params.push('encoder_outputs');
  // It adds to the inputs it is given.
  const { encoder_outputs } = (await model._prepare_encoder_decoder_kwargs_for_generation({
    inputs_tensor: inputs[inputName],
    model_inputs: { ...inputs },
    model_input_name: inputName,
    generation_config: model.generation_config,
  })) as { encoder_outputs: Tensor };
  return encoder_outputs;
}

const textOf = (output: { text: string } | { text: string }[]) => (Array.isArray(output) ? output[0]! : output).text;

/** Transcribes 16 kHz mono audio in the given language, or detects the language first (one decoder step on the same encoder pass). */
export async function recogniseSpeech(recogniser: AutomaticSpeechRecognitionPipeline, audio: Float32Array, { language, candidates }: RecognitionLanguage): Promise<Recognition> {
  // Moonshine knows one language and takes no language option.
  if (recogniser.model.config?.model_type === 'moonshine') return { text: (await recogniseMoonshine(recogniser, audio)).text };
  if (language !== DETECT_LANGUAGE) return { text: textOf(await recogniser(audio, { language, task: 'transcribe' })) };

  const { model, processor } = recogniser;
  const settings = model.generation_config as unknown as WhisperSettings | null;
  if (!settings?.lang_to_id) throw new Error('This speech model knows one language only, so it cannot detect the spoken language');
  const { input_features } = (await processor(audio)) as { input_features: Tensor };
  const encoder_outputs = await encodeOnce(model, 'input_features', { input_features });
  const start = new Tensor('int64', BigInt64Array.of(BigInt(settings.decoder_start_token_id)), [1, 1]);
  const { logits } = (await model.forward({ encoder_outputs, decoder_input_ids: start })) as { logits: Tensor };
  const scores = logits.type === 'float32' ? logits : logits.to('float32');
  const known = Object.keys(settings.lang_to_id).map((token) => token.slice(2, -2));
  const detectedLanguage = pickLanguage(scores.data as Float32Array, settings.lang_to_id, candidates ?? known);
  // The pipeline passes options on to generate(), which now takes the encoder pass above instead of running its own.
  const options = { language: detectedLanguage.code, task: 'transcribe', encoder_outputs } as unknown as Parameters<AutomaticSpeechRecognitionPipeline['_call']>[1];
  return { text: textOf(await recogniser(audio, options)), detectedLanguage };
}
