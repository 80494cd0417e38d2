/** Set by scripts/service-worker-plugin.ts when it builds sw.js. */
declare const __SW_VERSION__: string;
declare const __SW_PRECACHE__: string[];
