/**
 * Turns notification events into mail and webhook deliveries, in the transaction that marks
 * the events processed: a crash before the commit leaves the events for the next pass, after
 * it the mail and deliveries exist, so each is made exactly once (dedupe keys on top).
 *
 *   render.succeeded / failed   → mail to the submitter (outside batches), webhooks
 *   render.canceled             → webhooks
 *   a batch's last render ends  → batch.finished: mail to the submitter, webhooks
 *   comment.mentioned           → mail to each mentioned member
 *   usage.alert                 → mail to owners and admins, webhooks
 *   billing.payment_failed      → mail to owners and admins
 *   billing.subscription_changed to a new live plan → "subscription confirmed" mail
 *   a past_due grace period ending within a day → mail to owners and admins (checked every
 *   GRACE_CHECK_EVERY passes)
 */
import type { MailTemplates } from '../mail/templates.js';
import { PeriodicTask } from '../lib/periodic-task.js';
import { MailRepository, type QueuedMail } from '../repositories/mail-repository.js';
import {
  NotificationsRepository,
  type NotificationEventRow,
  type Recipient,
} from '../repositories/notifications-repository.js';
import type { Tx } from '../repositories/render-states-repository.js';
import { WebhooksRepository } from '../repositories/webhooks-repository.js';
import { wantsMail, type NotificationKind } from '../services/preferences.js';

const LIVE = new Set(['active', 'trialing']);
const GRACE_CHECK_EVERY = 20;
const GRACE_WARNING_MS = 86_400_000;

export interface NotifierOptions {
  intervalMs?: number;
  pastDueGraceMs: number;
  onError: (err: unknown) => void;
  /** Told when mail or deliveries were queued, so their senders start at once. */
  queued?: (what: { mail: number; webhooks: number }) => void;
}

export class Notifier {
  private readonly task: PeriodicTask;
  private passes = 0;

  constructor(
    private readonly events: NotificationsRepository,
    private readonly templates: MailTemplates,
    private readonly options: NotifierOptions,
  ) {
    this.task = new PeriodicTask(() => this.drain(), options.intervalMs ?? 500, options.onError);
  }

  start(): void {
    this.task.start();
  }

