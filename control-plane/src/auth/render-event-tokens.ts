/**
 * Tokens that let one render report its own progress to the API (POST
 * /v1/internal/renders/:id/events) and nothing else: an HMAC of the render's id, so the API
 * checks them without storing any, and a token of one render is worthless for another.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export class RenderEventTokens {
  private readonly key: Buffer;

  constructor(secret: string) {
    // A key of its own, derived from the secret, so these never double as another signature.
    this.key = createHmac('sha256', secret).update('cutline render events v1').digest();
  }

  issue(renderId: string): string {
    return createHmac('sha256', this.key).update(renderId).digest('base64url');
  }

  verify(renderId: string, token: string | undefined): boolean {
    if (!token) return false;
    const expected = Buffer.from(this.issue(renderId));
    const given = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
