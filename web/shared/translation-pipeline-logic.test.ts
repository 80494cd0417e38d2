import { describe, expect, it } from 'vitest';
import type { TranslationModelEntry } from '../../contract/manifest-schema.ts';
import { serverUnavailableReason, type DeviceState } from './placement-policy.ts';
import type { ServerModel } from '../../contract/translation-api.ts';
import { DETECT_LANGUAGE } from './language-detection.ts';
import { decideBatch, SegmentQueue, ServerHealth, translationNeeds } from './translation-pipeline-logic.ts';

const NOW = 1_000_000;
const device: DeviceState = { webgpu: false, deviceMemoryGiB: 8, hardwareConcurrency: 8, batterySaver: false, storageAvailableBytes: 10e9, online: true };
const nllb: ServerModel = { id: 'sotto/nllb', status: 'ready', provider: 'cpu', languages: ['en', 'de'], directions: [{ source: 'en', target: 'de' }, { source: 'de', target: 'en' }] };
const opus: TranslationModelEntry = {
  id: 'sotto/opus',
  task: 'translation',
  architecture: 'marian',
  source: { type: 'hub', revision: 'main' },
  languages: ['en', 'de'],
  directions: [{ source: 'en', target: 'de' }],
  placement: ['device'],
  files: [{ path: 'config.json', bytes: 1_000 }],
  variants: { q8: { files: [{ path: 'onnx/model_quantized.onnx', bytes: 9_000 }] }, fp32: { files: [{ path: 'onnx/model.onnx', bytes: 39_000 }] } },
};

const health = () => new ServerHealth({ maxLatencyMs: 3_000 });
const reason = (h: ServerHealth) => serverUnavailableReason(device, h.state(), NOW);

describe('ServerHealth', () => {
  it('counts the server usable until it learns otherwise', () => {
    expect(reason(health())).toBeUndefined();
  });

  it('keeps a moving average of the latency', () => {
    const h = health();
    h.recordSuccess(100);
    h.recordSuccess(200);
    expect(h.state().latencyMs).toBeCloseTo(130);
  });

  it.each([
    [{ kind: 'unreachable', message: '' }, /cannot be reached/],
    [{ kind: 'overloaded', retryAfterUntil: NOW + 12_000, message: '' }, /overloaded \(retry in 12 s\)/],
    [{ kind: 'slow', elapsedMs: 5_000, message: '' }, /slow \(5000 ms\)/],
    [{ kind: 'slow', elapsedMs: 800, message: '' }, /slow \(3001 ms\)/],
    [{ kind: 'refused', status: 500, title: 'Internal Server Error', message: '' }, /not ready/],
  ] as const)('makes the server unusable after %j', (failure, why) => {
    const h = health();
    h.recordFailure(failure, 'en', 'de');
    expect(reason(h)).toMatch(why);
  });

  it('takes a 422 as "this direction is not offered", for that direction only', () => {
    const h = health();
    h.recordFailure({ kind: 'refused', status: 422, title: 'Unsupported Direction', message: '' }, 'en', 'fr');
    expect(h.offers('en', 'fr')).toBe(false);
    expect(h.offers('en', 'de')).toBe(true);
    expect(reason(h)).toBeUndefined();
  });

  it('takes a 401 as "an API key is needed" until a probe finds the server ready again', () => {
    const h = health();
    h.recordFailure({ kind: 'refused', status: 401, title: 'Unauthorized', message: '' }, 'en', 'de');
    expect(reason(h)).toBe('the server requires an API key');
    h.recordProbe({ reachable: true, ready: true });
    expect(reason(h)).toBeUndefined();
  });

  it('recovers from a success, and from a probe after slowness', () => {
    const h = health();
    h.recordFailure({ kind: 'unreachable', message: '' }, 'en', 'de');
    h.recordSuccess(150);
    expect(reason(h)).toBeUndefined();
    h.recordFailure({ kind: 'slow', elapsedMs: 8_000, message: '' }, 'en', 'de');
    h.recordProbe({ reachable: true, ready: true, latencyMs: 5, models: [nllb] });
    expect(h.state()).toEqual({ reachable: true, ready: true });
  });

  it('learns directions, readiness and the provider from probes', () => {
    const h = health();
    h.recordProbe({ reachable: true, ready: true, models: [{ ...nllb, status: 'loading' }] });
    expect(reason(h)).toMatch(/not ready/);
    h.recordProbe({ reachable: true, ready: true, models: [nllb] });
    expect(reason(h)).toBeUndefined();
    expect(h.offers('de', 'en')).toBe(true);
    expect(h.offers('en', 'fr')).toBe(false);
    // Before the spoken language is detected: any source into the target counts.
    expect(h.offers(DETECT_LANGUAGE, 'en')).toBe(true);
    expect(h.offers(DETECT_LANGUAGE, 'fr')).toBe(false);
    h.recordProbe({ reachable: true, ready: true, models: [{ ...nllb, languages: ['en', 'fr', 'ja'], directions: 'any-to-any' }] });
    expect([h.offers('ja', 'fr'), h.offers('fr', 'fr'), h.offers('de', 'fr'), h.offers(DETECT_LANGUAGE, 'ja')]).toEqual([true, false, false, true]);
    expect(h.backendLabel('sotto/nllb')).toBe('server CPU');
    h.recordProbe({ reachable: true, ready: true, models: [{ ...nllb, provider: 'cuda' }] });
    expect(h.backendLabel()).toBe('server GPU');
    h.recordProbe({ reachable: false, ready: false });
    expect(reason(h)).toMatch(/cannot be reached/);
  });

  it('probes at a relaxed pace while usable, backing off while not, and never before Retry-After', () => {
    const h = health();
    expect(h.nextProbeDelay(NOW, true)).toBe(30_000);
    const delays = [1, 2, 3, 4, 5, 6, 7].map(() => {
      h.recordProbe({ reachable: false, ready: false });
      return h.nextProbeDelay(NOW, false);
    });
    expect(delays).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    h.recordSuccess(100);
    h.recordFailure({ kind: 'overloaded', retryAfterUntil: NOW + 45_000, message: '' }, 'en', 'de');
    expect(h.nextProbeDelay(NOW, false)).toBe(45_000);
  });
});

