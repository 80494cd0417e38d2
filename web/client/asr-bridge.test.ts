import { describe, expect, it } from 'vitest';
import type { AsrWorkerApi, LoadedModel, LoadRequest, StreamSummary, TranscriptEvent } from '../shared/asr-protocol.ts';
import { AbortError, AsrBridge } from './asr-bridge.ts';
import { FakeWorker } from '../../testing/web/fake-worker.ts';

const request: LoadRequest = { modelId: 'sotto/whisper-tiny-random', backend: 'wasm', availablePrecisions: ['q8'], files: {} };
const summary: StreamSummary = { audioSeconds: 1, computeSeconds: 0.1, segments: 1 };

/** A fake ASR worker: counts loads and the audio chunks it receives. */
function asrApi(transcribeDelayMs: number, counts: { loads: number; received: number[] }): AsrWorkerApi {
  return {
    load: async (req, onProgress): Promise<LoadedModel> => {
      counts.loads += 1;
      onProgress({ file: 'onnx/encoder_model_quantized.onnx', loadedBytes: 5, totalBytes: 10, done: false });
      return { modelId: req.modelId, backend: 'wasm', precision: 'q8', threads: 2, loadSeconds: 0.01 };
    },
    startStream: () => undefined,
    pushAudio: (chunk) => void counts.received.push(chunk.length),
    endStream: async () => summary,
    transcribeClip: async (audio, onEvent) => {
      await new Promise((r) => setTimeout(r, transcribeDelayMs));
      await onEvent({ type: 'final', segmentId: 0, text: `${audio.length} samples`, startSeconds: 0, endSeconds: 1, overlapSeconds: 0, realTimeFactor: 0.1 });
      return summary;
    },
  };
}

function bridgeWithFakes(transcribeDelayMs = 0, idleMs = 60_000) {
  const counts = { loads: 0, received: [] as number[] };
  const { createWorker, workers } = FakeWorker.factory(() => asrApi(transcribeDelayMs, counts));
  return { bridge: new AsrBridge(createWorker, idleMs), workers, counts };
}

describe('AsrBridge', () => {
  it('starts the worker lazily, on the first load', async () => {
    const { bridge, workers } = bridgeWithFakes();
    expect(workers).toHaveLength(0);
    const progress: number[] = [];
    const loaded = await bridge.load(request, (p) => progress.push(p.loadedBytes));
    expect(workers).toHaveLength(1);
    expect(loaded.precision).toBe('q8');
    expect(progress).toEqual([5]);
    bridge.terminate();
  });

  it('transfers audio instead of copying it', async () => {
    const { bridge } = bridgeWithFakes();
    await bridge.load(request, () => undefined);
    const audio = new Float32Array(16_000);
    const events: TranscriptEvent[] = [];
    await bridge.transcribeClip(audio, (e) => events.push(e));
    expect(audio.byteLength).toBe(0); // detached: ownership moved to the worker
    expect(events[0]?.text).toBe('16000 samples');
    bridge.terminate();
  });

  it('terminates the worker on abort and rejects with AbortError', async () => {
    const { bridge, workers } = bridgeWithFakes(10_000);
    await bridge.load(request, () => undefined);
    const controller = new AbortController();
    const pending = bridge.transcribeClip(new Float32Array(10), () => undefined, controller.signal);
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect(workers[0]?.terminated).toBe(true);
    expect(bridge.running).toBe(false);
  });

  it('restarts the worker and reloads the model after an abort', async () => {
    const { bridge, workers, counts } = bridgeWithFakes();
    await bridge.load(request, () => undefined);
    const controller = new AbortController();
    controller.abort();
    await expect(bridge.transcribeClip(new Float32Array(10), () => undefined, controller.signal)).rejects.toBeInstanceOf(AbortError);
    const result = await bridge.transcribeClip(new Float32Array(10), () => undefined);
    expect(result).toEqual(summary);
    expect(workers).toHaveLength(2);
    expect(counts.loads).toBe(2);
    bridge.terminate();
  });

  it('terminates an idle worker, but not while a stream is open', async () => {
    const { bridge, workers, counts } = bridgeWithFakes(0, 50);
    await bridge.load(request, () => undefined);
    await bridge.startStream(() => undefined, () => undefined);
    bridge.pushAudio(new Float32Array(1600));
    await new Promise((r) => setTimeout(r, 120));
    expect(workers[0]?.terminated).toBe(false);
    expect(counts.received).toEqual([1600]);
    await bridge.endStream();
    await new Promise((r) => setTimeout(r, 120));
    expect(workers[0]?.terminated).toBe(true);
  });

  it('refuses work before a model was chosen', async () => {
    const { bridge } = bridgeWithFakes();
    await expect(bridge.transcribeClip(new Float32Array(1), () => undefined)).rejects.toThrow(/Load a model first/);
  });
});
