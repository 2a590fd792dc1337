/** The Launcher port (DESIGN §3): runs admitted renders somewhere and reports what happens. */
import type { RenderEvent } from '@cutline/render-job';

export interface LaunchHandlers {
  onEvent(event: RenderEvent): void;
  /** The render process ended: its exit code (null when killed by a signal). */
  onExit(code: number | null): void;
}

export interface LaunchedRender {
  id: string;
  organizationId: string;
  tier: string;
  /** Which admission of the render this is (1 for the first). */
  attempts: number;
  spec: unknown;
}

export interface Launcher {
  /**
   * True when the launcher does not call the handlers: the outcome reaches the render's record
   * another way (the Kubernetes operator).
   */
  readonly detached?: boolean;
  /** How many more renders it can take right now. */
  freeSlots(): number;
  launch(render: LaunchedRender, handlers: LaunchHandlers): Promise<void>;
  /** Stops a render (after a cancel). */
  stop(renderId: string): void;
  /** Stops everything (shutdown). */
  close(): Promise<void>;
}

/** The launcher id recorded on renders handed to Kubernetes: no process's lease covers them. */
export const KUBERNETES_LAUNCHER_ID = 'kubernetes';
