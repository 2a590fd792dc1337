/**
 * Builds the Fastify app from injected dependencies (DESIGN §8): tests build it with their own
 * database and use inject() or a real port; main.ts builds it from config.
 */
import fastifyAuth from '@fastify/auth';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { registerAjvFormats, TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { AccessTokens } from './auth/access-tokens.js';
import type { BillingConfig, ControlPlaneConfig } from './config.js';
import type { Database } from './db/client.js';
import { createLogger, type Logger } from './logger.js';
import type { CredentialChanges } from './db/credential-changes.js';
import { ApiKeyCache } from './http/api-key-cache.js';
import { callerStanding, createAuthenticate, createCredentialCheck } from './http/authenticate.js';
import { LiveStreams } from './http/live-streams.js';
import { installErrorHandler } from './http/error-handler.js';
import { adminUiFallback, hasAdminUi, serveAdminUi } from './http/admin-ui.js';
import { Previews } from './services/previews.js';
import { OperatorRepository } from './repositories/operator-repository.js';
import { operatorRoutes } from './routes/operator-routes.js';
import { renderEventIntakeRoutes } from './routes/render-event-intake-routes.js';
import { RenderEventTokens } from './auth/render-event-tokens.js';
import { installTracingHooks } from './http/tracing-hooks.js';
import { limitShutdown } from './http/shutdown-deadline.js';
import { limitBodyTime } from './http/body-deadline.js';
import { createRegistry, instrumentHttp, instrumentRenders } from './http/metrics.js';
import type { Registry } from 'prom-client';
import { ErrorResponse } from './http/schemas.js';
import { AccountsRepository } from './repositories/accounts-repository.js';
import { ApiKeysRepository } from './repositories/api-keys-repository.js';
import { SessionsRepository } from './repositories/sessions-repository.js';
import { apiKeyRoutes } from './routes/api-key-routes.js';
import { authRoutes } from './routes/auth-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { memberRoutes } from './routes/member-routes.js';
import { AccountsService } from './services/accounts-service.js';
import { FailureLimiter } from './lib/failure-limiter.js';
import type { VoiceCatalogue } from '@cutline/render-job';
import type { PlanTable } from './plans.js';
import { AssetsRepository } from './repositories/assets-repository.js';
import { RendersRepository } from './repositories/renders-repository.js';
import { RenderStatesRepository } from './repositories/render-states-repository.js';
import { RenderLifecycle } from './lifecycle/render-lifecycle.js';
import { SubmissionsRepository } from './repositories/submissions-repository.js';
import { UsageRepository } from './repositories/usage-repository.js';
import { assetRoutes } from './routes/asset-routes.js';
import { catalogueRoutes } from './routes/catalogue-routes.js';
import { renderRoutes } from './routes/render-routes.js';
import { outputRoutes } from './routes/output-routes.js';
import { OutputsRepository } from './repositories/outputs-repository.js';
import { EventsRepository } from './repositories/events-repository.js';
import { eventRoutes } from './routes/event-routes.js';
import { batchRoutes } from './routes/batch-routes.js';
import { batchZipRoute } from './routes/batch-zip-route.js';
import { activityRoutes } from './routes/activity-routes.js';
import { ActivityRepository } from './repositories/activity-repository.js';
import { BatchSubmissions } from './services/batch-submissions.js';
import type { EventBus } from './events/event-bus.js';
import { AssetUploads } from './services/asset-uploads.js';
import { RenderSubmissions } from './services/render-submissions.js';
import { OrganizationPlans } from './services/organization-plan.js';
import { BillingService } from './services/billing-service.js';
import { SubscriptionEvents } from './repositories/subscription-events-repository.js';
import { billingRoutes } from './routes/billing-routes.js';
import { FsObjectStore } from './storage/fs-object-store.js';
import { fsObjectRoutes } from './storage/fs-object-routes.js';
import type { ObjectStore } from './storage/object-store.js';
import { LocalOutbox, type Mailer } from './mail/mailer.js';
import { ImmediateMail } from './mail/immediate-mail.js';
import { MailTemplates } from './mail/templates.js';
import { devOutboxRoute } from './mail/dev-outbox-route.js';
import { UserTokensRepository } from './repositories/user-tokens-repository.js';
import { InvitationsRepository } from './repositories/invitations-repository.js';
import { WebhooksRepository } from './repositories/webhooks-repository.js';
import { EmailVerification } from './services/email-verification.js';
import { PasswordReset } from './services/password-reset.js';
import { Invitations } from './services/invitations.js';
import { accountRoutes } from './routes/account-routes.js';
import { invitationRoutes } from './routes/invitation-routes.js';
import { webhookRoutes } from './routes/webhook-routes.js';
import { TargetGuard } from './webhooks/target-guard.js';
import { ProjectsRepository } from './repositories/projects-repository.js';
import { AssetLibrary } from './services/asset-library.js';
import { projectRoutes } from './routes/project-routes.js';
import { CommentsRepository } from './repositories/comments-repository.js';
import { Comments } from './services/comments.js';
import { commentRoutes } from './routes/comment-routes.js';
import { OrganizationsRepository } from './repositories/organizations-repository.js';
import { OrganizationDeletion } from './services/organization-deletion.js';
import { organizationRoutes } from './routes/organization-routes.js';
import { OutputDeletion } from './services/output-deletion.js';
import { DownloadLinks } from './auth/download-links.js';
import { downloadRoute } from './routes/download-route.js';
import { UsageHistoryRepository } from './repositories/usage-history-repository.js';
import { analyticsRoutes } from './routes/analytics-routes.js';
import { ImagePresetsRepository } from './repositories/image-presets-repository.js';
import { imagePresetRoutes } from './routes/image-preset-routes.js';
import { imageBatchRoutes } from './routes/image-batch-routes.js';
import { ImageJobs } from './services/image-jobs.js';

export interface AppDeps {
  config: Pick<ControlPlaneConfig, 'http' | 'auth' | 'logLevel' | 'webhooks' | 'platformAdmins' | 'savings'>;
  /** Where mail goes (mail/mailer.ts): SMTP, or the local outbox. */
  mailer: Mailer;
  /** Wakes the senders of queued mail and webhooks (a redelivery). */
  wakeWebhooks?: () => void;
  /** The process's logger (logger.ts); one of `config.logLevel` when not given. */
  logger?: Logger;
  db: Database;
  store: ObjectStore;
  catalogue: VoiceCatalogue;
  plans: PlanTable;
  /** Wakes the dispatcher after a submission and stops canceled renders (when one runs here). */
  dispatcher?: { wake(): void; cancel(renderId: string): void };
  bus: EventBus;
  /** Shared with the dispatcher, so render metrics appear on /metrics too. */
  registry?: Registry;
  now?: () => Date;
  /** Stripe billing or none (the default: plans from configuration, no Stripe call anywhere). */
  billing?: BillingConfig;
  /** The built admin UI to serve at `/` (admin-ui/dist); none when unset or not built. */
  uiDir?: string | undefined;
  /** Where renders run, for the operators' system page. */
  launcher?: string;
  /** When given, verified API keys are kept between requests while it is live (http/api-key-cache.ts). */
  credentialChanges?: CredentialChanges | undefined;
}

registerAjvFormats();

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // As Fastify's own logger type, so the app's type stays the one every plugin is written for.
    loggerInstance: (deps.logger ?? createLogger(deps.config.logLevel, 'api')) as FastifyBaseLogger,
    bodyLimit: deps.config.http.bodyLimitBytes,
    trustProxy: deps.config.http.trustProxy,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.decorateRequest('principal', null);
  app.decorateRequest('callerStanding', null);
  const ui = hasAdminUi(deps.uiDir) ? deps.uiDir : undefined;
  installErrorHandler(app, ui ? adminUiFallback : undefined);
  installTracingHooks(app);
  limitShutdown(app, deps.config.http.shutdownGraceMs);
  limitBodyTime(app, deps.config.http.requestTimeoutMs);

  const registry = deps.registry ?? createRegistry();
  instrumentHttp(app, registry);
  instrumentRenders(registry, new RendersRepository(deps.db));

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Cutline API',
        version: '1',
        description: 'Narrated, captioned videos from a script. Errors are { error: { code, message, details? } }.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.addSchema(ErrorResponse);
  await app.register(fastifyAuth);
  await app.register(rateLimit, { global: false });

  const accounts = new AccountsRepository(deps.db);
  const sessions = new SessionsRepository(deps.db);
  const apiKeys = new ApiKeysRepository(deps.db);
  const tokens = new AccessTokens(deps.config.auth.jwtSecret, deps.config.auth.accessTokenSeconds);
  const loginFailures = new FailureLimiter(deps.config.auth.accountFailuresPer15Minutes, 15 * 60_000);
  const templates = new MailTemplates(deps.config.http.publicUrl);
  const immediateMail = new ImmediateMail(deps.mailer, app.log);
  app.addHook('onClose', async () => immediateMail.drain());
  const userTokens = new UserTokensRepository(deps.db);
  const verification = new EmailVerification(
    userTokens,
    accounts,
    immediateMail,
    templates,
    deps.config.platformAdmins,
    deps.now,
  );
  const service = new AccountsService(
    accounts,
    sessions,
    tokens,
    deps.config.auth.refreshTokenDays,
    deps.now,
    loginFailures,
    (user) => verification.send(user, false),
  );
  const passwordReset = new PasswordReset(userTokens, accounts, immediateMail, templates, app.log, deps.now);
  const invitations = new Invitations(new InvitationsRepository(deps.db), accounts, immediateMail, templates, deps.now);
  const apiKeyCache = deps.credentialChanges ? new ApiKeyCache(deps.credentialChanges) : undefined;
  const liveStreams = new LiveStreams(createCredentialCheck({ accounts, apiKeys }), {
    feed: deps.credentialChanges,
    log: (err) => app.log.warn({ err }, 'could not re-check a live stream'),
  });
  app.addHook('onClose', async () => liveStreams.close());
  // A change made here takes effect at once in this process; others hear it from PostgreSQL.
  const credentialsChanged = (organizationId: string) => {
    apiKeyCache?.forget(organizationId);
    void liveStreams.recheck(organizationId);
  };
  const authenticate = createAuthenticate({
    tokens,
    accounts,
    apiKeys,
    apiKeyCache,
    apiPolicy: (standing) => {
      const plan = organizationPlans.planOf(standing);
      return { allowed: plan.apiAccess, perMinute: plan.apiRequestsPerMinute, plan: plan.id };
    },
    ...(deps.now ? { now: deps.now } : {}),
  });

  const checks = {
    database: async () => void (await deps.db.$queryRaw`SELECT 1`),
    objectStore: () => deps.store.ping(),
    eventBus: () => deps.bus.ping(),
  };
  await app.register(healthRoutes, { registry, checks, metricsToken: deps.config.http.metricsToken });
  await app.register(authRoutes, {
    service,
    accounts,
    authenticate,
    rateLimitPerMinute: deps.config.auth.rateLimitPerMinute,
  });
  await app.register(accountRoutes, {
    accounts,
    verification,
    reset: passwordReset,
    authenticate,
    rateLimitPerMinute: deps.config.auth.rateLimitPerMinute,
  });
  await app.register(apiKeyRoutes, {
    apiKeys,
    authenticate,
    credentialsChanged,
    planOf: async (organizationId, request) =>
      (await organizationPlans.resolve(organizationId, callerStanding(request))).plan,
  });
  await app.register(memberRoutes, { accounts, authenticate, credentialsChanged });
  await app.register(invitationRoutes, {
    invitations,
    sessions: service,
    authenticate,
    rateLimitPerMinute: deps.config.auth.rateLimitPerMinute,
  });
  await app.register(webhookRoutes, {
    webhooks: new WebhooksRepository(deps.db),
    guard: new TargetGuard(deps.config.webhooks.allowRanges),
    authenticate,
    ...(deps.wakeWebhooks ? { delivered: deps.wakeWebhooks } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  });
  if (deps.mailer instanceof LocalOutbox) await app.register(devOutboxRoute, { outbox: deps.mailer });
  const limits = deps.config.http.previews;
  const previews = new Previews(deps.catalogue, deps.store, {
    concurrency: limits.concurrency,
    perOrganization: limits.perOrganization,
    maxWaiting: limits.maxWaiting,
    maxWaitingPerOrganization: limits.maxWaitingPerOrganization,
  });
  await app.register(catalogueRoutes, {
    catalogue: deps.catalogue,
    previews,
    authenticate,
    previewsPerMinute: deps.config.http.previews.perUserPerMinute,
  });

  const billingConfig: BillingConfig = deps.billing ?? { kind: 'none', pastDueGraceDays: 7 };
  const pastDueGraceMs = billingConfig.pastDueGraceDays * 86_400_000;
  const organizationPlans = new OrganizationPlans(accounts, deps.plans, {
    pastDueGraceMs,
    billingEnabled: billingConfig.kind === 'stripe',
    ...(deps.now ? { now: deps.now } : {}),
  });
  const assets = new AssetsRepository(deps.db);
  const renders = new RendersRepository(deps.db);
  const usage = new UsageRepository(deps.db);
  const lifecycle = new RenderLifecycle(new RenderStatesRepository(deps.db), usage, deps.plans);
  const activityLog = new ActivityRepository(deps.db);
  const activity = activityLog.record.bind(activityLog);
  const projects = new ProjectsRepository(deps.db);
  const uploads = new AssetUploads(assets, deps.store, previews, activity, deps.now, projects);
  const library = new AssetLibrary(assets, projects, deps.store, activity, deps.now);
  const submissions = new RenderSubmissions(
    renders,
    lifecycle,
    new SubmissionsRepository(deps.db),
    assets,
    usage,
    deps.store,
    deps.catalogue,
    deps.now,
    deps.dispatcher,
    projects,
  );
  const imagePresets = new ImagePresetsRepository(deps.db);
  await app.register(imagePresetRoutes, { presets: imagePresets, authenticate, activity });
  const imageJobs = new ImageJobs(
    renders,
    lifecycle,
    assets,
    imagePresets,
    usage,
    deps.store,
    projects,
    deps.dispatcher,
  );
  await app.register(imageBatchRoutes, { jobs: imageJobs, organizationPlans, authenticate });
  await app.register(projectRoutes, { projects, authenticate, activity, ...(deps.now ? { now: deps.now } : {}) });
  await app.register(assetRoutes, {
    library,
    assets,
    uploads,
    previews,
    organizationPlans,
    authenticate,
    previewsPerMinute: deps.config.http.previews.perUserPerMinute,
  });
  await app.register(renderRoutes, { renders, submissions, organizationPlans, authenticate });
  const commentsRepository = new CommentsRepository(deps.db);
  await app.register(commentRoutes, {
    comments: new Comments(commentsRepository, renders, deps.now),
    repository: commentsRepository,
    renders,
    authenticate,
  });
  const batches = new BatchSubmissions(renders, lifecycle, usage, submissions, deps.now, deps.dispatcher, projects);
  await app.register(batchRoutes, { batches, organizationPlans, authenticate });
  const outputs = new OutputsRepository(deps.db);
  const outputDeletion = new OutputDeletion(outputs, deps.store, deps.now);
  const downloadLinks = new DownloadLinks(deps.config.auth.jwtSecret);
  await app.register(outputRoutes, {
    renders,
    outputs,
    deletion: outputDeletion,
    links: downloadLinks,
    publicUrl: deps.config.http.publicUrl,
    store: deps.store,
    authenticate,
    activity,
  });
  await app.register(downloadRoute, {
    links: downloadLinks,
    outputs,
    deletion: outputDeletion,
    store: deps.store,
    ...(deps.now ? { now: deps.now } : {}),
  });
  await app.register(batchZipRoute, { outputs, deletion: outputDeletion, store: deps.store, authenticate, activity });
  await app.register(activityRoutes, { activity: activityLog, authenticate });
  await app.register(analyticsRoutes, {
    history: new UsageHistoryRepository(deps.db),
    activity: activityLog,
    savings: deps.config.savings,
    authenticate,
    ...(deps.now ? { now: deps.now } : {}),
  });
  // The Stripe SDK is loaded only when billing is on.
  const gateway =
    billingConfig.kind === 'stripe'
      ? new (await import('./billing/stripe-gateway.js')).StripeGateway(billingConfig)
      : undefined;
  const billing = new BillingService(activityLog, accounts, organizationPlans, gateway, {
    publicUrl: deps.config.http.publicUrl,
    pastDueGraceMs,
  });
  const webhooks = gateway
    ? {
        gateway,
        events: new SubscriptionEvents(deps.db, {
          planOfLookupKey: (key) => gateway.planOfLookupKey(key),
          log: (message, data) => app.log.warn(data ?? {}, message),
        }),
      }
    : undefined;
  await app.register(organizationRoutes, {
    organizations: new OrganizationsRepository(deps.db),
    deletion: new OrganizationDeletion(new OrganizationsRepository(deps.db), lifecycle, deps.store, {
      // Without billing configured there is no Stripe to tell (a self-hosted install).
      closeBilling: async (customerId) => gateway?.deleteCustomer(customerId),
      ...(deps.dispatcher ? { stopRender: (id: string) => deps.dispatcher!.cancel(id) } : {}),
      credentialsChanged,
      ...(deps.now ? { now: deps.now } : {}),
    }),
    catalogue: deps.catalogue,
    authenticate,
    activity,
  });
  await app.register(billingRoutes, {
    billing,
    usage,
    organizationPlans,
    authenticate,
    ...(webhooks ? { webhooks } : {}),
  });
  const operatorRepository = new OperatorRepository(deps.db);
  await app.register(operatorRoutes, {
    operator: operatorRepository,
    submissions,
    organizationPlans,
    authenticate,
    launcher: deps.launcher ?? 'local',
    checks,
    credentialsChanged,
    ...(deps.now ? { now: deps.now } : {}),
  });
  await app.register(renderEventIntakeRoutes, {
    bus: deps.bus,
    tokens: new RenderEventTokens(deps.config.auth.renderEventsKey),
    organizationOf: (id) => operatorRepository.organizationOfRender(id),
  });
  await app.register(eventRoutes, {
    bus: deps.bus,
    events: new EventsRepository(deps.db),
    renders,
    authenticate,
    liveStreams,
  });
  if (deps.store instanceof FsObjectStore) {
    await app.register(fsObjectRoutes, {
      store: deps.store,
      maxUploadBytes: Math.max(...Object.values(deps.plans).map((p) => p.maxUploadBytes)),
      writable: (key) => assets.uploadOpen(key),
    });
  }
  if (ui) await serveAdminUi(app, ui);
  return app;
}
