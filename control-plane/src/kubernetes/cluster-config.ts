/** The Kubernetes client configuration and render-pod settings, from the control plane's config. */
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError, type ControlPlaneConfig } from '../config.js';
import { RenderEventTokens } from '../auth/render-event-tokens.js';
import type { RenderPodOptions } from './render-pod.js';

export function loadKubeConfig(config: ControlPlaneConfig): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (config.kubernetes.kubeconfig) kubeConfig.loadFromFile(config.kubernetes.kubeconfig);
  else kubeConfig.loadFromCluster();
  return kubeConfig;
}

export function renderPodOptions(config: ControlPlaneConfig): RenderPodOptions {
  if (config.storage.kind !== 's3')
    throw new ConfigError(
      'Render pods need an object store they can reach: set CUTLINE_S3_ENDPOINT (and its keys) with CUTLINE_LAUNCHER=kubernetes',
    );
  return {
    image: config.kubernetes.renderImage,
    serviceAccount: config.kubernetes.renderServiceAccount,
    store: {
      endpoint: config.kubernetes.renderS3Endpoint ?? config.storage.endpoint,
      accessKey: config.storage.accessKey,
      secretKey: config.storage.secretKey,
      region: config.storage.region,
    },
    events: config.kubernetes.renderEventsUrl
      ? { url: config.kubernetes.renderEventsUrl, tokens: new RenderEventTokens(config.auth.renderEventsKey) }
      : undefined,
    ttlSecondsAfterFinished: config.kubernetes.jobTtlSeconds,
    defaultBackoffLimit: config.kubernetes.jobBackoffLimit,
    voicesClaim: config.kubernetes.renderVoicesClaim,
  };
}
