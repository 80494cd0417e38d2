/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests: it throws on anything a
 * scraper could reject or misread, and checks each histogram's buckets against its count.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help?: string;
  samples: Sample[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelPair = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/;
const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/;
const types = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** As Go's strconv.ParseFloat reads it, which is what the format specifies (so NaN and Inf in any case). */
function parseValue(text: string, line: string): number {
  if (/^nan$/i.test(text)) return NaN;
  const infinite = /^([+-]?)inf(inity)?$/i.exec(text);
  if (infinite) return infinite[1] === '-' ? -Infinity : Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new Error(`Bad value in: ${line}`);
  return Number(text);
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== '') {
    const match = labelPair.exec(rest);
    if (!match) throw new Error(`Bad labels in: ${line}`);
    const [whole, name, raw] = match as unknown as [string, string, string];
    if (name in labels) throw new Error(`Label ${name} twice in: ${line}`);
    labels[name] = raw.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(whole.length);
  }
  return labels;
}

/** The family a sample belongs to: histogram and summary samples carry suffixes. */
function familyOf(name: string, families: Map<string, Family>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    const base = name.slice(0, -suffix.length);
    if (name.endsWith(suffix) && ['histogram', 'summary'].includes(families.get(base)?.type ?? '')) return base;
  }
  return name;
}

export function parseExposition(text: string): Map<string, Family> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('The exposition must end with a line feed.');
  const families = new Map<string, Family>();
  const finished = new Set<string>();
  let current: string | undefined;
  const enter = (name: string) => {
    if (name === current) return;
    if (finished.has(name)) throw new Error(`The samples of ${name} are not together.`);
    if (current !== undefined) finished.add(current);
    current = name;
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!metricName.test(name)) throw new Error(`Bad metric name in: ${line}`);
      enter(name);
      const family = families.get(name) ?? { type: 'untyped', samples: [] };
      if (kind === 'TYPE') {
        if (!types.has(rest) || families.get(name)?.samples.length) throw new Error(`Bad or late TYPE: ${line}`);
        family.type = rest as Family['type'];
      } else {
        if (family.help !== undefined) throw new Error(`HELP twice: ${line}`);
        family.help = rest;
      }
      families.set(name, family);
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = sampleLine.exec(line);
    if (!match) throw new Error(`Bad sample line: ${line}`);
    const [, name, labelText, valueText] = match as unknown as [string, string, string | undefined, string];
    const familyName = familyOf(name, families);
    enter(familyName);
    const family = families.get(familyName) ?? { type: 'untyped', samples: [] };
    families.set(familyName, family);
    const sample = { name, labels: parseLabels(labelText ?? '', line), value: parseValue(valueText, line) };
    if (family.type === 'counter' && !(sample.value >= 0)) throw new Error(`Negative counter: ${line}`);
    family.samples.push(sample);
  }
  for (const [name, family] of families) if (family.type === 'histogram') checkHistogram(name, family);
  return families;
}

function checkHistogram(name: string, family: Family): void {
  const series = new Map<string, Sample[]>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(rest);
    if (sample.name === `${name}_bucket` && le === undefined) throw new Error(`A bucket of ${name} has no le`);
    series.set(key, [...(series.get(key) ?? []), sample]);
  }
  for (const [key, samples] of series) {
    const buckets = samples.filter((s) => s.name === `${name}_bucket`);
    const count = samples.find((s) => s.name === `${name}_count`)?.value;
    const bounds = buckets.map((s) => parseValue(s.labels.le!, key));
    if (bounds.at(-1) !== Infinity || count === undefined || !samples.some((s) => s.name === `${name}_sum`)) {
      throw new Error(`${name}${key} lacks its +Inf bucket, sum or count`);
    }
    buckets.forEach((bucket, i) => {
      if (i === 0) return;
      if (bounds[i]! <= bounds[i - 1]! || bucket.value < buckets[i - 1]!.value) throw new Error(`${name}${key}: buckets out of order`);
    });
    if (buckets.at(-1)!.value !== count) throw new Error(`${name}${key}: the +Inf bucket is not the count`);
  }
}

/** The value of the one sample named `name` whose labels include `labels`; undefined when none matches. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const matches = [...families.values()]
    .flatMap((family) => family.samples)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (matches.length > 1) throw new Error(`${matches.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matches[0]?.value;
}
