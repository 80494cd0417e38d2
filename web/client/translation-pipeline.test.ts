import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TranslationModelEntry } from '../../contract/manifest-schema.ts';
import { DETECT_LANGUAGE } from '../shared/language-detection.ts';
import type { DataLedger, FinalSegment, SessionSettings, StagePlacement, TranslatedSegment } from '../shared/pipeline-types.ts';
import type { DeviceState } from '../shared/placement-policy.ts';
import type { ServerFailure, ServerProbe } from '../shared/server-calls.ts';
import type { DeviceStateSource } from './device-state.ts';
import type { DeviceTranslation } from './device-translator.ts';
import { ServerTranslator, type ServerTranslation } from './server-translator.ts';
import { TranslationPipeline, type DeviceTranslationEngine, type ServerTranslationEngine } from './translation-pipeline.ts';

const opus: TranslationModelEntry = {
  id: 'sotto/opus-mt-en-de-tiny-random',
  task: 'translation',
  architecture: 'marian',
  source: { type: 'hub', revision: 'main' },
  languages: ['en', 'de'],
  directions: [{ source: 'en', target: 'de' }],
  placement: ['device', 'server'],
  files: [{ path: 'config.json', bytes: 1_000 }],
  variants: { q8: { files: [{ path: 'onnx/model_quantized.onnx', bytes: 700_000 }] } },
};
const healthyProbe: ServerProbe = {
  reachable: true,
  ready: true,
  latencyMs: 5,
  models: [{ id: 'sotto/nllb', status: 'ready', provider: 'cpu', languages: ['en', 'de', 'fr'], directions: [{ source: 'en', target: 'de' }, { source: 'en', target: 'fr' }] }],
};
const settings: SessionSettings = { sourceLanguage: 'en', targetLanguage: 'de', mode: 'prefer-server' };
const traffic = { bytesSent: 100, bytesReceived: 200, requests: 1 };

class FakeDevice implements DeviceTranslationEngine {
  readonly model = opus;
  calls: string[][] = [];
  disposed = false;
  supports = (source: string, target: string) => source === 'en' && target === 'de';
  isCached = async () => true;
  async translate(texts: string[]): Promise<DeviceTranslation> {
    this.calls.push(texts);
    return { translations: texts.map((t) => `device:${t}`), backend: 'wasm', computeMs: 3 };
  }
  dispose() {
    this.disposed = true;
  }
}

/** A server whose translate answers come from `replies` in turn; each may hold until released. */
class FakeServer implements ServerTranslationEngine {
  calls: string[][] = [];
  directions: string[] = [];
  probes = 0;
  probeResult = healthyProbe;
  replies: ((texts: readonly string[]) => ServerTranslation | Promise<ServerTranslation>)[] = [];
  async translate(texts: readonly string[], source: string, target: string): Promise<ServerTranslation> {
    this.calls.push([...texts]);
    this.directions.push(`${source}>${target}`);
    const reply = this.replies.shift() ?? ok;
    return reply(texts);
  }
  async probe(): Promise<ServerProbe> {
    this.probes += 1;
    return this.probeResult;
  }
}

const ok = (texts: readonly string[]): ServerTranslation => ({ translations: texts.map((t) => `server:${t}`), model: { id: 'sotto/nllb', version: 'v1' }, latencyMs: 120, traffic });
const failing = (failure: ServerFailure, done = 0) => (texts: readonly string[]): ServerTranslation => ({ ...ok(texts.slice(0, done)), failure });

function deviceState(initial: Partial<DeviceState> = {}) {
  let state: DeviceState = { webgpu: false, deviceMemoryGiB: 8, hardwareConcurrency: 4, batterySaver: false, storageAvailableBytes: 1e9, online: true, ...initial };
  const listeners = new Set<() => void>();
  const source: DeviceStateSource = {
    read: async () => state,
    onChange: (listener) => (listeners.add(listener), () => listeners.delete(listener)),
  };
  return { source, set: (change: Partial<DeviceState>) => ((state = { ...state, ...change }), listeners.forEach((l) => l())) };
}

function setup(options: { mode?: SessionSettings['mode']; server?: ServerTranslationEngine; device?: Partial<DeviceState> } = {}) {
  const device = new FakeDevice();
  const server = new FakeServer();
  const state = deviceState(options.device);
  const pipeline = new TranslationPipeline({ settings: { ...settings, mode: options.mode ?? 'prefer-server' }, device, server: options.server ?? server, deviceState: state.source });
  const segments = new Map<number, TranslatedSegment>();
  const updates: TranslatedSegment[] = [];
  const ledgers: DataLedger[] = [];
  const placements: StagePlacement[] = [];
  pipeline.onSegment((s) => (segments.set(s.segmentId, s), updates.push(s)));
  pipeline.onLedger((l) => ledgers.push(l));
  pipeline.onPlacement((p) => placements.push(p));
  return { pipeline, device, server, state, segments, updates, ledgers, placements };
}

