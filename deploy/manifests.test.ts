import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { findModel, isTranslationModel, parseManifest } from '../contract/manifest-schema.ts';
import { serverEntryPoints } from '../scripts/build-server.ts';
import { loadConfig, loadTranslationConfig } from '../server/config.ts';
import { argsOf, parseContainerfile, type Stage } from './containerfile.ts';
import { isKustomization, k8sDir, kustomizationSchema, readKustomization, readYaml, render, yamlFiles, type K8sObject } from './k8s-objects.ts';
import { kindOf } from './kinds.ts';
import { typeErrors } from './strict-fields.ts';

const repoRoot = path.join(import.meta.dirname, '..');
const relative = (file: string) => path.relative(k8sDir, file);
const files = yamlFiles();
const patchFiles = new Set(
  files.filter(isKustomization).flatMap((file) => (readKustomization(path.dirname(file)).patches ?? []).map((p) => path.join(path.dirname(file), p.path))),
);
/** Applied by hand, each for a reason its header gives, so in no kustomization. */
const byHand = ['base/secret.example.yaml', 'base/hpa-custom-metrics.yaml', 'base/models-fetch-job.yaml', 'base/podmonitor.yaml'];

const base = render(path.join(k8sDir, 'base'));
const gpu = render(path.join(k8sDir, 'gpu'));
const standalone = (name: string) => readYaml(path.join(k8sDir, name))[0] as K8sObject;

function only(objects: K8sObject[], kind: string): any {
  const found = objects.filter((o) => o.kind === kind);
  expect(found, `one ${kind}`).toHaveLength(1);
  return found[0];
}

const deployment = only(base, 'Deployment');
const gpuDeployment = only(gpu, 'Deployment');
const configMap = only(base, 'ConfigMap');
const config: Record<string, string> = configMap.data;
const secretExample = standalone('base/secret.example.yaml') as any;
const secretExamples = readYaml(path.join(k8sDir, 'base/secret.example.yaml')) as any[];
const podMonitor = standalone('base/podmonitor.yaml') as any;
const hpa = standalone('base/hpa-custom-metrics.yaml') as any;
const fetchJob = standalone('base/models-fetch-job.yaml') as any;
const containerOf = (d: any) => d.spec.template.spec.containers[0];
const container = containerOf(deployment);
const containerPort = (d: any, name: string | number) =>
  typeof name === 'number' ? name : containerOf(d).ports.find((p: any) => p.name === name)?.containerPort;

/** The environment a container of a rendered Deployment sees: the ConfigMap, overridden by literal env values. */
function environment(d: any): Record<string, string> {
  const literal = (containerOf(d).env ?? []).filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]);
  return { ...config, ...Object.fromEntries(literal) };
}

const quantity = (value: string | number, units: Record<string, number>) => {
  const [, number, unit = ''] = /^([\d.]+)(\D*)$/.exec(String(value))!;
  return Number(number) * units[unit]!;
};
const cores = (value: string | number) => quantity(value, { '': 1, m: 1 / 1000 });
const bytes = (value: string | number) => quantity(value, { '': 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 });

describe('every manifest', () => {
  it.each(files.map(relative))('%s parses and fits its schema', (name) => {
    const file = path.join(k8sDir, name);
    const docs = readYaml(file);
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) {
      if (isKustomization(file)) kustomizationSchema.parse(doc);
      // A patch is partial by design; it is validated merged, in the rendered overlay below.
      else if (!patchFiles.has(file)) kindOf(doc as K8sObject).validate(doc);
    }
  });

  it('renders the base and the GPU overlay into valid objects', () => {
    expect(base.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Namespace', 'PersistentVolumeClaim', 'PodDisruptionBudget', 'ScaledObject', 'Service']);
    for (const object of [...base, ...gpu]) {
      kindOf(object).validate(object);
      if (object.kind !== 'Namespace') expect(object.metadata.namespace, object.kind).toBe('sotto');
    }
  });

  it('has no field its kind does not define (what the schema validators let through)', () => {
    const objects = [
      ...files.filter((f) => !isKustomization(f) && !patchFiles.has(f)).flatMap((f) => readYaml(f).map((value) => ({ label: relative(f), value }))),
      { label: 'gpu (rendered Deployment)', value: gpuDeployment },
    ];
    expect(typeErrors(objects.map(({ label, value }) => ({ label, value, ...kindOf(value as K8sObject) })))).toEqual([]);
  });

  it('is in a kustomization or applied by hand, and every kustomization entry exists', () => {
    const referenced = new Set<string>([...patchFiles, ...byHand.map((name) => path.join(k8sDir, name))]);
    for (const file of files.filter(isKustomization)) {
      referenced.add(file);
      for (const entry of readKustomization(path.dirname(file)).resources) referenced.add(path.join(path.dirname(file), entry));
    }
    expect(files.filter((f) => !referenced.has(f)).map(relative)).toEqual([]);
    expect(() => render(path.join(k8sDir, 'gpu'))).not.toThrow();
  });

  it('labels everything app.kubernetes.io/name: sotto', () => {
    for (const object of [...base, ...secretExamples, hpa, fetchJob, podMonitor]) expect(object.metadata.labels?.['app.kubernetes.io/name'], object.kind).toBe('sotto');
  });
});

