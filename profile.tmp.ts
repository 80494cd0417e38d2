import { join } from 'node:path';
import { env, pipeline, type AutomaticSpeechRecognitionPipeline } from '@huggingface/transformers';
import { readWav, speechDir } from './bench/speech-clips.ts';
import { SpeechSegmenter } from './web/shared/segmenter.ts';
import { LocalAgreement } from './web/shared/local-agreement.ts';
import { PrefixForcedPartials, recogniseMoonshine } from './web/worker/moonshine-recognition.ts';
env.localModelPath = join(process.cwd(), 'models');
env.allowRemoteModels = false;
const moon = await pipeline('automatic-speech-recognition', 'sotto/moonshine-base-random', { dtype: 'q8' });
const whisper = await pipeline('automatic-speech-recognition', 'sotto/whisper-base-random', { dtype: 'q8' });
const timers: Record<string, number> = {};
for (const [name, p] of [['moon', moon], ['whisper', whisper]] as const) {
  const sessions = (p.model as any).sessions as Record<string, any>;
  for (const [key, s] of Object.entries(sessions)) {
    const run = s.run.bind(s);
    s.run = async (...a: any[]) => { const t = performance.now(); try { return await run(...a); } finally { timers[`${name}.${key}`] = (timers[`${name}.${key}`] ?? 0) + performance.now() - t; } };
  }
}
const reset = () => { for (const k of Object.keys(timers)) delete timers[k]; };
const fmt = () => Object.entries(timers).map(([k, v]) => `${k}=${(v / 1000).toFixed(2)}s`).join(' ');
async function live(samples: Float32Array, forced: boolean, skipSilent: boolean) {
  const seg = new SpeechSegmenter({ maxSegmentSeconds: 9, partialIntervalSamples: 8000 });
  const partials = new PrefixForcedPartials(moon);
  let agreement: { id: number; a: LocalAgreement } | undefined;
  let nPartials = 0, partialMs = 0, finalMs = 0, tokens = 0;
  const handle = async (events: ReturnType<SpeechSegmenter['push']>) => {
    for (const e of events) {
      const t = performance.now();
      if (e.type === 'partial') {
        if (agreement?.id !== e.segmentId) agreement = { id: e.segmentId, a: new LocalAgreement() };
        const r = forced ? await partials.recognise(e.audio, e.segmentId, agreement.a.committedText) : await recogniseMoonshine(moon, e.audio);
        agreement.a.update(r.text); nPartials++; partialMs += performance.now() - t;
      } else { const r = await recogniseMoonshine(moon, e.audio); tokens += r.tokenIds.length; finalMs += performance.now() - t; }
    }
  };
  for (let o = 0; o < samples.length; o += 1600) await handle(seg.push(samples.subarray(o, o + 1600)));
  await handle(seg.end());
  return { nPartials, partialS: partialMs / 1000, finalS: finalMs / 1000, finalTokens: tokens };
}
for (const clip of ['jfk.wav', 'osr-harvard-list.wav']) {
  const { samples } = readWav(join(speechDir, clip));
  const secs = samples.length / 16000;
  for (const mode of ['free', 'forced', 'free', 'forced']) {
    reset(); const r = await live(samples, mode === 'forced', false);
    console.log(clip, secs.toFixed(1), mode, JSON.stringify(r), fmt());
  }
  reset(); const t = performance.now();
  await whisper(samples, { chunk_length_s: 30, stride_length_s: 5, language: 'en', task: 'transcribe' } as any);
  console.log(clip, 'plain whisper', ((performance.now() - t) / 1000).toFixed(2), fmt());
}
