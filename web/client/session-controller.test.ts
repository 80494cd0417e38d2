import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../contract/manifest-schema.ts';
import manifestJson from '../../models/manifest.json';
import { EMPTY_LEDGER, type DataLedger, type FinalSegment, type SessionRecord, type SessionSettings, type StageRun, type TranslatedSegment } from '../shared/pipeline-types.ts';
import type { StageDecision } from '../shared/placement-policy.ts';
import { newSession } from '../shared/session-state.ts';
import { SessionController, type SessionSnapshot, type TranslationPipelineLike } from './session-controller.ts';

const manifest = parseManifest(manifestJson);
const settings: SessionSettings = { sourceLanguage: 'en', targetLanguage: 'de', mode: 'prefer-server' };
const reasons = { privacy: 'only text is sent', cost: 'c', maintenance: 'm', capability: 'k' };
const asrRun: StageRun = { stage: 'asr', placement: 'device', backend: 'WebGPU', reasons, ms: 30 };
const translationRun: StageRun = { stage: 'translation', placement: 'server', backend: 'server CPU', reasons, ms: 120 };

/** Records what the controller sends and lets the test play the pipeline's events. */
class StubPipeline implements TranslationPipelineLike {
  readonly added: FinalSegment[] = [];
  readonly settings: SessionSettings[] = [];
  disposed = false;
  private readonly segmentListeners = new Set<(segment: TranslatedSegment) => void>();
  private readonly ledgerListeners = new Set<(ledger: DataLedger) => void>();
  private readonly placementListeners = new Set<(decision: StageDecision & { backend?: string }) => void>();

  constructor(initial: SessionSettings) {
    this.settings.push(initial);
  }
  setSettings(next: SessionSettings): void {
    this.settings.push(next);
  }
  addFinalSegment(segment: FinalSegment): void {
    this.added.push(segment);
  }
  onSegment(listener: (segment: TranslatedSegment) => void) {
    this.segmentListeners.add(listener);
    return () => this.segmentListeners.delete(listener);
  }
  onLedger(listener: (ledger: DataLedger) => void) {
    this.ledgerListeners.add(listener);
    return () => this.ledgerListeners.delete(listener);
  }
  onPlacement(listener: (decision: StageDecision & { backend?: string }) => void) {
    this.placementListeners.add(listener);
    return () => this.placementListeners.delete(listener);
  }
  dispose(): void {
    this.disposed = true;
  }
  emitSegment(segment: TranslatedSegment): void {
    for (const listener of this.segmentListeners) listener(segment);
  }
  emitLedger(ledger: Partial<DataLedger>): void {
    for (const listener of this.ledgerListeners) listener({ ...EMPTY_LEDGER, ...ledger });
  }
  emitPlacement(decision: StageDecision & { backend?: string }): void {
    for (const listener of this.placementListeners) listener(decision);
  }
}

function setup(record: SessionRecord = newSession('first', settings, 0)) {
  const pipelines: StubPipeline[] = [];
  const saved: SessionRecord[] = [];
  const deleted: string[] = [];
  let ids = 0;
  let clock = 100;
  const controller = new SessionController({
    manifest,
    createPipeline: (options) => {
      expect(options.manifest).toBe(manifest);
      const pipeline = new StubPipeline(options.settings);
      pipelines.push(pipeline);
      return pipeline;
    },
    store: { save: (r) => void saved.push(r), delete: async (id) => void deleted.push(id) },
    record,
    now: () => (clock += 1),
    newId: () => `new-${++ids}`,
  });
  const snapshots: SessionSnapshot[] = [];
  controller.onChange((snapshot) => snapshots.push(snapshot));
  return { controller, pipelines, saved, deleted, snapshots, pipeline: () => pipelines.at(-1)! };
}

const final = (segmentId: number, text: string, startSeconds: number, endSeconds: number): FinalSegment => ({ segmentId, text, startSeconds, endSeconds, asrRun });

