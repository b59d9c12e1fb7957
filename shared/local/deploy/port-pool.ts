import { freePort, isPortFree } from '../process-manager.ts';

/** A port handed out by a `PortPool`; `release()` returns it (a second call does nothing). */
export interface PortLease {
  readonly port: number;
  release(): void;
}

/** How the pool asks the OS about ports (tests pass fakes to force collisions). */
export interface PortPoolOptions {
  /** A port nobody listens on right now. Default: `freePort` (the OS picks one). */
  freePort?: () => Promise<number>;
  /** Whether a given port can be listened on. Default: `isPortFree`. */
  isPortFree?: (port: number) => Promise<boolean>;
}

/**
 * The ports of apps being started. An app binds its port only once its process runs, so between
 * "the OS says this port is free" and "the app listens on it" a second start could be handed the
 * same port: a lease closes that window. A start leases its port, and releases it once the app
 * listens (the OS then refuses the port to anyone else) or the start failed. The pool never holds
 * one port in two leases.
 */
export class PortPool {
  private readonly leased = new Set<number>();
  private readonly freePort: () => Promise<number>;
  private readonly isPortFree: (port: number) => Promise<boolean>;

  constructor(options: PortPoolOptions = {}) {
    this.freePort = options.freePort ?? freePort;
    this.isPortFree = options.isPortFree ?? isPortFree;
  }

  /**
   * Leases `preferred` when it is free and not leased (staging's configured port), else a port the
   * OS says is free and no lease holds.
   */
  async lease(preferred?: number): Promise<PortLease> {
    if (preferred !== undefined && !this.leased.has(preferred) && (await this.isPortFree(preferred))) {
      // Checked again after the await: another lease may have taken it meanwhile.
      if (!this.leased.has(preferred)) return this.hold(preferred);
    }
    let port = await this.freePort();
    while (this.leased.has(port)) port = await this.freePort();
    return this.hold(port);
  }

  /** Whether a lease holds `port` now. */
  isLeased(port: number): boolean {
    return this.leased.has(port);
  }

  private hold(port: number): PortLease {
    this.leased.add(port);
    let released = false;
    return {
      port,
      release: () => {
        // Once only: a late second release must not free the port of a newer lease.
        if (released) return;
        released = true;
        this.leased.delete(port);
      },
    };
  }
}
