/** The Launcher port (DESIGN §3): runs admitted renders somewhere and reports what happens. */
import type { RenderEvent } from '@cutline/render-job';

export interface LaunchHandlers {
  onEvent(event: RenderEvent): void;
  /** The render process ended: its exit code (null when killed by a signal). */
  onExit(code: number | null): void;
}

export interface Launcher {
  /** How many more renders it can take right now. */
  freeSlots(): number;
  launch(render: { id: string; spec: unknown }, handlers: LaunchHandlers): Promise<void>;
  /** Stops a render (after a cancel). */
  stop(renderId: string): void;
  /** Stops everything (shutdown). */
  close(): Promise<void>;
}
