/** The minio client, built once from config. Works with MinIO and any S3-compatible store. */
import { Client } from 'minio';
import type { S3Config } from '../config.js';

export function createS3Client(config: S3Config): Client {
  return new Client({
    endPoint: config.endPoint,
    port: config.port,
    useSSL: config.useSSL,
    accessKey: config.accessKey,
    secretKey: config.secretKey,
    region: config.region,
  });
}
