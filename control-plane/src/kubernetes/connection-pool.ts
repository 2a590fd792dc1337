/**
 * One keep-alive connection pool per cluster client. @kubernetes/client-node 1.4 builds a new
 * https.Agent for every request, so every API call opened its own TCP and TLS connection —
 * thousands per thousand renders, each costing CPU at both ends. Here the client's agent
 * factory is replaced, on this KubeConfig only, by one that hands out a shared keep-alive
 * agent per set of TLS settings: the CA, client certificate, server name and verification
 * stay exactly what the client would have used.
 */
import { createHash } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import type { Cluster, KubeConfig } from '@kubernetes/client-node';

export interface PoolOptions {
  /** Connections to one API server at most (watches hold one each for their lifetime). */
  maxSockets?: number;
  /** Idle connections kept for reuse. */
  maxFreeSockets?: number;
}

type AgentFactory = (cluster: Cluster | null, agentOptions: AgentOptions) => HttpAgent;

const POOLED = Symbol('cutline.pooledConnections');
/** Agents per KubeConfig: a rotated client certificate gets a pool of its own; old ones go. */
const MAX_AGENTS = 4;

interface Pooled {
  [POOLED]?: { connections: () => number };
  createAgent: AgentFactory;
}

/** Makes every request of this KubeConfig share keep-alive connections; returns it (idempotent). */
export function poolConnections(kubeConfig: KubeConfig, options: PoolOptions = {}): KubeConfig {
  const target = kubeConfig as unknown as Pooled;
  if (target[POOLED]) return kubeConfig;
  const original = target.createAgent.bind(kubeConfig);
  const agents = new Map<string, HttpAgent>();
  let opened = 0;
  target.createAgent = (cluster, agentOptions) => {
    // Proxies and plain HTTP: exactly as the client does it.
    if (cluster?.proxyUrl || cluster?.server.startsWith('http:')) return original(cluster, agentOptions);
    const key = createHash('sha256')
      .update(
        JSON.stringify([
          cluster?.server,
          String(agentOptions.ca ?? ''),
          String(agentOptions.cert ?? ''),
          String(agentOptions.key ?? ''),
          String(agentOptions.pfx ?? ''),
          agentOptions.servername,
          agentOptions.rejectUnauthorized,
        ]),
      )
      .digest('hex');
    let agent = agents.get(key);
    if (!agent) {
      agent = new HttpsAgent({
        ...agentOptions,
        keepAlive: true,
        maxSockets: options.maxSockets ?? 64,
        maxFreeSockets: options.maxFreeSockets ?? 16,
        scheduling: 'lifo',
      });
      const create = (agent as unknown as { createConnection: (...args: unknown[]) => unknown }).createConnection.bind(
        agent,
      );
      (agent as unknown as { createConnection: (...args: unknown[]) => unknown }).createConnection = (
        ...args: unknown[]
      ) => {
        opened++;
        return create(...args);
      };
      if (agents.size >= MAX_AGENTS) {
        const [oldest, old] = agents.entries().next().value!;
        agents.delete(oldest);
        old.destroy();
      }
      agents.set(key, agent);
    }
    return agent;
  };
  target[POOLED] = { connections: () => opened };
  return kubeConfig;
}

/** TCP connections this KubeConfig's pool has opened so far (for benchmarks and tests). */
export function connectionsOpened(kubeConfig: KubeConfig): number {
  return (kubeConfig as unknown as Pooled)[POOLED]?.connections() ?? 0;
}
