/**
 * Picks the ObjectStore adapter the configuration asks for. The MinIO client is loaded only
 * when it is used: it adds about 24 MB to a process that stores objects in a directory.
 */
import type { ControlPlaneConfig } from '../config.js';
import { FsObjectStore } from './fs-object-store.js';
import type { ObjectStore } from './object-store.js';

export async function createObjectStore(config: Pick<ControlPlaneConfig, 'storage' | 'http'>): Promise<ObjectStore> {
  const storage = config.storage;
  switch (storage.kind) {
    case 'fs':
      return new FsObjectStore(storage.dir, storage.signingKey, config.http.publicUrl);
    case 's3': {
      const [{ Client }, { MinioObjectStore }] = await Promise.all([
        import('minio'),
        import('./minio-object-store.js'),
      ]);
      const url = new URL(storage.endpoint);
      const useSSL = url.protocol === 'https:';
      const client = new Client({
        endPoint: url.hostname,
        port: Number(url.port || (useSSL ? 443 : 80)),
        useSSL,
        accessKey: storage.accessKey,
        secretKey: storage.secretKey,
        region: storage.region,
      });
      return new MinioObjectStore(client, storage.bucket, storage.region, storage);
    }
  }
}
