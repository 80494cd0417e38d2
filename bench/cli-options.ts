import { parseArgs } from 'node:util';

export const usage = `Usage: npm run bench:asr -- [options]
  --configs LIST  comma-separated, from: wasm-1t, wasm-mt, webgpu, wasm-mt-file, plain (default: all,
                  except that webgpu is left out when the only adapter is a software one such as SwiftShader)
  --clips LIST    WAV files listed in ../shared/data/speech/transcripts.tsv, or "all"
                  (default: jfk.wav,osr-harvard-list.wav)
  --model ID      ASR model from models/manifest.json (default: sotto/whisper-base-random)
  --live-model ID the app's live model for the streamed configurations, or "none" for the ASR model alone
                  (default: sotto/moonshine-base-random)
  --force         run even when the 1-minute load average exceeds the core count (results marked invalid)
  --repeat N      transcriptions per clip and configuration; the tables show medians (default: 1)
  --speed X       streaming pace as a multiple of real time (default: 1, as a microphone delivers)
  --config-timeout S
                  stop a configuration after S seconds, keeping what it measured (default: 1800)`;

export interface BenchOptions {
  /** Undefined: the default set, which depends on the WebGPU adapter. */
  configs: string[] | undefined;
  clips: string[];
  model: string;
  /** Null: streams use `model` too. */
  liveModel: string | null;
  force: boolean;
  repeat: number;
  speed: number;
  configTimeoutSeconds: number;
  help: boolean;
}

/** A comma-separated option's items, trimmed, empty ones left out. */
export const list = (value: string) => value.split(',').map((item) => item.trim()).filter((item) => item.length > 0);

function positive(name: string, value: string, integer: boolean): number {
  const number = Number(value);
  if (!(number > 0) || !Number.isFinite(number) || (integer && !Number.isInteger(number))) {
    throw new Error(`--${name} must be a positive ${integer ? 'whole ' : ''}number, got "${value}"\n${usage}`);
  }
  return number;
}

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      configs: { type: 'string' },
      clips: { type: 'string', default: 'jfk.wav,osr-harvard-list.wav' },
      model: { type: 'string', default: 'sotto/whisper-base-random' },
      'live-model': { type: 'string', default: 'sotto/moonshine-base-random' },
      force: { type: 'boolean', default: false },
      repeat: { type: 'string', default: '1' },
      speed: { type: 'string', default: '1' },
      'config-timeout': { type: 'string', default: '1800' },
      help: { type: 'boolean', default: false },
    },
  });
  return {
    configs: values.configs === undefined ? undefined : list(values.configs),
    clips: list(values.clips),
    model: values.model,
    liveModel: values['live-model'] === 'none' ? null : values['live-model'],
    force: values.force,
    repeat: positive('repeat', values.repeat, true),
    speed: positive('speed', values.speed, false),
    configTimeoutSeconds: positive('config-timeout', values['config-timeout'], false),
    help: values.help,
  };
}
