import type { Recognition, StreamSummary, TranscriptEvent } from './asr-protocol.ts';
import type { FinalSegmentEvent } from './segmenter.ts';
import { SAMPLE_RATE } from './audio/sample-rate.ts';

export type RecogniseBatch = (audios: Float32Array[]) => Promise<Recognition[]>;

/**
 * An opened file's segments, recognised `batchSize` at a time (see recogniseBatch) and emitted in order.
 * Silence never reaches the recogniser: the segmenter leaves it out of every segment.
 */
export async function transcribeSegments(
  segments: readonly FinalSegmentEvent[],
  recognise: RecogniseBatch,
  batchSize: number,
  emit: (event: TranscriptEvent) => void | Promise<unknown>,
  now: () => number = () => performance.now(),
): Promise<StreamSummary> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`The batch size must be a positive whole number, got ${batchSize}`);
  const summary: StreamSummary = { audioSeconds: 0, computeSeconds: 0, segments: 0 };
  for (let first = 0; first < segments.length; first += batchSize) {
    const batch = segments.slice(first, first + batchSize);
    const started = now();
    const recognitions = await recognise(batch.map((segment) => segment.audio));
    const computeSeconds = (now() - started) / 1000;
    const batchAudioSeconds = batch.reduce((sum, segment) => sum + segment.audio.length, 0) / SAMPLE_RATE;
    summary.computeSeconds += computeSeconds;
    for (const [index, segment] of batch.entries()) {
      const { text, detectedLanguage } = recognitions[index]!;
      summary.segments += 1;
      summary.audioSeconds += (segment.audio.length - segment.overlapSamples) / SAMPLE_RATE;
      await emit({
        type: 'final',
        segmentId: segment.segmentId,
        text: text.trim(),
        startSeconds: segment.startSample / SAMPLE_RATE,
        endSeconds: segment.endSample / SAMPLE_RATE,
        overlapSeconds: segment.overlapSamples / SAMPLE_RATE,
        // A batch's time is shared by its segments in proportion to their audio.
        realTimeFactor: batchAudioSeconds > 0 ? computeSeconds / batchAudioSeconds : 0,
        ...(detectedLanguage ? { detectedLanguage } : {}),
      });
    }
  }
  return summary;
}
