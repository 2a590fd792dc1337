/**
 * AWS Signature Version 4 query signing for S3 links that carry more than the minio client
 * signs: a link may bind `Content-Length`, so S3 (and MinIO) refuse a body of any other size.
 * The client's presignedUrl signs only `host`, and a bound length is what stops a link
 * declared for 10 bytes from taking gigabytes.
 */
import { createHash, createHmac } from 'node:crypto';

export interface S3Credentials {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
}

export interface PresignRequest {
  method: 'GET' | 'PUT' | 'HEAD' | 'DELETE';
  bucket: string;
  key: string;
  expiresSeconds: number;
  /** Extra query parameters that become part of the signature (partNumber, uploadId, response-*). */
  query?: Record<string, string>;
  /** Headers the request must carry with exactly these values (names in lower case). */
  headers?: Record<string, string>;
  now?: Date;
}

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters. */
function encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** A path-style URL (https://endpoint/bucket/key?…) valid for `expiresSeconds`. */
export function presignV4(credentials: S3Credentials, request: PresignRequest): string {
  const base = new URL(credentials.endpoint);
  const now = request.now ?? new Date();
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${credentials.region}/s3/aws4_request`;
  const headers: Record<string, string> = { ...request.headers, host: base.host };
  const headerNames = Object.keys(headers)
    .map((h) => h.toLowerCase())
    .sort();
  const signedHeaders = headerNames.join(';');
  const query: Record<string, string> = {
    ...request.query,
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${credentials.accessKey}/${scope}`,
    'X-Amz-Date': amzDate,
    'X-Amz-Expires': String(request.expiresSeconds),
    'X-Amz-SignedHeaders': signedHeaders,
  };
  const canonicalQuery = Object.keys(query)
    .sort()
    .map((k) => `${encode(k)}=${encode(query[k]!)}`)
    .join('&');
  const path = `/${[request.bucket, ...request.key.split('/')].map(encode).join('/')}`;
  const lowered = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v.trim()]));
  const canonicalHeaders = headerNames.map((h) => `${h}:${lowered[h]}\n`).join('');
  const canonicalRequest = [
    request.method,
    path,
    canonicalQuery,
    canonicalHeaders,
    signedHeaders,
    'UNSIGNED-PAYLOAD',
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${credentials.secretKey}`, day), credentials.region), 's3'),
    'aws4_request',
  );
  const signature = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
  return `${base.protocol}//${base.host}${path}?${canonicalQuery}&X-Amz-Signature=${signature}`;
}
