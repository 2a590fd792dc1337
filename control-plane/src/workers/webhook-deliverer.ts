/**
 * Delivers queued webhooks: signed the Standard Webhooks way, to the address the target guard
 * approved, with a deadline per attempt and a bounded number in flight, so a slow or failing
 * receiver never holds up renders or the API. A failure is retried after a delay that grows
 * fourfold (first retry after CUTLINE_WEBHOOK_FIRST_RETRY, at most 10 h apart) until the
 * delivery is CUTLINE_WEBHOOK_RETRY_FOR old; an endpoint failing for CUTLINE_WEBHOOK_DISABLE_AFTER
 * is disabled and its admins are told by mail.
 */
import type { WebhooksConfig } from '../config.js';
import { PeriodicTask } from '../lib/periodic-task.js';
import type { MailTemplates } from '../mail/templates.js';
import { MailRepository } from '../repositories/mail-repository.js';
import { NotificationsRepository } from '../repositories/notifications-repository.js';
import type { ClaimedDelivery, WebhooksRepository } from '../repositories/webhooks-repository.js';
import { postJson, type PostResult } from '../webhooks/http-post.js';
import { signedHeaders } from '../webhooks/signing.js';
import { TargetGuard, WebhookTargetError } from '../webhooks/target-guard.js';

const MAX_DELAY_MS = 10 * 3_600_000;

export function webhookRetryDelayMs(firstRetryMs: number, attempt: number): number {
  return Math.min(firstRetryMs * 4 ** (attempt - 1), MAX_DELAY_MS);
}

export class WebhookDeliverer {
  private readonly task: PeriodicTask;
  private readonly guard: TargetGuard;

  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly templates: MailTemplates,
    private readonly config: WebhooksConfig,
    private readonly options: {
      intervalMs?: number;
      onError: (err: unknown, data?: Record<string, unknown>) => void;
      mailQueued?: () => void;
      now?: () => Date;
    },
  ) {
    this.guard = new TargetGuard(config.allowRanges);
    this.task = new PeriodicTask(() => this.deliverDue(), options.intervalMs ?? 1_000, options.onError);
  }

  start(): void {
    this.task.start();
  }

  kick(): void {
    this.task.kick();
  }

  runOnce(): Promise<void> {
    return this.task.runOnce();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private async deliverDue(): Promise<void> {
    for (;;) {
      const due = await this.webhooks.claimDue(this.config.concurrency, this.config.timeoutMs + 30_000);
      if (due.length === 0) return;
      await Promise.all(
        due.map((delivery) =>
          this.deliver(delivery).catch((err: unknown) => this.options.onError(err, { deliveryId: delivery.id })),
        ),
      );
    }
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    if (!delivery.enabled) return this.webhooks.failDisabled(delivery.id, this.now());
    const body = JSON.stringify(delivery.payload);
    let result: PostResult;
    try {
      const target = await this.guard.check(delivery.url);
      result = await postJson(
        target,
        body,
        signedHeaders(delivery.secret, delivery.id, body, this.now()),
        this.config.timeoutMs,
      );
    } catch (err) {
      if (!(err instanceof WebhookTargetError)) throw err;
      result = { statusCode: undefined, error: `target refused: ${err.message}`, latencyMs: 0 };
    }
    const ok = result.statusCode !== undefined && result.statusCode >= 200 && result.statusCode < 300;
    const now = this.now();
    const nextAt = now.getTime() + webhookRetryDelayMs(this.config.firstRetryMs, delivery.attempts);
    const retryAt =
      !ok && nextAt < delivery.createdAt.getTime() + this.config.retryForMs ? new Date(nextAt) : undefined;
    const failingSince = await this.webhooks.recordAttempt(
      delivery,
      { ...result, ok, error: result.error ?? (ok ? undefined : `answered ${result.statusCode}`) },
      retryAt,
      now,
    );
    if (failingSince && now.getTime() - failingSince.getTime() >= this.config.disableAfterMs)
      await this.disable(delivery.endpointId, failingSince, now);
  }

  private async disable(endpointId: string, since: Date, now: Date): Promise<void> {
    const disabled = await this.webhooks.disableFailing(
      endpointId,
      `deliveries failed since ${since.toISOString()}`,
      now,
      async (tx, organizationId, url) => {
        const organization = await NotificationsRepository.organization(tx, organizationId);
        const managers = await NotificationsRepository.managers(tx, organizationId);
        await MailRepository.enqueue(
          tx,
          managers.map((m) => ({
            ...this.templates.webhookDisabled(m.email, { organization: organization?.name ?? '', url, since }),
            kind: 'webhook.disabled',
            dedupeKey: `webhook.disabled:${endpointId}:${since.toISOString()}:${m.userId}`,
          })),
        );
      },
    );
    if (disabled) this.options.mailQueued?.();
  }
}
