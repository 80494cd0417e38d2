import { describe, expect, it } from 'vitest';
import { redactInternals } from './redact.ts';

describe('redactInternals', () => {
  it.each([
    ["ENOENT: no such file or directory, open '/work/main/models/manifest.json'", "ENOENT: no such file or directory, open '<path>'"],
    ['Load model from /srv/sotto/models/x/onnx/model.onnx failed', 'Load model from <path> failed'],
    ['cannot import file:///app/node_modules/onnxruntime-node/dist/index.js', 'cannot import <path>'],
    ['Error: boom\n    at run (/work/main/server/x.ts:12:3)\n    at async main', 'Error: boom'],
    ['failed (/home/me/app.ts:1:2)', 'failed (<path>:1:2)'],
  ])('redacts %j', (text, redacted) => {
    expect(redactInternals(text)).toBe(redacted);
  });

  it.each([
    'There is no server translation model "x"; GET /v1/models lists them.',
    'Fetch it from /models/sotto/whisper-tiny-random/config.json.',
    'Send the body as application/json (got text/plain).',
    'Model Xenova/opus-mt-en-de does not translate en → fr.',
    'See https://example.org/Xenova/nllb-200-distilled-600M/tree/main.',
    'The request body is larger than 1000 bytes; at most 4 segments.',
    'Try /healthz.',
  ])('keeps %j', (text) => {
    expect(redactInternals(text)).toBe(text);
  });
});
