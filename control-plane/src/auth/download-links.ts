/**
 * Signed, expiring links to one output file, served by the API itself (GET /v1/downloads/:token)
 * so it knows when a download finished: files of delete-after-download renders go after it.
 * The token is the output's id and an expiry, with an HMAC over both; nothing is stored.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../errors.js';
import { isUuid } from '../domain.js';

export class DownloadLinks {
  private readonly key: Buffer;

  constructor(secret: string) {
    // A key of its own, derived from the secret, so these never double as another signature.
    this.key = createHmac('sha256', secret).update('cutline downloads v1').digest();
  }

  issue(outputId: string, expiresAt: Date): string {
    const expires = Math.floor(expiresAt.getTime() / 1000).toString(36);
    return `${outputId}.${expires}.${this.mac(outputId, expires)}`;
  }

  /** The output the token names; refused when forged, malformed or expired. */
  verify(token: string, now: Date): string {
    const [outputId, expires, mac] = token.split('.');
    const invalid = new ApiError('CUTLINE_LINK_INVALID', 'This download link is not valid.');
    if (!outputId || !expires || !mac || !isUuid(outputId) || !/^[0-9a-z]{1,10}$/.test(expires)) throw invalid;
    const expected = Buffer.from(this.mac(outputId, expires));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid;
    if (parseInt(expires, 36) * 1000 < now.getTime())
      throw new ApiError(
        'CUTLINE_LINK_EXPIRED',
        'This download link has expired; open the render again for a new one.',
      );
    return outputId;
  }

  private mac(outputId: string, expires: string): string {
    return createHmac('sha256', this.key).update(`${outputId}.${expires}`).digest('base64url');
  }
}
