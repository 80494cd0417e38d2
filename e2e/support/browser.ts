import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface BrowserOptions {
  /** A WAV file the fake microphone plays (in a loop); omit for no fake microphone. */
  fakeMicrophoneWav?: string;
  /** Let getUserMedia fail as if the person refused the microphone. */
  denyMicrophone?: boolean;
  /** Expose WebGPU (SwiftShader in headless Chromium). */
  webgpu?: boolean;
}

/** Debian's Chromium, headless, never downloaded, with no background traffic to Google's hosts. */
export function launchChromium(options: BrowserOptions = {}): Promise<Browser> {
  const args = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];
  if (options.fakeMicrophoneWav) {
    args.push('--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${options.fakeMicrophoneWav}`);
  }
  if (options.denyMicrophone) args.push('--use-fake-device-for-media-stream', '--deny-permission-prompts');
  if (options.webgpu) args.push('--enable-unsafe-webgpu');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args });
}