describe('SegmentQueue', () => {
  const segment = (segmentId: number, text = `s${segmentId}`) => ({ segmentId, text });

  it('hands out segments in order, however they arrive', () => {
    const queue = new SegmentQueue();
    [segment(2), segment(0), segment(1)].forEach((s) => queue.add(s));
    expect(queue.take(10, 1_000).map((s) => s.segmentId)).toEqual([0, 1, 2]);
    expect(queue.length).toBe(0);
  });

  it('batches what waits, within the segment and character limits', () => {
    const queue = new SegmentQueue();
    [segment(0, 'aaaa'), segment(1, 'bb'), segment(2, 'cc'), segment(3, 'd')].forEach((s) => queue.add(s));
    expect(queue.take(3, 6)).toEqual([segment(0, 'aaaa'), segment(1, 'bb')]);
    expect(queue.take(1, 6)).toEqual([segment(2, 'cc')]);
    expect(queue.take(3, 0)).toEqual([segment(3, 'd')]); // one segment always goes, however long
  });

  it('keeps each batch to one batch key (one source language), in order', () => {
    const queue = new SegmentQueue<{ segmentId: number; text: string; language: string }>((s) => s.language);
    ['de', 'de', 'fr', 'de'].forEach((language, segmentId) => queue.add({ segmentId, text: 'x', language }));
    const batches = [queue.take(10, 100), queue.take(10, 100), queue.take(10, 100)].map((batch) => batch.map((s) => `${s.segmentId}${s.language}`));
    expect(batches).toEqual([['0de', '1de'], ['2fr'], ['3de']]);
    expect(queue.take(10, 100)).toEqual([]);
  });

  it('replaces a waiting segment that is finalised again', () => {
    const queue = new SegmentQueue();
    queue.add(segment(4, 'old'));
    queue.add(segment(4, 'new'));
    expect(queue.clear()).toEqual([segment(4, 'new')]);
  });
});

describe('decideBatch', () => {
  const context = (overrides: Partial<Parameters<typeof decideBatch>[0]> = {}) => ({
    mode: 'prefer-server' as const,
    needs: translationNeeds(opus, device, false, true),
    device,
    server: { reachable: true, ready: true },
    now: NOW,
    maxServerLatencyMs: 3_000,
    ...overrides,
  });

  it('sizes the device model by the variant this device would load', () => {
    expect(translationNeeds(opus, device, true, true)).toMatchObject({ deviceModelBytes: 10_000, deviceModelCached: true, input: 'text' });
    expect(translationNeeds(opus, { ...device, webgpu: true }, true, true).deviceModelBytes).toBe(40_000);
  });

  it('places on the server when it is usable, on the device when it is not', () => {
    expect(decideBatch(context()).placement).toBe('server');
    const fallback = decideBatch(context({ server: { reachable: false, ready: false } }));
    expect(fallback.placement).toBe('device');
    expect(fallback.reasons.capability).toMatch(/falls back to this device: the server cannot be reached/);
  });

  it('keeps device-only on the device and puts a direction the server lacks there too', () => {
    expect(decideBatch(context({ mode: 'device-only' })).placement).toBe('device');
    expect(decideBatch(context({ needs: translationNeeds(opus, device, true, false) })).reasons.capability).toMatch(/does not offer/);
  });
});
