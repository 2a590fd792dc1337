/** The environment a render process needs to reach the object store (local workers and pods alike). */
import type { ControlPlaneConfig } from '../config.js';

/** Empty with the local-directory store; `endpoint` overrides the address (pods may see another). */
export function renderStoreEnvironment(config: ControlPlaneConfig, endpoint?: string): Record<string, string> {
  if (config.storage.kind !== 's3') return {};
  return {
    CUTLINE_S3_ENDPOINT: endpoint ?? config.storage.endpoint,
    CUTLINE_S3_ACCESS_KEY: config.storage.accessKey,
    CUTLINE_S3_SECRET_KEY: config.storage.secretKey,
    CUTLINE_S3_REGION: config.storage.region,
  };
}
