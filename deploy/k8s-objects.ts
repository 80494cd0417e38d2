import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';

/** Offline stand-ins for `kubectl kustomize`: reads the YAML under deploy/k8s and renders a kustomization. */

export const k8sDir = path.join(import.meta.dirname, 'k8s');

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
};

export function yamlFiles(dir = k8sDir): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => path.join(dir, name))
    .sort();
}

/** Every document of a file; YAML errors and warnings (duplicate keys, tabs) throw. */
export function readYaml(file: string): unknown[] {
  return parseAllDocuments(readFileSync(file, 'utf8'), { uniqueKeys: true }).map((doc) => {
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length > 0) throw new Error(`${file}: ${problems.map((p) => p.message).join('; ')}`);
    return doc.toJS() as unknown;
  });
}

export const kustomizationSchema = z
  .object({
    apiVersion: z.literal('kustomize.config.k8s.io/v1beta1'),
    kind: z.literal('Kustomization'),
    namespace: z.string().optional(),
    resources: z.array(z.string()).min(1),
    patches: z.array(z.object({ path: z.string() }).strict()).optional(),
    images: z.array(z.object({ name: z.string(), newName: z.string().optional(), newTag: z.string().optional() }).strict()).optional(),
  })
  .strict();

export type Kustomization = z.infer<typeof kustomizationSchema>;

export const isKustomization = (file: string) => path.basename(file) === 'kustomization.yaml';

export function readKustomization(dir: string): Kustomization {
  const [doc] = readYaml(path.join(dir, 'kustomization.yaml'));
  return kustomizationSchema.parse(doc);
}

/**
 * A strategic merge patch as kustomize applies this project's patches: maps merge, lists of named items
 * (containers, env) merge by name, other lists are replaced.
 */
export function strategicMerge(base: unknown, patch: unknown): unknown {
  if (Array.isArray(base) && Array.isArray(patch) && [...base, ...patch].every(isNamed)) {
    const merged = base.map((item) => {
      const over = patch.find((p) => p.name === item.name);
      return over ? strategicMerge(item, over) : item;
    });
    return [...merged, ...patch.filter((p) => !base.some((item) => item.name === p.name))];
  }
  if (isPlainObject(base) && isPlainObject(patch)) {
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(patch)) merged[key] = key in base ? strategicMerge(base[key], value) : value;
    return merged;
  }
  return patch;
}

/** The objects `kubectl kustomize dir` would print, for the features this project's kustomizations use. */
export function render(dir: string): K8sObject[] {
  const kustomization = readKustomization(dir);
  let objects: K8sObject[] = kustomization.resources.flatMap((entry) => {
    const target = path.join(dir, entry);
    if (!existsSync(target)) throw new Error(`${dir}/kustomization.yaml: ${entry} does not exist`);
    return statSync(target).isDirectory() ? render(target) : (readYaml(target) as K8sObject[]);
  });
  for (const { path: patchPath } of kustomization.patches ?? []) {
    for (const patch of readYaml(path.join(dir, patchPath)) as K8sObject[]) {
      const index = objects.findIndex((o) => o.kind === patch.kind && o.metadata.name === patch.metadata.name);
      if (index < 0) throw new Error(`${patchPath}: no ${patch.kind} ${patch.metadata.name} to patch`);
      objects[index] = strategicMerge(objects[index], patch) as K8sObject;
    }
  }
  if (kustomization.namespace) {
    const namespace = kustomization.namespace;
    objects = objects.map((o) => (o.kind === 'Namespace' ? o : { ...o, metadata: { ...o.metadata, namespace } }));
  }
  for (const image of kustomization.images ?? []) objects = objects.map((o) => withImage(o, image));
  return objects;
}

function withImage(object: K8sObject, image: NonNullable<Kustomization['images']>[number]): K8sObject {
  const json = JSON.stringify(object, (key, value: unknown) => {
    if (key !== 'image' || typeof value !== 'string') return value;
    const [, name, tag] = /^(.*?)(?::([^:/]+))?$/.exec(value)!;
    return name === image.name ? `${image.newName ?? name}:${image.newTag ?? tag ?? 'latest'}` : value;
  });
  return JSON.parse(json) as K8sObject;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isNamed = (value: unknown): value is { name: string } => isPlainObject(value) && typeof value.name === 'string';
