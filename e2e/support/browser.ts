import { chromium, type Browser, type BrowserContext } from 'playwright-core';

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
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: chromiumArgs(options) });
}

/** Chromium with a profile on disk: a PWA is installable only outside incognito, which browser.newContext() is. */
export function launchPersistentChromium(userDataDir: string, options: BrowserOptions = {}): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM_PATH, args: chromiumArgs(options) });
}

function chromiumArgs(options: BrowserOptions): string[] {
  const args = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];
  if (options.fakeMicrophoneWav) {
    args.push('--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${options.fakeMicrophoneWav}`);
  }
  if (options.denyMicrophone) args.push('--use-fake-device-for-media-stream', '--deny-permission-prompts');
  if (options.webgpu) args.push('--enable-unsafe-webgpu');
  return args;
}