const final = (segmentId: number, text = `text ${segmentId}`): FinalSegment => ({ segmentId, text, startSeconds: segmentId, endSeconds: segmentId + 1 });
const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('TranslationPipeline', () => {
  it('emits a segment as pending, then translated on the server with the server backend and the reasons', async () => {
    const { pipeline, segments, updates, ledgers } = setup();
    await settle(); // the first probe learns the provider
    pipeline.addFinalSegment(final(0, 'Hello'));
    expect(updates[0]).toMatchObject({ segmentId: 0, sourceText: 'Hello', status: 'pending' });
    await settle();
    expect(segments.get(0)).toMatchObject({ status: 'done', translation: 'server:Hello', translationRun: { stage: 'translation', placement: 'server', backend: 'server CPU' } });
    expect(segments.get(0)!.translationRun!.reasons.privacy).toMatch(/only text is sent/);
    expect(ledgers.at(-1)).toMatchObject({ transcriptBytesSent: 100, translationBytesReceived: 200, translationRequests: 1, audioBytesSent: 0 });
  });

  it('translates in order, batching the segments that became final during a running batch', async () => {
    const { pipeline, server, segments } = setup();
    await settle();
    let release!: () => void;
    server.replies.push((texts) => new Promise((resolve) => (release = () => resolve(ok(texts)))));
    pipeline.addFinalSegment(final(0));
    await settle();
    [final(2), final(1), final(3)].forEach((s) => pipeline.addFinalSegment(s));
    release();
    await settle();
    expect(server.calls).toEqual([['text 0'], ['text 1', 'text 2', 'text 3']]);
    expect([...segments.values()].every((s) => s.status === 'done')).toBe(true);
  });

  it('sizes its batches by the limits the server published', async () => {
    const { pipeline, server } = setup();
    server.probeResult = { ...healthyProbe, limits: { maxSegments: 2, maxSegmentChars: 100, maxCharsPerRequest: 100 } };
    await settle();
    let release!: () => void;
    server.replies.push((texts) => new Promise((resolve) => (release = () => resolve(ok(texts)))));
    pipeline.addFinalSegment(final(0));
    await settle();
    [final(1), final(2), final(3)].forEach((s) => pipeline.addFinalSegment(s));
    release();
    await settle();
    expect(server.calls).toEqual([['text 0'], ['text 1', 'text 2'], ['text 3']]);
  });

  it('falls back to the device for the rest of a batch when the server fails mid-batch, then returns once it recovers', async () => {
    const { pipeline, server, device, segments, placements } = setup();
    await settle();
    server.replies.push(failing({ kind: 'overloaded', retryAfterUntil: Date.now() + 20_000, message: 'the server is overloaded' }, 1));
    [final(0), final(1), final(2)].forEach((s) => pipeline.addFinalSegment(s));
    await settle();
    expect(segments.get(0)).toMatchObject({ translation: 'server:text 0', translationRun: { placement: 'server' } });
    expect(device.calls).toEqual([['text 1', 'text 2']]);
    const fallback = segments.get(1)!.translationRun!;
    expect(fallback).toMatchObject({ placement: 'device', backend: 'WebAssembly' });
    expect(fallback.reasons.capability).toMatch(/falls back to this device: the server is overloaded \(retry in 20 s\)/);
    expect(placements.at(-1)).toMatchObject({ placement: 'device' });

    const probesBefore = server.probes;
    await vi.advanceTimersByTimeAsync(20_000);
    expect(server.probes).toBeGreaterThan(probesBefore);
    expect(placements.at(-1)).toMatchObject({ placement: 'server', backend: 'server CPU' });
    pipeline.addFinalSegment(final(3));
    await settle();
    expect(segments.get(3)!.translationRun!.placement).toBe('server');
  });

  it('backs off its probes while the server stays unreachable', async () => {
    const { pipeline, server } = setup();
    await settle();
    server.probeResult = { reachable: false, ready: false };
    server.replies.push(failing({ kind: 'unreachable', message: 'the server cannot be reached' }));
    pipeline.addFinalSegment(final(0));
    await settle();
    const probeTimes: number[] = [];
    const start = Date.now();
    for (let elapsed = 0; elapsed < 40_000; elapsed += 500) {
      const before = server.probes;
      await vi.advanceTimersByTimeAsync(500);
      if (server.probes > before) probeTimes.push(Date.now() - start);
    }
    expect(probeTimes).toEqual([2_000, 6_000, 14_000, 30_000]);
  });

  it('never calls the server in device-only mode, probes included', async () => {
    const fetch = vi.fn(async () => {
      throw new Error('device-only must not touch the network');
    });
    const { pipeline, device, segments } = setup({ mode: 'device-only', server: new ServerTranslator({ baseUrl: 'http://sotto.test/', fetch }) });
    [final(0), final(1)].forEach((s) => pipeline.addFinalSegment(s));
    await vi.advanceTimersByTimeAsync(120_000);
    expect(fetch).not.toHaveBeenCalled();
    expect(device.calls.flat()).toEqual(['text 0', 'text 1']);
    expect(segments.get(1)).toMatchObject({ status: 'done', translationRun: { placement: 'device', reasons: { privacy: 'On device only: nothing is sent' } } });
    expect(pipeline.ledger.transcriptBytesSent).toBe(0);
  });

  it('counts the real request bytes of a failed server call and falls back, with the real client', async () => {
    const fetch = vi.fn(async (input: RequestInfo | URL) => {
      if (String(input).endsWith('/v1/translate')) return new Response(JSON.stringify({ title: 'Too Many Requests', status: 429 }), { status: 429, headers: { 'Retry-After': '60' } });
      return new Response(JSON.stringify(String(input).endsWith('/v1/models') ? { models: healthyProbe.models } : { status: 'ok' }), { status: 200 });
    });
    const { pipeline, segments, ledgers } = setup({ server: new ServerTranslator({ baseUrl: 'http://sotto.test/', fetch }) });
    await settle();
    pipeline.addFinalSegment(final(0, 'Hi'));
    await settle();
    expect(segments.get(0)).toMatchObject({ translation: 'device:Hi', translationRun: { placement: 'device' } });
    const sent = JSON.stringify({ segments: ['Hi'], source: 'en', target: 'de', deadlineMs: 8_000 });
    expect(ledgers.at(-1)).toMatchObject({ transcriptBytesSent: sent.length, translationRequests: 1 });
    expect(ledgers.at(-1)!.translationBytesReceived).toBeGreaterThan(0);
  });

  it('marks segments failed when neither side can translate the direction', async () => {
    const { pipeline, server, segments } = setup();
    await settle();
    pipeline.setSettings({ ...settings, targetLanguage: 'ja' });
    await settle();
    pipeline.addFinalSegment(final(0));
    await settle();
    expect(server.calls).toEqual([]); // the server's model list has no en → ja
    expect(segments.get(0)).toMatchObject({ status: 'failed', error: 'No on-device model translates en → ja' });
  });

  it('translates each segment from the language detected in it: one batch per language, and text already in the target is not sent', async () => {
    const { pipeline, server, segments, placements } = setup();
    server.probeResult = { ...healthyProbe, models: [{ ...healthyProbe.models![0]!, directions: [{ source: 'en', target: 'de' }, { source: 'fr', target: 'de' }] }] };
    pipeline.setSettings({ ...settings, sourceLanguage: DETECT_LANGUAGE });
    await settle();
    expect(placements.at(-1)!.placement).toBe('server'); // nothing detected yet: the server translates into German from something
    let release!: () => void;
    server.replies.push((texts) => new Promise((resolve) => (release = () => resolve(ok(texts)))));
    const heard = (segmentId: number, code: string) => ({ ...final(segmentId), detectedLanguage: { code, probability: 0.9 } });
    pipeline.addFinalSegment(heard(0, 'en'));
    await settle();
    [heard(1, 'en'), heard(2, 'fr'), heard(3, 'fr'), heard(4, 'de'), heard(5, 'en')].forEach((s) => pipeline.addFinalSegment(s));
    release();
    await settle();
    expect(server.calls).toEqual([['text 0'], ['text 1'], ['text 2', 'text 3'], ['text 5']]);
    expect(server.directions).toEqual(['en>de', 'en>de', 'fr>de', 'en>de']);
    expect(segments.get(2)).toMatchObject({ status: 'done', translation: 'server:text 2', detectedLanguage: { code: 'fr', probability: 0.9 } });
    expect(segments.get(4)).toMatchObject({ status: 'done', translation: 'text 4' });
    expect(segments.get(4)!.translationRun).toBeUndefined();
  });

  it('fails a segment clearly when the language was to be detected but was not', async () => {
    const { pipeline, server, segments } = setup();
    pipeline.setSettings({ ...settings, sourceLanguage: DETECT_LANGUAGE });
    await settle();
    pipeline.addFinalSegment(final(0));
    await settle();
    expect(server.calls).toEqual([]);
    expect(segments.get(0)).toMatchObject({ status: 'failed', error: 'The spoken language was not detected' });
  });

  it('stays on the device while offline, and goes back to the server when the browser comes online', async () => {
    const { pipeline, server, state, segments, placements } = setup({ device: { online: false } });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.probes).toBe(0);
    pipeline.addFinalSegment(final(0));
    await settle();
    expect(segments.get(0)!.translationRun!.reasons.capability).toMatch(/offline/);
    state.set({ online: true });
    await settle();
    expect(server.probes).toBe(1);
    expect(placements.at(-1)!.placement).toBe('server');
  });

  it('re-decides the placement when the mode changes', async () => {
    const { pipeline, placements } = setup();
    await settle();
    expect(placements.at(-1)!.placement).toBe('server');
    pipeline.setSettings({ ...settings, mode: 'prefer-device' });
    await settle();
    expect(placements.at(-1)).toMatchObject({ placement: 'device', backend: 'WebAssembly' });
  });

  it('stops on dispose: no more probes, work or events, and the device worker ends', async () => {
    const { pipeline, server, device, updates } = setup();
    await settle();
    pipeline.dispose();
    const probes = server.probes;
    pipeline.addFinalSegment(final(0));
    await vi.advanceTimersByTimeAsync(120_000);
    expect(server.probes).toBe(probes);
    expect(updates).toEqual([]);
    expect(device.disposed).toBe(true);
  });
});
