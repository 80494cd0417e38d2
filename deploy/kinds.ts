import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';

/** The kinds deploy/k8s may hold: the schema validator of each, and the TypeScript type behind it. */

interface Kind {
  /** Throws when the object breaks the kind's OpenAPI schema (required fields, types, enums). */
  validate(object: unknown): void;
  /** Where the kind's interface is, for the unknown-field check in strict-fields.ts. */
  typeModule: string;
  typeName: string;
}

type ModelClass = new (data: never) => { validate(): void };

function kind(Model: ModelClass, typeModule: string): Kind {
  const typeName = `I${typeModule.split('/').at(-1)!}`;
  return { validate: (object) => new Model(object as never).validate(), typeModule, typeName };
}

export const kinds: Record<string, Kind> = {
  'v1/Namespace': kind(Namespace, 'kubernetes-models/v1/Namespace'),
  'v1/ConfigMap': kind(ConfigMap, 'kubernetes-models/v1/ConfigMap'),
  'v1/Secret': kind(Secret, 'kubernetes-models/v1/Secret'),
  'v1/Service': kind(Service, 'kubernetes-models/v1/Service'),
  'v1/PersistentVolumeClaim': kind(PersistentVolumeClaim, 'kubernetes-models/v1/PersistentVolumeClaim'),
  'apps/v1/Deployment': kind(Deployment, 'kubernetes-models/apps/v1/Deployment'),
  'batch/v1/Job': kind(Job, 'kubernetes-models/batch/v1/Job'),
  'policy/v1/PodDisruptionBudget': kind(PodDisruptionBudget, 'kubernetes-models/policy/v1/PodDisruptionBudget'),
  'autoscaling/v2/HorizontalPodAutoscaler': kind(HorizontalPodAutoscaler, 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler'),
  'keda.sh/v1alpha1/ScaledObject': kind(ScaledObject, '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject'),
  'monitoring.coreos.com/v1/PodMonitor': kind(PodMonitor, '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor'),
};

export function kindOf(object: { apiVersion?: unknown; kind?: unknown }): Kind {
  const key = `${String(object.apiVersion)}/${String(object.kind)}`;
  const found = kinds[key];
  if (!found) throw new Error(`no schema for ${key}; add it to deploy/kinds.ts`);
  return found;
}
