import { cat, type AutomaticSpeechRecognitionPipeline, type Tensor } from '@huggingface/transformers';
import type { Recognition } from '../shared/asr-protocol.ts';
import { DETECT_LANGUAGE } from '../shared/language-detection.ts';
import { encodeOnce, recogniseSpeech, type RecognitionLanguage } from './speech-recognition.ts';

/**
 * Recognises several segments in one encoder pass and one batched greedy decode: Whisper pads every
 * segment to a 30 s window, and a batch of windows makes fuller use of the cores (and of a GPU) than
 * one window at a time. Moonshine and language detection recognise one segment at a time.
 */
export async function recogniseBatch(recogniser: AutomaticSpeechRecognitionPipeline, audios: readonly Float32Array[], language: RecognitionLanguage): Promise<Recognition[]> {
  const single = recogniser.model.config?.model_type !== 'whisper' || language.language === DETECT_LANGUAGE || audios.length === 1;
  if (single) {
    const recognitions: Recognition[] = [];
    for (const audio of audios) recognitions.push(await recogniseSpeech(recogniser, audio, language));
    return recognitions;
  }
  const features: Tensor[] = [];
  for (const audio of audios) features.push(((await recogniser.processor(audio)) as { input_features: Tensor }).input_features);
  const { model } = recogniser;
  const inputs = cat(features, 0);
  // Whisper's generate() would check its one prompt against the batch of encoder states and refuse; given the
  // encoder's output, it repeats the prompt for every row instead.
  const encoder_outputs = await encodeOnce(model, 'input_features', { input_features: inputs });
  const options = { inputs, encoder_outputs, language: language.language, task: 'transcribe' } as unknown as Parameters<typeof model.generate>[0];
  const ids = (await model.generate(options)) as Tensor;
  return recogniser.tokenizer.batch_decode(ids, { skip_special_tokens: true }).map((text) => ({ text: text.trim() }));
}
