import { describe, expect, it } from 'vitest';
import { findModel, parseManifest } from '../../contract/manifest-schema.ts';
import manifestJson from '../../models/manifest.json';
import type { LoadedModel, LoadRequest, StreamSummary, TranscriptEvent } from '../shared/asr-protocol.ts';
import { AudioInputError } from '../shared/audio/validate.ts';
import type { FinalSegment } from '../shared/pipeline-types.ts';
import type { LiveText } from '../shared/transcript-stitch.ts';
import { AbortError } from './asr-bridge.ts';
import type { MicrophoneOptions } from './audio/microphone.ts';
import { RecordingController, type RecordingControllerOptions, type RecordingView } from './recording-controller.ts';

const asrModel = findModel(parseManifest(manifestJson), 'sotto/whisper-tiny-random');
const liveAsrModel = findModel(parseManifest(manifestJson), 'sotto/moonshine-tiny-random');
const loaded: LoadedModel = { modelId: asrModel.id, backend: 'wasm', precision: 'q8', threads: 2, loadSeconds: 1 };
const device = { webgpu: false, hardwareConcurrency: 2, batterySaver: false, online: true };

function final(segmentId: number, text: string, startSeconds: number, endSeconds: number): TranscriptEvent {
  return { type: 'final', segmentId, text, startSeconds, endSeconds, overlapSeconds: 0, realTimeFactor: 0.25 };
}

/** A worker bridge, microphone and file decoder played by the test; every page write is recorded. */
type Overrides = Partial<Omit<RecordingControllerOptions, 'bridge'>> & { bridge?: Partial<RecordingControllerOptions['bridge']> };

function setup({ bridge: bridgeOverrides, ...overrides }: Overrides = {}) {
  const shown: { status: string[]; errors: (string | undefined)[]; activity: string[]; partial: LiveText[]; rtf: number[]; recording: boolean[] } = {
    status: [],
    errors: [],
    activity: [],
    partial: [],
    rtf: [],
    recording: [],
  };
  const view: RecordingView = {
    setStatus: (text) => shown.status.push(text),
    setActivity: (activity) => shown.activity.push(activity),
    showError: (message) => shown.errors.push(message),
    showLoadProgress: () => {},
    showModel: () => {},
    showAsr: () => {},
    setCancellable: () => {},
    setRecording: (recording) => shown.recording.push(recording),
    showRealTimeFactor: (rtf) => shown.rtf.push(rtf),
    showPartial: (text) => shown.partial.push(text),
  };
  const finals: FinalSegment[] = [];
  const captured: number[] = [];
  const session = { record: { mode: 'prefer-server' as const }, beginStream: () => {}, addFinal: (segment: FinalSegment) => finals.push(segment), addCapturedAudio: (bytes: number) => captured.push(bytes) };
  const calls: string[] = [];
  const pushed: Float32Array[] = [];
  let onEvent: ((event: TranscriptEvent) => void) | undefined;
  let microphone: MicrophoneOptions | undefined;
  const summary: StreamSummary = { audioSeconds: 4, computeSeconds: 1, segments: 1 };
  const requests: LoadRequest[] = [];
  const bridge: RecordingControllerOptions['bridge'] = {
    load: async (request) => {
      requests.push(request);
      return loaded;
    },
    terminate: () => void calls.push('terminate'),
    startStream: async (listener) => {
      onEvent = listener;
    },
    pushAudio: (chunk) => void pushed.push(chunk),
    endStream: async () => {
      calls.push('endStream');
      return summary;
    },
    transcribeClip: async (_audio, listener) => {
      listener(final(0, 'hello there', 0, 1.5));
      listener(final(1, 'general kenobi', 1.5, 3));
      return summary;
    },
    ...bridgeOverrides,
  };
  const recorder = new RecordingController({
    asrModel,
    overrides: { backend: 'wasm' },
    bridge,
    session,
    view,
    startMicrophone: async (options) => {
      microphone = options;
      return { stop: async () => void calls.push('microphone stopped') };
    },
    decodeAudioFile: async () => ({ samples: new Float32Array(16_000 * 3), sampleRate: 16_000, durationSeconds: 3 }),
    readDevice: async () => device,
    now: () => 0,
    ...overrides,
  });
  return { recorder, shown, finals, captured, calls, pushed, requests, emit: (event: TranscriptEvent) => onEvent!(event), microphone: () => microphone! };
}