  runOnce(): Promise<void> {
    return this.task.runOnce();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  private async drain(): Promise<void> {
    let queued = { mail: 0, webhooks: 0 };
    if (this.passes++ % GRACE_CHECK_EVERY === 0) queued.mail += await this.remindGraceEnding();
    while (
      (await this.events.processBatch(50, async (tx, events) => {
        for (const event of events) {
          const made = await this.expand(tx, event);
          queued = { mail: queued.mail + made.mail, webhooks: queued.webhooks + made.webhooks };
        }
      })) > 0
    );
    if (queued.mail > 0 || queued.webhooks > 0) this.options.queued?.(queued);
  }

  private async expand(tx: Tx, event: NotificationEventRow): Promise<{ mail: number; webhooks: number }> {
    const out = { mails: [] as QueuedMail[], webhooks: 0 };
    const hook = async (type: string, key: string, data: Record<string, unknown>) => {
      out.webhooks += await WebhooksRepository.enqueue(tx, event.organizationId, type, key, {
        type,
        timestamp: event.createdAt.toISOString(),
        data: { organizationId: event.organizationId, ...data },
      });
    };
    switch (event.type) {
      case 'render.succeeded':
      case 'render.failed':
      case 'render.canceled':
        await this.renderEnded(tx, event, out.mails, hook);
        break;
      case 'usage.alert':
        await this.usageAlert(tx, event, out.mails, hook);
        break;
      case 'comment.mentioned':
        await this.mentioned(tx, event, out.mails);
        break;
      case 'billing.payment_failed':
      case 'billing.subscription_changed':
        await this.billing(tx, event, out.mails);
        break;
    }
    return { mail: await MailRepository.enqueue(tx, out.mails), webhooks: out.webhooks };
  }

  private async renderEnded(
    tx: Tx,
    event: NotificationEventRow,
    mails: QueuedMail[],
    hook: (type: string, key: string, data: Record<string, unknown>) => Promise<void>,
  ): Promise<void> {
    const state = event.type.slice('render.'.length) as 'succeeded' | 'failed' | 'canceled';
    const renderId = String(event.payload.renderId);
    const render = await NotificationsRepository.render(tx, renderId);
    if (!render) return;
    const error = event.payload.error as { code: string; message: string } | undefined;
    await hook(event.type, `${event.type}:${event.id}`, {
      renderId,
      kind: render.kind,
      state,
      title: render.title,
      batchId: render.batchId,
      ...(state === 'succeeded' ? { durationSeconds: render.durationSeconds } : {}),
      ...(error ? { error } : {}),
    });
    if (render.batchId) {
      await this.batchMaybeFinished(tx, render.batchId, mails, hook);
      return;
    }
    if (state === 'canceled' || !render.createdById) return;
    const [submitter] = await this.wanting(tx, [render.createdById], 'renders');
    if (submitter)
      mails.push({
        ...this.templates.renderFinished(submitter.email, {
          renderId,
          title: render.title ?? 'Untitled video',
          state,
          ...(error ? { error: error.message } : {}),
        }),
        kind: event.type,
        dedupeKey: `${event.type}:${event.id}:${submitter.userId}`,
      });
  }

  private async batchMaybeFinished(
    tx: Tx,
    batchId: string,
    mails: QueuedMail[],
    hook: (type: string, key: string, data: Record<string, unknown>) => Promise<void>,
  ): Promise<void> {
    const batch = await NotificationsRepository.batch(tx, batchId);
    if (!batch || batch.open > 0) return;
    // Retried renders can end a batch again; it is announced once per outcome.
    const key = `batch.finished:${batchId}:${batch.succeeded}:${batch.failed}:${batch.canceled}`;
    await hook('batch.finished', key, {
      batchId,
      name: batch.name,
      succeeded: batch.succeeded,
      failed: batch.failed,
      canceled: batch.canceled,
    });
    if (!batch.createdById) return;
    const [submitter] = await this.wanting(tx, [batch.createdById], 'batches');
    if (submitter)
      mails.push({
        ...this.templates.batchFinished(submitter.email, { ...batch, batchId }),
        kind: 'batch.finished',
        dedupeKey: `${key}:${submitter.userId}`,
      });
  }

  private async mentioned(tx: Tx, event: NotificationEventRow, mails: QueuedMail[]): Promise<void> {
    const commentId = String(event.payload.commentId);
    const comment = await NotificationsRepository.comment(tx, commentId);
    if (!comment) return;
    const userIds = (event.payload.userIds as string[] | undefined) ?? [];
    // Someone who left the organization since is not told of its comments.
    const members = await NotificationsRepository.membersAmong(tx, event.organizationId, userIds);
    for (const user of await this.wanting(tx, members, 'comments'))
      mails.push({
        ...this.templates.commentMentioned(user.email, {
          author: comment.author ?? 'Someone',
          renderId: comment.renderId,
          title: comment.title ?? 'Untitled video',
          body: comment.body,
          atSeconds: comment.atSeconds,
        }),
        kind: 'comment.mentioned',
        dedupeKey: `comment.mentioned:${commentId}:${user.userId}`,
      });
  }

  private async usageAlert(
    tx: Tx,
    event: NotificationEventRow,
    mails: QueuedMail[],
    hook: (type: string, key: string, data: Record<string, unknown>) => Promise<void>,
  ): Promise<void> {
    const percent = Number(event.payload.percent);
    const used = Number(event.payload.used);
    const limit = Number(event.payload.limit);
    const key = `usage.alert:${String(event.payload.activityId)}`;
    await hook('usage.alert', key, { percent, used, limit });
    const organization = await NotificationsRepository.organization(tx, event.organizationId);
    if (!organization) return;
    for (const manager of await NotificationsRepository.managersWanting(tx, event.organizationId, 'usage'))
      mails.push({
        ...this.templates.usageAlert(manager.email, { organization: organization.name, percent, used, limit }),
        kind: 'usage.alert',
        dedupeKey: `${key}:${manager.userId}`,
      });
  }

  private async billing(tx: Tx, event: NotificationEventRow, mails: QueuedMail[]): Promise<void> {
    const organization = await NotificationsRepository.organization(tx, event.organizationId);
    if (!organization) return;
    const key = `${event.type}:${String(event.payload.activityId)}`;
    for (const manager of await NotificationsRepository.managersWanting(tx, event.organizationId, 'billing')) {
      let mail;
      if (event.type === 'billing.payment_failed') {
        const graceEnds = organization.pastDueSince
          ? new Date(organization.pastDueSince.getTime() + this.options.pastDueGraceMs)
          : undefined;
        mail = this.templates.paymentFailed(manager.email, { organization: organization.name, graceEnds });
      } else {
        const { status, plan, previousStatus, previousPlan } = event.payload as Record<string, string | null>;
        const newlyLive = LIVE.has(String(status)) && (!LIVE.has(String(previousStatus)) || previousPlan !== plan);
        if (!newlyLive) return;
        mail = this.templates.subscriptionConfirmed(manager.email, {
          organization: organization.name,
          plan: String(plan),
        });
      }
      mails.push({ ...mail, kind: event.type, dedupeKey: `${key}:${manager.userId}` });
    }
  }

  /** Owners and admins of organizations whose unpaid plan falls back to free within a day. */
  private async remindGraceEnding(): Promise<number> {
    return this.events.transaction(async (tx) => {
      const ending = await NotificationsRepository.claimGraceEnding(
        tx,
        this.options.pastDueGraceMs,
        GRACE_WARNING_MS,
        new Date(),
      );
      const mails: QueuedMail[] = [];
      for (const { organizationId, graceEnds } of ending) {
        const organization = await NotificationsRepository.organization(tx, organizationId);
        for (const manager of await NotificationsRepository.managersWanting(tx, organizationId, 'billing'))
          mails.push({
            ...this.templates.graceEnding(manager.email, { organization: organization?.name ?? '', graceEnds }),
            kind: 'billing.grace_ending',
            dedupeKey: `billing.grace_ending:${organizationId}:${graceEnds.toISOString()}:${manager.userId}`,
          });
      }
      return MailRepository.enqueue(tx, mails);
    });
  }

  private async wanting(tx: Tx, userIds: string[], kind: NotificationKind): Promise<Recipient[]> {
    return (await NotificationsRepository.users(tx, userIds)).filter((u) => wantsMail(u.preferences, kind));
  }
}