describe('the Deployment', () => {
  it('probes /healthz for start-up and liveness and /readyz for readiness, on the container port', () => {
    expect(container.ports).toEqual([{ name: 'http', containerPort: Number(config.PORT) }]);
    const probes = { startupProbe: '/healthz', livenessProbe: '/healthz', readinessProbe: '/readyz' };
    for (const [probe, expected] of Object.entries(probes)) {
      expect(container[probe].httpGet.path, probe).toBe(expected);
      expect(containerPort(deployment, container[probe].httpGet.port), probe).toBe(Number(config.PORT));
    }
    // Model loading happens before the server listens: the start-up budget covers minutes, liveness does not.
    const budget = (p: any) => (p.periodSeconds ?? 10) * (p.failureThreshold ?? 3);
    expect(budget(container.startupProbe)).toBeGreaterThanOrEqual(300);
    expect(budget(container.livenessProbe)).toBeLessThanOrEqual(60);
  });

  it('gives the graceful shutdown its whole grace period before SIGKILL', () => {
    const preStop: string[] = container.lifecycle.preStop.exec.command;
    expect(preStop[0]).toBe('sleep');
    const graceSeconds = Number(config.SOTTO_SHUTDOWN_GRACE_MS) / 1000;
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(Number(preStop[1]) + graceSeconds);
  });

  it('runs as the image user, without privileges, on a read-only root with /tmp writable', () => {
    for (const [label, pod] of [['Deployment', deployment.spec.template.spec], ['models Job', fetchJob.spec.template.spec]]) {
      expect(pod.securityContext, label).toMatchObject({ runAsNonRoot: true, runAsUser: imageUid, seccompProfile: { type: 'RuntimeDefault' } });
      for (const c of pod.containers) {
        expect(c.securityContext, label).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        const tmp = c.volumeMounts.find((m: any) => m.mountPath === '/tmp');
        expect(pod.volumes.find((v: any) => v.name === tmp?.name)?.emptyDir, label).toBeDefined();
      }
    }
  });

  it('reads the models read-only from the PVC at SOTTO_MODELS_DIR', () => {
    const mount = container.volumeMounts.find((m: any) => m.mountPath === config.SOTTO_MODELS_DIR);
    expect(mount.readOnly).toBe(true);
    const volume = deployment.spec.template.spec.volumes.find((v: any) => v.name === mount.name);
    expect(volume.persistentVolumeClaim).toEqual({ claimName: only(base, 'PersistentVolumeClaim').metadata.name, readOnly: true });
    const jobMount = fetchJob.spec.template.spec.containers[0].volumeMounts.find((m: any) => m.mountPath === config.SOTTO_MODELS_DIR);
    expect(fetchJob.spec.template.spec.volumes.find((v: any) => v.name === jobMount.name).persistentVolumeClaim.claimName).toBe(volume.persistentVolumeClaim.claimName);
  });

  it('takes its settings from the ConfigMap and the key hashes from the Secret the example describes', () => {
    expect(container.envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }]);
    const secretName = secretExample.metadata.name;
    const admin = container.env.find((e: any) => e.name === 'SOTTO_ADMIN_KEY_HASH').valueFrom.secretKeyRef;
    expect(admin.name).toBe(secretName);
    expect(secretExample.stringData).toHaveProperty(admin.key);
    const keysVolume = deployment.spec.template.spec.volumes.find((v: any) => v.secret?.secretName === secretName);
    const keysMount = container.volumeMounts.find((m: any) => m.name === keysVolume.name);
    expect(keysMount.readOnly).toBe(true);
    const [item] = keysVolume.secret.items;
    expect(secretExample.stringData).toHaveProperty(item.key);
    expect(config.SOTTO_API_KEYS_FILE).toBe(path.posix.join(keysMount.mountPath, item.path));
  });

  it('takes the metrics token hash from the Secret, and Prometheus scrapes with the token it hashes', () => {
    const ref = container.env.find((e: any) => e.name === 'SOTTO_METRICS_TOKEN_HASH').valueFrom.secretKeyRef;
    expect(ref.name).toBe(secretExample.metadata.name);
    expect(secretExample.stringData).toHaveProperty(ref.key);
    const [endpoint] = podMonitor.spec.podMetricsEndpoints;
    expect(containerPort(deployment, endpoint.port)).toBe(Number(config.PORT));
    expect(endpoint.path).toBe('/metrics');
    expect(endpoint.authorization.type).toBe('Bearer');
    const scrapeSecret = secretExamples.find((secret) => secret.metadata.name === endpoint.authorization.credentials.name);
    expect(scrapeSecret.stringData).toHaveProperty(endpoint.authorization.credentials.key);
    expect(scrapeSecret.metadata.name).not.toBe(secretExample.metadata.name);
    // An annotation-driven scrape job would send no token and only collect 401s.
    expect(Object.keys(deployment.spec.template.metadata.annotations ?? {}).filter((name) => name.startsWith('prometheus.io/'))).toEqual([]);
  });

  it.each([['base', deployment], ['gpu', gpuDeployment]])('%s: sizes workers, threads and weights to its limits, not the node', (_, d) => {
    const env = environment(d);
    const { limits, requests } = containerOf(d).resources;
    expect(requests).toEqual(limits);
    expect(Number(env.SOTTO_TRANSLATION_WORKERS) * Number(env.SOTTO_ORT_INTRA_OP_THREADS)).toBeLessThanOrEqual(cores(limits.cpu));
    expect(Number(env.SOTTO_TRANSLATION_MEMORY_MB) * 2 ** 20).toBeLessThan(bytes(limits.memory) * 0.75);
  });

  it('gpu: asks for one GPU and tries CUDA first, with the CUDA image', () => {
    expect(gpuDeployment.spec.template.spec.containers).toHaveLength(1);
    const c = containerOf(gpuDeployment);
    expect(c.resources.limits['nvidia.com/gpu']).toBe(1);
    expect(environment(gpuDeployment).SOTTO_PROVIDERS).toBe('cuda,cpu');
    expect(c.image).toMatch(/-cuda$/);
    expect(container.image).not.toMatch(/-cuda$/);
  });
});

