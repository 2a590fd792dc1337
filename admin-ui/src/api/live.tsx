/**
 * Live render status for the whole app: one SSE stream of the organization's events
 * (/v1/events). Progress is merged over the fetched records; a state change refetches the
 * render lists, so every screen shows the same state without polling.
 */
import { useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { FINISHED_STATES, type RenderServerEvent, type RenderState } from '@cutline/contract';
import { subscribe } from './sse';

export interface LiveStatus {
  progress?: number;
  stage?: string;
  state?: RenderState;
  etaSeconds?: number | null;
}

const LiveContext = createContext<Map<string, LiveStatus>>(new Map());

export function LiveRendersProvider({ children, path = '/v1/events' }: { children: ReactNode; path?: string }) {
  const [live, setLive] = useState<Map<string, LiveStatus>>(new Map());
  const queryClient = useQueryClient();
  useEffect(() => {
    return subscribe(path, ({ data: raw }) => {
      const data = raw as unknown as RenderServerEvent;
      const renderId = data.renderId;
      if (!renderId) return;
      setLive((previous) => {
        const next = new Map(previous);
        const current = next.get(renderId) ?? {};
        if (data.type === 'progress') {
          next.set(renderId, {
            ...current,
            progress: data.progress,
            stage: data.stage,
            etaSeconds: data.etaSeconds ?? null,
            state: current.state ?? 'running',
          });
        } else {
          next.set(renderId, {
            ...current,
            state: data.state,
            ...(data.state === 'succeeded' ? { progress: 1 } : {}),
            ...(data.state === 'queued' ? { progress: 0 } : {}),
          });
        }
        return next;
      });
      if (data.type === 'state') void queryClient.invalidateQueries();
    });
  }, [path, queryClient]);
  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
}

/** The record with its live progress and state laid over it. */
export function useLive<T extends { id: string; progress?: number; state?: RenderState; stage?: string | null }>(
  record: T | undefined,
): T | undefined {
  const live = useContext(LiveContext);
  if (!record) return record;
  const status = live.get(record.id);
  if (!status) return record;
  // A fetched terminal state is newer than any progress we kept.
  if ((FINISHED_STATES as readonly string[]).includes(record.state ?? '') && status.state !== 'queued') return record;
  return {
    ...record,
    ...(status.state ? { state: status.state } : {}),
    ...(status.progress !== undefined ? { progress: status.progress } : {}),
    ...(status.stage ? { stage: status.stage } : {}),
  };
}
