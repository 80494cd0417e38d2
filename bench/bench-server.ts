import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { build } from 'vite';
import { createApp } from '../server/app.ts';
import { loadConfig, repoRoot } from '../server/config.ts';
import { benchDistDir } from './vite.config.ts';

export interface BenchServer {
  url: string;
  close(): Promise<void>;
}

/** Builds the bench page into bench/.dist with the app's ORT runtime plugin. */
export async function buildBenchPage(): Promise<void> {
  await build({ configFile: join(repoRoot, 'bench', 'vite.config.ts') });
}

/**
 * The app's own server (COOP/COEP for threads, CSP, /models) in this process, serving the bench
 * page in place of dist/, on a free port.
 */
export async function startBenchServer(asrModel: string): Promise<BenchServer> {
  // The app's own configuration (defaults for everything else), with the bench page in place of dist/.
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', SOTTO_DIST_DIR: benchDistDir, SOTTO_MODELS_DIR: join(repoRoot, 'models'), SOTTO_ASR_MODEL: asrModel });
  const app = createApp(config);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}