describe('the wiring', () => {
  const podLabels = deployment.spec.template.metadata.labels;

  it('selects the Deployment pods from the Deployment, the Service, the PodDisruptionBudget and the PodMonitor', () => {
    expect(podLabels).toMatchObject(podMonitor.spec.selector.matchLabels);
    expect(podLabels).toMatchObject(deployment.spec.selector.matchLabels);
    const service = only(base, 'Service');
    expect(podLabels).toMatchObject(service.spec.selector);
    expect(containerPort(deployment, service.spec.ports[0].targetPort)).toBe(Number(config.PORT));
    expect(podLabels).toMatchObject(only(base, 'PodDisruptionBudget').spec.selector.matchLabels);
  });

  it('scales the Deployment on sotto_queue_depth with KEDA, and the HPA alternative agrees', () => {
    const scaled = only(base, 'ScaledObject');
    const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name };
    expect(scaled.spec.scaleTargetRef).toEqual(target);
    expect(hpa.spec.scaleTargetRef).toEqual(target);
    expect(deployment.spec.replicas).toBeUndefined();

    const [trigger] = scaled.spec.triggers;
    expect(trigger).toMatchObject({ type: 'prometheus', metricType: 'AverageValue' });
    expect(trigger.metadata.query).toMatch(/^sum\(sotto_queue_depth\b/);
    const perPod = Number(trigger.metadata.threshold);
    expect(perPod).toBeGreaterThan(0);
    // Scale out well before a pod's queue is full and /readyz turns it away.
    expect(perPod).toBeLessThan(Number(config.SOTTO_QUEUE_SIZE) / 4);

    const [metric] = hpa.spec.metrics;
    expect(metric.pods.metric.name).toBe('sotto_queue_depth');
    expect(metric.pods.target).toEqual({ type: 'AverageValue', averageValue: trigger.metadata.threshold });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([scaled.spec.minReplicaCount, scaled.spec.maxReplicaCount]);
    expect(hpa.spec.behavior).toEqual(scaled.spec.advanced.horizontalPodAutoscalerConfig.behavior);
    expect(scaled.spec.minReplicaCount).toBeGreaterThan(only(base, 'PodDisruptionBudget').spec.maxUnavailable);
  });

  it('never applies both autoscalers', () => {
    expect(base.some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(false);
  });
});

describe('the configuration', () => {
  it('uses only variables the server reads', () => {
    const serverFiles = readdirSync(path.join(repoRoot, 'server'), { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
      .map((name) => readFileSync(path.join(repoRoot, 'server', name), 'utf8'));
    const read = new Set(serverFiles.flatMap((text) => [...text.matchAll(/['"`](SOTTO_[A-Z0-9_]+|PORT|HOST)['"`]/g)].map((m) => m[1]!)));
    const used = new Set([
      ...Object.keys(config),
      ...[deployment, gpuDeployment].flatMap((d) => (containerOf(d).env ?? []).map((e: any) => e.name as string)),
      ...imageEnvNames,
    ]);
    expect([...used].filter((name) => !read.has(name))).toEqual([]);
  });

  it.each([['base', deployment], ['gpu', gpuDeployment]])('%s: passes the server’s own checks', (_, d) => {
    // The keys file comes from the Secret at run time; a stand-in with one valid entry takes its place here.
    const keysFile = path.join(mkdtempSync(path.join(tmpdir(), 'sotto-keys-')), 'api-keys');
    writeFileSync(keysFile, `${JSON.stringify({ id: 'example', hash: `sha256$${'0'.repeat(64)}` })}\n`);
    const env = { ...environment(d), SOTTO_API_KEYS_FILE: keysFile };
    expect(loadConfig(env)).toMatchObject({ host: '0.0.0.0', port: 8080, modelsDir: config.SOTTO_MODELS_DIR });
    expect(() => loadTranslationConfig(env)).not.toThrow();
  });

  it('names models the manifest has, translation ones placed on the server', () => {
    const manifest = parseManifest(JSON.parse(readFileSync(path.join(repoRoot, 'models', 'manifest.json'), 'utf8')));
    expect(findModel(manifest, config.SOTTO_ASR_MODEL!).task).toBe('automatic-speech-recognition');
    for (const id of config.SOTTO_TRANSLATION_MODELS!.split(',')) {
      const model = findModel(manifest, id.trim());
      expect(isTranslationModel(model) && model.placement.includes('server'), id).toBe(true);
    }
  });

  it('keeps only placeholders in the Secret example', () => {
    expect(secretExamples.map((secret) => secret.data)).toEqual(secretExamples.map(() => undefined));
    const values = secretExamples.flatMap((secret) => Object.values(secret.stringData as Record<string, string>));
    const lines = values.flatMap((value) => value.split('\n')).filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.trim()).toMatch(/^REPLACE_WITH_[A-Z0-9_]+$/);
    // Nothing hash- or token-like anywhere in the file, comments included.
    const text = readFileSync(path.join(k8sDir, 'base/secret.example.yaml'), 'utf8');
    expect(text.match(/\b[0-9a-f]{16,}\b|\b(?=[A-Za-z0-9+/_-]*\d)(?=[A-Za-z0-9+/_-]*[a-z])[A-Za-z0-9+/_-]{20,}={0,2}/g)).toBeNull();
  });
});

const containerfile = parseContainerfile(path.join(import.meta.dirname, 'Containerfile'));
const stage = (name: string) => containerfile.stages.find((s) => s.name === name)!;
const runtimeStages = [stage('cpu'), stage('cuda')];
const imageUid = Number(argsOf(stage('cpu'), 'USER')[0]!.split(':')[0]);
const imageEnvNames = runtimeStages.flatMap((s) => argsOf(s, 'ENV').flatMap((args) => args.split(' ').map((pair) => pair.split('=')[0]!)));

describe('the Containerfile', () => {
  it('builds with npm ci (no CUDA download), vite and the server bundle, on node:20-bookworm-slim, the CPU image by default', () => {
    const build = stage('build');
    expect(build.from).toBe('node:20-bookworm-slim');
    const runs = argsOf(build, 'RUN').join('\n');
    expect(runs).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip npm ci\b/);
    expect(runs).toMatch(/npx vite build/);
    expect(runs).toMatch(/npm run build:server/);
    expect(containerfile.stages.at(-1)).toBe(stage('cpu'));
    expect(stage('cpu').from).toBe('node:20-bookworm-slim');
    expect(argsOf(stage('runtime-deps'), 'RUN').join('\n')).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip npm ci --omit=dev\b/);
    expect(stage('runtime-deps-cuda').from).toBe('runtime-deps');
    expect(argsOf(stage('runtime-deps-cuda'), 'RUN').join('\n')).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install\.js/);
  });

  it.each(runtimeStages.map((s) => [s.name, s] as [string, Stage]))('%s: production dependencies, the builds and the models, no sources', (name, s) => {
    const deps = name === 'cuda' ? 'runtime-deps-cuda' : 'runtime-deps';
    const copies = argsOf(s, 'COPY').filter((args) => !args.startsWith('--from=build /usr/local/bin/node'));
    expect(copies).toEqual([
      `--from=${deps} /app /app`,
      '--from=build /app/dist /app/dist',
      '--from=build /app/dist-server /app/dist-server',
      '--from=build /image/models /app/models',
    ]);
    expect(argsOf(s, 'RUN')).toEqual([]);
    // The dependencies stage copies nothing but the package files.
    expect(argsOf(stage('runtime-deps'), 'COPY')).toEqual(['package.json package-lock.json ./']);
    expect(argsOf(stage('build'), 'RUN').join('\n')).toMatch(/find models .* ! -name generate/);
  });

  it.each(runtimeStages.map((s) => [s.name, s] as [string, Stage]))('%s: non-root, SIGTERM, the port, the compiled start', (_, s) => {
    const [user] = argsOf(s, 'USER');
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user!.split(':')[0])).toBeGreaterThan(0);
    expect(Number(user!.split(':')[0])).toBe(deployment.spec.template.spec.securityContext.runAsUser);
    expect(argsOf(s, 'EXPOSE')).toEqual([config.PORT]);
    const env = argsOf(s, 'ENV').join(' ').split(' ');
    expect(env).toEqual(expect.arrayContaining([`PORT=${config.PORT}`, 'HOST=0.0.0.0']));
    expect(argsOf(s, 'STOPSIGNAL')).toEqual(['SIGTERM']);
    expect(JSON.parse(argsOf(s, 'CMD')[0]!)).toEqual(['node', 'dist-server/main.js']);
  });

  it.each(runtimeStages.map((s) => [s.name, s] as [string, Stage]))('%s: HEALTHCHECK passes on a 200 from /healthz and fails otherwise', async (_, s) => {
    const [healthcheck] = argsOf(s, 'HEALTHCHECK');
    const [command, ...rest] = JSON.parse(healthcheck!.slice(healthcheck!.indexOf('CMD ') + 4)) as string[];
    expect(command).toBe('node');
    for (const [status, passes] of [[200, true], [503, false]] as const) {
      const paths: string[] = [];
      const server = createServer((req, res) => {
        paths.push(req.url!);
        res.writeHead(req.url === '/healthz' ? status : 404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = String((server.address() as AddressInfo).port);
      const run = promisify(execFile)(process.execPath, rest, { env: { ...process.env, PORT: port }, timeout: 10_000 });
      await (passes ? expect(run).resolves.toBeDefined() : expect(run).rejects.toThrow());
      server.close();
      expect(paths).toEqual(['/healthz']);
    }
  });

  it('has the models Job run the fetcher that build:server compiles into the image', () => {
    const command: string[] = fetchJob.spec.template.spec.containers[0].command;
    expect(command.at(-1)).toMatch(/&& node dist-server\/models-fetch\.js --models-dir \//);
    expect(Object.keys(serverEntryPoints)).toContain('models-fetch');
  });

  it('leaves dependencies, builds, weights and git out of the build context', () => {
    const lines = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['.git', '**/node_modules', 'dist', 'dist-server', 'models/*', '!models/*.ts', '!models/manifest.json', '!models/generate', 'bench/results/*.tmp']) {
      expect(lines).toContain(entry);
    }
  });
});
