// `?worker&url` makes vite bundle the worklet (TypeScript compiled) and give its URL;
// a plain `new URL('…ts', import.meta.url)` would ship the raw TypeScript source.
import captureProcessorUrl from '../../worklet/capture-processor.ts?worker&url';
import { AudioChunker } from '../../shared/audio/chunker.ts';
import { StreamingResampler } from '../../shared/audio/resample.ts';
import { AudioInputError } from '../../shared/audio/validate.ts';
import { SAMPLE_RATE } from '../../shared/audio/sample-rate.ts';

const CHUNK_SAMPLES = SAMPLE_RATE / 10; // 100 ms

export interface MicrophoneOptions {
  /** Receives 16 kHz mono audio in 100 ms chunks (the last one may be shorter). */
  onChunk: (chunk16k: Float32Array) => void;
  /** Aborting stops the session, like `stop()`. */
  signal?: AbortSignal;
}

export interface MicrophoneSession {
  /** Releases the microphone and audio context after delivering the buffered remainder; idempotent. */
  stop(): Promise<void>;
}

export async function startMicrophone(options: MicrophoneOptions): Promise<MicrophoneSession> {
  const { onChunk, signal } = options;
  signal?.throwIfAborted();
  const stream = await requestMicrophone();
  // No sampleRate option: Firefox refuses to connect a stream to a context at another rate.
  const context = new AudioContext();
  try {
    signal?.throwIfAborted();
    await context.audioWorklet.addModule(captureProcessorUrl);
    signal?.throwIfAborted();
    const source = context.createMediaStreamSource(stream);
    const capture = new AudioWorkletNode(context, 'capture-processor');
    const resampler = new StreamingResampler(context.sampleRate, SAMPLE_RATE);
    const chunker = new AudioChunker(CHUNK_SAMPLES);

    capture.port.onmessage = (event: MessageEvent<Float32Array>) => {
      for (const chunk of chunker.push(resampler.push(event.data))) onChunk(chunk);
    };
    source.connect(capture);
    // Browsers only render nodes that lead to the destination; the processor outputs silence.
    capture.connect(context.destination);
    await context.resume();

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        signal?.removeEventListener('abort', onAbort);
        capture.port.onmessage = null;
        source.disconnect();
        capture.disconnect();
        for (const chunk of chunker.push(resampler.flush())) onChunk(chunk);
        const remainder = chunker.flush();
        if (remainder) onChunk(remainder);
        await release(stream, context);
      })();
      return stopping;
    };
    const onAbort = (): void => void stop();
    signal?.addEventListener('abort', onAbort, { once: true });
    return { stop };
  } catch (error) {
    await release(stream, context);
    throw error;
  }
}

async function requestMicrophone(): Promise<MediaStream> {
  // Missing outside secure contexts (plain http other than localhost).
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new AudioInputError(
      'no-microphone',
      'This page cannot use the microphone because it is not served over HTTPS. You can still open an audio file.',
    );
  }
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true },
    });
  } catch (error) {
    throw toAudioInputError(error);
  }
}

function toAudioInputError(error: unknown): unknown {
  const name = error instanceof DOMException || error instanceof Error ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return new AudioInputError(
        'permission-denied',
        'Microphone access was denied. You can still open an audio file.',
        { cause: error },
      );
    case 'NotFoundError':
    case 'OverconstrainedError':
      return new AudioInputError('no-microphone', 'No microphone was found. You can still open an audio file.', {
        cause: error,
      });
    case 'NotReadableError':
      return new AudioInputError(
        'no-microphone',
        'The microphone could not be started; another app may be using it. You can still open an audio file.',
        { cause: error },
      );
    default:
      return error;
  }
}

async function release(stream: MediaStream, context: AudioContext): Promise<void> {
  for (const track of stream.getTracks()) track.stop();
  if (context.state !== 'closed') await context.close();
}
