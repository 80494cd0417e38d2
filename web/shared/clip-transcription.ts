import type { Recognition, StreamSummary, TranscriptEvent } from './asr-protocol.ts';
import type { FinalSegmentEvent } from './segmenter.ts';
import { SAMPLE_RATE } from './audio/sample-rate.ts';

/**
 * How an opened file is spread over recognisers. WebAssembly's threads speed one recognition up little (a Whisper
 * decoder step is many small operations, each split over the threads), so on 2 cores two single-thread copies of
 * the model, each recognising its own window, get through a file in about half the time of one with 2 threads
 * (bench:asr, wasm-mt-file against plain). Each lane holds a copy of the model, so there are at most two; a GPU
 * has the parallelism within one recognition, and takes a batch of windows instead.
 */
export const MAX_FILE_LANES = 2;

export interface FileLanes {
  lanes: number;
  threadsPerLane: number;
}

/** The lanes for `threads` WebAssembly threads; undefined where one recogniser is all there should be. */
export function planFileLanes(backend: 'wasm' | 'webgpu', threads: number): FileLanes | undefined {
  if (backend !== 'wasm' || threads < 2) return undefined;
  const lanes = Math.min(MAX_FILE_LANES, threads);
  return { lanes, threadsPerLane: Math.floor(threads / lanes) };
}

export type RecogniseBatch = (audios: Float32Array[]) => Promise<Recognition[]>;

interface RecognisedBatch {
  segments: readonly FinalSegmentEvent[];
  recognitions: Recognition[];
  /** Elapsed time since the previous batch was done (or since the start). */
  seconds: number;
}

/**
 * An opened file's segments, `batchSize` at a time (see recogniseBatch), spread over `lanes`: recognisers that run
 * at once (one per worker, say), each taking the next batch when it is free. Finals are emitted in order, and
 * emitting does not hold up the lanes. Silence never reaches a recogniser: the segmenter leaves it out of every segment.
 */
export async function transcribeSegments(
  segments: readonly FinalSegmentEvent[],
  lanes: readonly RecogniseBatch[],
  batchSize: number,
  emit: (event: TranscriptEvent) => void | Promise<unknown>,
  now: () => number = () => performance.now(),
): Promise<StreamSummary> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`The batch size must be a positive whole number, got ${batchSize}`);
  if (lanes.length === 0) throw new RangeError('At least one recogniser is needed');
  const batches = Array.from({ length: Math.ceil(segments.length / batchSize) }, (_, index) => segments.slice(index * batchSize, (index + 1) * batchSize));
  const done = new Map<number, RecognisedBatch>();
  const summary: StreamSummary = { audioSeconds: 0, computeSeconds: 0, segments: 0 };
  let next = 0;
  let emitted = 0;
  let failed = false;
  let lastDone = now();
  let emitting: Promise<void> = Promise.resolve();

  const emitReady = async () => {
    for (let batch = done.get(emitted); batch; batch = done.get(emitted)) {
      done.delete(emitted);
      emitted += 1;
      await emitBatch(batch, summary, emit);
    }
  };
  const runLane = async (recognise: RecogniseBatch) => {
    while (!failed && next < batches.length) {
      const index = next++;
      const batch = batches[index]!;
      try {
        const recognitions = await recognise(batch.map((segment) => segment.audio));
        // Lanes overlap, so each batch is charged the time since the last one was done: together, the elapsed time.
        const finished = now();
        done.set(index, { segments: batch, recognitions, seconds: (finished - lastDone) / 1000 });
        lastDone = finished;
      } catch (error) {
        failed = true;
        throw error;
      }
      emitting = emitting.then(emitReady);
    }
  };
  try {
    await Promise.all(lanes.map(runLane));
  } catch (error) {
    emitting.catch(() => {}); // the recognition error is the one to report
    throw error;
  }
  await emitting;
  return summary;
}

async function emitBatch({ segments, recognitions, seconds }: RecognisedBatch, summary: StreamSummary, emit: (event: TranscriptEvent) => void | Promise<unknown>) {
  const batchAudioSeconds = segments.reduce((sum, segment) => sum + segment.audio.length, 0) / SAMPLE_RATE;
  summary.computeSeconds += seconds;
  for (const [index, segment] of segments.entries()) {
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
      realTimeFactor: batchAudioSeconds > 0 ? seconds / batchAudioSeconds : 0,
      ...(detectedLanguage ? { detectedLanguage } : {}),
    });
  }
}