describe('RecordingController', () => {
  it('loads the model for a language in a fresh worker and is ready', async () => {
    const { recorder, shown, calls, requests } = setup();
    await recorder.load({ language: 'en' });
    expect(calls).toEqual(['terminate']);
    expect(requests[0]).toMatchObject({ modelId: asrModel.id, backend: 'wasm', language: 'en' });
    expect(shown.status).toEqual(['Loading the speech model…', 'Ready']);
    expect(recorder.activity).toBe('idle');
    expect(recorder.needsReload({ language: 'en' })).toBe(false);
    expect(recorder.needsReload({ language: 'de' })).toBe(true);
  });

  it('adds the live model to the load for a language it knows, never for detection or other languages', async () => {
    const { recorder, requests } = setup({ liveAsrModel });
    await recorder.load({ language: 'en' });
    expect(requests[0]?.live).toMatchObject({ modelId: liveAsrModel.id, availablePrecisions: ['fp32', 'fp16', 'q8', 'q4'] });
    await recorder.load({ language: 'de' });
    await recorder.load({ language: 'auto', detectionCandidates: ['en', 'de'] });
    expect(requests.slice(1).map((request) => request.live)).toEqual([undefined, undefined]);
  });

  it('says why the model could not be loaded', async () => {
    const { recorder, shown } = setup({ bridge: { load: async () => Promise.reject(new Error('no model files')) } });
    await recorder.load({ language: 'en' });
    expect(shown.status.at(-1)).toBe('The speech model could not be loaded.');
    expect(shown.errors.at(-1)).toBe('Something went wrong: no model files');
    expect(recorder.needsReload({ language: 'de' })).toBe(false);
  });

  it('records: chunks are counted and pushed, partial then final text, and stopping ends the stream', async () => {
    const { recorder, shown, finals, captured, pushed, calls, emit, microphone } = setup();
    await recorder.load({ language: 'en' });
    await recorder.toggleRecording();
    expect(recorder.recording).toBe(true);
    expect(shown.status.at(-1)).toBe('Listening…');
    microphone().onChunk(new Float32Array(1600));
    expect(captured).toEqual([6400]);
    expect(pushed).toHaveLength(1);
    emit({ ...final(0, 'hello', 0, 1), type: 'partial', committedText: '' });
    expect(shown.partial.at(-1)).toEqual({ committed: '', tentative: 'hello' });
    emit({ ...final(0, 'hello there you', 0, 1), type: 'partial', committedText: 'hello there' });
    expect(shown.partial.at(-1)).toEqual({ committed: 'hello there', tentative: 'you' });
    emit(final(0, 'hello world', 0, 1.2));
    expect(finals).toMatchObject([{ segmentId: 0, text: 'hello world', startSeconds: 0, endSeconds: 1.2 }]);
    expect(shown.partial.at(-1)).toEqual({ committed: '', tentative: '' });
    expect(finals[0]!.asrRun).toMatchObject({ stage: 'asr', placement: 'device' });
    await recorder.toggleRecording();
    expect(calls.slice(-2)).toEqual(['microphone stopped', 'endStream']);
    expect(recorder.recording).toBe(false);
    expect(shown.rtf.at(-1)).toBe(0.25);
    expect(shown.status.at(-1)).toBe('Ready');
    expect(recorder.activity).toBe('idle');
  });

  it('cancels a recording: the microphone stops and the worker goes with its audio', async () => {
    const { recorder, shown, calls } = setup();
    await recorder.load({ language: 'en' });
    await recorder.toggleRecording();
    recorder.cancel();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(calls.slice(-2)).toEqual(['microphone stopped', 'terminate']);
    expect(shown.status.at(-1)).toBe('Cancelled');
    expect(recorder.recording).toBe(false);
  });

  it('a refused microphone ends the stream and shows the reason', async () => {
    const refused = new AudioInputError('permission-denied', 'Microphone access was refused.');
    const { recorder, shown, calls } = setup({ startMicrophone: async () => Promise.reject(refused) });
    await recorder.toggleRecording();
    expect(calls).toContain('endStream');
    expect(shown.errors.at(-1)).toBe('Microphone access was refused.');
    expect(shown.status.at(-1)).toBe('Ready');
  });

  it('transcribes a file into the session, segment by segment', async () => {
    const { recorder, shown, finals, captured } = setup();
    await recorder.load({ language: 'en' });
    await recorder.transcribeFile({ name: 'talk.wav' } as File);
    expect(captured).toEqual([16_000 * 3 * 4]);
    expect(finals.map((segment) => segment.text)).toEqual(['hello there', 'general kenobi']);
    expect(shown.status).toContain('Transcribing talk.wav…');
    expect(shown.status.at(-1)).toBe('Ready');
  });

  it('a file that cannot be read gets its readable message; a cancelled one no error', async () => {
    const unreadable = new AudioInputError('unsupported-format', 'This file is not audio the browser can decode.');
    const broken = setup({ decodeAudioFile: async () => Promise.reject(unreadable) });
    await broken.recorder.transcribeFile({ name: 'notes.txt' } as File);
    expect(broken.shown.errors.at(-1)).toBe('This file is not audio the browser can decode.');
    expect(broken.shown.status.at(-1)).toBe('Ready');

    const cancelled = setup({ decodeAudioFile: async () => Promise.reject(new AbortError()) });
    await cancelled.recorder.transcribeFile({ name: 'talk.wav' } as File);
    expect(cancelled.shown.errors.filter(Boolean)).toEqual([]);
    expect(cancelled.shown.status.at(-1)).toBe('Cancelled');
  });
});
