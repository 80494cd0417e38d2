import { describe, expect, it } from 'vitest';
import { precacheUrls } from './precache-list.ts';

describe('precacheUrls', () => {
  it('lists the shell as root-relative URLs, sorted and without repeats', () => {
    const files = ['index.html', 'assets/index-abc.js', 'ort/1.0.0/ort.wasm', 'manifest.webmanifest', 'icon-192.png', 'assets/index-abc.js'];
    expect(precacheUrls(files)).toEqual(['/assets/index-abc.js', '/icon-192.png', '/index.html', '/manifest.webmanifest', '/ort/1.0.0/ort.wasm']);
  });

  it('leaves out the service worker, source maps, models and vite metadata', () => {
    expect(precacheUrls(['sw.js', 'assets/a.js.map', 'models/sotto/x/model.onnx', '.vite/manifest.json', 'assets/sw-helper.js'])).toEqual(['/assets/sw-helper.js']);
  });
});
