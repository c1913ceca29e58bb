import type { HostTarget, SshEndpoint } from "../schema/steps";
import { hostPortKey } from "./known-hosts";
import type { ShellText } from "./quote";
import { ChannelOpenError } from "./ssh-errors";
import { openConnection, SshConnection, type ConnectOptions, type ExecResult } from "./ssh-connection";

/**
 * One ssh2 client per host target, reused across steps. A target reached
 * through a bastion is a different target from the same host reached
 * directly; the bastion itself is pooled like any host.
 */

export function endpointKey(e: SshEndpoint): string {
  // A step expecting another host key must not ride a connection verified against a different one.
  return `${e.user}@${hostPortKey(e.address, e.port)}${e.hostKey ? ` expecting ${e.hostKey}` : ""}`;
}

/** "user@address:port via user@bastion:port": one pooled connection each (a login or a route is another connection to the same host). */
export function poolKey(target: HostTarget): string {
  return target.bastion ? `${endpointKey(target)} via ${endpointKey(target.bastion)}` : endpointKey(target);
}

/** "address:port" or "address:port via bastion:port", for messages and logs. */
export function targetLabel(target: HostTarget): string {
  const host = hostPortKey(target.address, target.port);
  return target.bastion ? `${host} via ${hostPortKey(target.bastion.address, target.bastion.port)}` : host;
}

export class SshPool {
  private readonly entries = new Map<string, Promise<SshConnection>>();

  constructor(private readonly opts: ConnectOptions) {}

  /** The live connection for a target, opening (and pinning) one when needed. */
  async connect(target: HostTarget): Promise<SshConnection> {
    const key = poolKey(target);
    const existing = this.entries.get(key);
    if (existing) {
      const conn = await existing.catch(() => undefined);
      if (conn?.alive) return conn;
      // Another caller may have replaced the dead entry while we waited: share
      // its connection rather than open a second one nobody would close.
      const current = this.entries.get(key);
      if (current && current !== existing) return this.connect(target);
      this.entries.delete(key);
    }
    const opening = this.open(target);
    this.entries.set(key, opening);
    opening.then(
      (conn) => conn.onClose(() => this.forget(key, opening)),
      () => this.forget(key, opening),
    );
    return opening;
  }

  private forget(key: string, entry: Promise<SshConnection>): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
  }

  private async open(target: HostTarget): Promise<SshConnection> {
    const label = targetLabel(target);
    let sock;
    if (target.bastion) {
      const bastion = await this.connect(target.bastion);
      sock = await bastion.forwardOut(target.address, target.port, this.opts.connectTimeoutMs);
    }
    const endpoint: SshEndpoint = { address: target.address, port: target.port, user: target.user, keyPath: target.keyPath, hostKey: target.hostKey };
    const conn = await openConnection(endpoint, { ...this.opts, label, ...(sock ? { sock } : {}) });
    this.opts.log("ssh", `${label}: connected as ${target.user}`);
    conn.onClose(() => this.opts.log("ssh", `${label}: disconnected`));
    return conn;
  }

  /**
   * Runs a command on a target. When the pooled connection turns out to be
   * dead before the command could start, reconnects once and retries: the
   * command never ran, so retrying cannot run it twice.
   */
  async exec(target: HostTarget, command: ShellText, signal?: AbortSignal, stdin?: string): Promise<ExecResult> {
    const conn = await this.connect(target);
    try {
      return await conn.exec(command, signal, stdin);
    } catch (err) {
      if (!(err instanceof ChannelOpenError) || conn.alive) throw err;
      return (await this.connect(target)).exec(command, signal, stdin);
    }
  }

  /** Closes a target's connection (not its bastion's, which other targets may share). */
  async disconnect(target: HostTarget): Promise<boolean> {
    const key = poolKey(target);
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.entries.delete(key);
    const conn = await entry.catch(() => undefined);
    await conn?.end();
    return conn !== undefined;
  }

  async closeAll(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map(async (e) => (await e.catch(() => undefined))?.end()));
  }
}