describe('SessionController', () => {
  it('numbers and times each recording after the previous one, and sends the segments to the pipeline', () => {
    const { controller, pipeline, snapshots } = setup();
    controller.beginStream();
    controller.addFinal(final(0, ' Hello there. ', 0.5, 2));
    controller.addFinal(final(1, '   ', 2, 3));
    controller.addFinal(final(2, 'General Kenobi.', 3, 4.5));
    controller.beginStream();
    controller.addFinal(final(0, 'Second file.', 0.25, 1));

    expect(controller.record.segments.map((s) => [s.segmentId, s.startSeconds, s.endSeconds, s.sourceText, s.status])).toEqual([
      [0, 0.5, 2, 'Hello there.', 'pending'],
      [2, 3, 4.5, 'General Kenobi.', 'pending'],
      [3, 4.75, 5.5, 'Second file.', 'pending'],
    ]);
    expect(controller.record.segments[0]!.asrRun).toEqual(asrRun);
    expect(pipeline().added.map((s) => [s.segmentId, s.text, s.startSeconds])).toEqual([
      [0, 'Hello there.', 0.5],
      [2, 'General Kenobi.', 3],
      [3, 'Second file.', 4.75],
    ]);
    expect([...snapshots.at(-1)!.streamStarts]).toEqual([3]);
    expect(controller.record.title).toBe('Hello there.');
  });

  it('merges the pipeline’s translations, ledger totals and placement into the session', () => {
    const { controller, pipeline, snapshots, saved } = setup();
    controller.beginStream();
    controller.addFinal(final(0, 'Good morning.', 0, 1));
    controller.addCapturedAudio(64_000);
    pipeline().emitPlacement({ stage: 'translation', placement: 'server', reasons });
    expect(snapshots.at(-1)!.translation).toEqual({ placement: 'server', reasons });

    pipeline().emitSegment({ segmentId: 0, startSeconds: 0, endSeconds: 1, sourceText: 'Good morning.', translation: 'Guten Morgen.', translationRun, status: 'done' });
    pipeline().emitLedger({ transcriptBytesSent: 13, translationBytesReceived: 40, translationRequests: 1 });
    pipeline().emitLedger({ transcriptBytesSent: 30, translationBytesReceived: 90, translationRequests: 2 });
    pipeline().emitPlacement({ stage: 'translation', placement: 'server', reasons });

    const segment = controller.record.segments[0]!;
    expect(segment).toMatchObject({ translation: 'Guten Morgen.', status: 'done', asrRun, translationRun });
    expect(controller.record.ledger).toEqual({ ...EMPTY_LEDGER, audioBytesCaptured: 64_000, transcriptBytesSent: 30, translationBytesReceived: 90, translationRequests: 2 });
    expect(snapshots.at(-1)!.translation).toEqual({ placement: 'server', backend: 'server CPU', reasons });
    expect(snapshots.at(-1)!.translationConnected).toBe(true);
    expect(saved.at(-1)).toBe(controller.record);

    pipeline().emitPlacement({ stage: 'translation', placement: 'device', reasons });
    expect(snapshots.at(-1)!.translation).toEqual({ placement: 'device', reasons });
    pipeline().emitPlacement({ stage: 'translation', placement: 'device', backend: 'WebAssembly', reasons });
    expect(snapshots.at(-1)!.translation).toEqual({ placement: 'device', backend: 'WebAssembly', reasons });
  });

  it('does not save a session without text', () => {
    const { controller, saved } = setup();
    controller.addCapturedAudio(64_000);
    expect(saved).toEqual([]);
  });

  it('passes settings changes to the pipeline and keeps them in the record', () => {
    const { controller, pipeline } = setup();
    const next: SessionSettings = { sourceLanguage: 'en', targetLanguage: 'fr', mode: 'device-only' };
    controller.setSettings(next);
    expect(pipeline().settings).toEqual([settings, next]);
    expect(controller.record.targetLanguage).toBe('fr');
  });

  it('gives each opened session its own pipeline, with the ledger counted from there', () => {
    const stored: SessionRecord = {
      ...newSession('old', { ...settings, targetLanguage: 'es' }, 0),
      segments: [{ segmentId: 4, startSeconds: 0, endSeconds: 9, sourceText: 'Earlier.', translation: 'Antes.', translationRun, status: 'done' }],
      ledger: { ...EMPTY_LEDGER, transcriptBytesSent: 8 },
    };
    const { controller, pipelines, snapshots } = setup();
    pipelines[0]!.emitLedger({ transcriptBytesSent: 100 });
    controller.open(stored);

    expect(pipelines[0]!.disposed).toBe(true);
    expect(pipelines[1]!.settings).toEqual([{ ...settings, targetLanguage: 'es' }]);
    expect(snapshots.at(-1)!.translation).toEqual({ placement: 'server', backend: 'server CPU', reasons });
    pipelines[1]!.emitLedger({ transcriptBytesSent: 5 });
    pipelines[0]!.emitSegment({ segmentId: 4, startSeconds: 0, endSeconds: 9, sourceText: 'x', status: 'failed' });
    expect(controller.record.ledger.transcriptBytesSent).toBe(13);
    expect(controller.record.segments[0]!.status).toBe('done');

    controller.beginStream();
    controller.addFinal(final(0, 'Continued.', 1, 2));
    expect(controller.record.segments.at(-1)).toMatchObject({ segmentId: 5, startSeconds: 10, endSeconds: 11 });
  });

  it('deleting the current session starts an empty one with the same settings', async () => {
    const { controller, deleted, pipelines } = setup();
    controller.addFinal(final(0, 'Delete me.', 0, 1));
    await controller.remove('first');
    expect(deleted).toEqual(['first']);
    expect(controller.record).toMatchObject({ id: 'new-1', segments: [], ...settings });
    expect(pipelines).toHaveLength(2);

    await controller.remove('some-other');
    expect(controller.record.id).toBe('new-1');
  });

  it('works without a translation pipeline', () => {
    const controller = new SessionController({ manifest, createPipeline: undefined, store: { save: () => undefined, delete: async () => undefined }, record: newSession('s', settings, 0) });
    const snapshots: SessionSnapshot[] = [];
    controller.onChange((snapshot) => snapshots.push(snapshot));
    controller.addFinal(final(0, 'Just the transcript.', 0, 1));
    expect(controller.record.segments[0]!.sourceText).toBe('Just the transcript.');
    expect(snapshots.at(-1)!.translationConnected).toBe(false);
  });
});
