import { readFile, access } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import ssh2, { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from "ssh2";
import { MAX_OUTPUT_BYTES, type SshEndpoint } from "../schema/steps";
import type { KnownHosts, PinOutcome } from "./known-hosts";
import { expectedFingerprint, fingerprint, hostPortKey } from "./known-hosts";
import type { ShellText } from "./quote";
import { TailBuffer } from "./tail-buffer";
import { AbortedError, ChannelOpenError, HostKeyMismatchError, SshConnectError } from "./ssh-errors";
import { errorMessage, type Log } from "./log";

/** A command's outcome. A non-zero exit is data, not an exception. */
export interface ExecResult {
  /** null when the command was killed by a signal (see `signal`). */
  exitCode: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}

export interface ConnectOptions {
  knownHosts: KnownHosts;
  connectTimeoutMs: number;
  keepaliveMs: number;
  log: Log;
}

export function expandHome(path: string): string {
  if (path === "~") return homedir();
  return path.startsWith("~/") ? join(homedir(), path.slice(2)) : path;
}

// Same order OpenSSH tries when no identity is configured.
const DEFAULT_KEYS = ["~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa"];

async function authConfig(endpoint: SshEndpoint, label: string): Promise<Pick<ConnectConfig, "privateKey" | "agent">> {
  if (endpoint.keyPath) {
    // One answer for a missing file, a directory, an unreadable file and one
    // that is no key: the API names keyPath, and must not learn from the
    // error what exists on the relay (nor where ~ is).
    const unusable = new SshConnectError(`cannot connect to ${label}: keyPath ${endpoint.keyPath} is not a usable private key on the relay`);
    const key = await readFile(expandHome(endpoint.keyPath)).catch(() => undefined);
    if (key === undefined || ssh2.utils.parseKey(key) instanceof Error) throw unusable;
    return { privateKey: key };
  }
  if (process.env.SSH_AUTH_SOCK) return { agent: process.env.SSH_AUTH_SOCK };
  for (const candidate of DEFAULT_KEYS.map(expandHome)) {
    try {
      await access(candidate);
      return { privateKey: await readFile(candidate) };
    } catch {
      // try the next default identity
    }
  }
  throw new SshConnectError(`cannot connect to ${label}: no keyPath given, no SSH agent and no default key on the relay`);
}

/** One authenticated ssh2 client to one endpoint, reused across steps by the pool. */
export class SshConnection {
  private closed = false;
  private readonly closeListeners: (() => void)[] = [];

  constructor(
    readonly client: Client,
    readonly label: string,
    readonly hostKeyFingerprint: string,
  ) {
    client.on("close", () => {
      this.closed = true;
      for (const listener of this.closeListeners.splice(0)) listener();
    });
  }

  get alive(): boolean {
    return !this.closed;
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  /**
   * Runs a command; output is bounded to MAX_OUTPUT_BYTES per stream (the tail
   * is kept). `stdin` is written to the command, then closed.
   */
  exec(command: ShellText, signal?: AbortSignal, stdin?: string): Promise<ExecResult> {
    return new Promise<ExecResult>((resolve, reject) => {
      if (signal?.aborted) return reject(new AbortedError("aborted before the command started"));
      const onChannel = (err: Error | undefined, channel: ClientChannel) => {
        if (err) return reject(new ChannelOpenError(`${this.label}: cannot open a session: ${err.message}`));
        const stdout = new TailBuffer(MAX_OUTPUT_BYTES);
        const stderr = new TailBuffer(MAX_OUTPUT_BYTES);
        let exitCode: number | null = null;
        let exitSignal: string | undefined;
        const onAbort = () => {
          // Closing the channel makes sshd hang up on the command; the signal
          // request is best effort (older sshd ignore it).
          try {
            channel.signal("KILL");
          } catch {
            // channel already closing
          }
          channel.close();
          reject(new AbortedError("aborted"));
        };
        // The abort may have come while the channel was opening (a busy host).
        if (signal?.aborted) return onAbort();
        signal?.addEventListener("abort", onAbort, { once: true });
        channel.on("data", (d: Buffer) => stdout.push(d));
        channel.stderr.on("data", (d: Buffer) => stderr.push(d));
        channel.on("exit", (code: number | null, sig?: string) => {
          if (typeof code === "number") exitCode = code;
          else exitSignal = sig;
        });
        channel.on("close", () => {
          signal?.removeEventListener("abort", onAbort);
          const result: ExecResult = { exitCode, stdout: stdout.text(), stderr: stderr.text() };
          if (exitSignal) result.signal = exitSignal;
          resolve(result);
        });
        // Commands get the given stdin (or an empty one), never a terminal waiting for input.
        channel.end(stdin);
      };
      try {
        this.client.exec(command.text, onChannel);
      } catch (err) {
        reject(new ChannelOpenError(`${this.label}: ${errorMessage(err)}`));
      }
    });
  }

  /** Seam for file.upload / file.download: an SFTP session on this connection. */
  sftp(): Promise<SFTPWrapper> {
    return new Promise((resolve, reject) => {
      try {
        this.client.sftp((err, sftp) => (err ? reject(new ChannelOpenError(`${this.label}: sftp: ${err.message}`)) : resolve(sftp)));
      } catch (err) {
        reject(new ChannelOpenError(`${this.label}: ${errorMessage(err)}`));
      }
    });
  }

  /** A TCP stream from this host to another one (the bastion hop). */
  forwardOut(address: string, port: number, timeoutMs: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new SshConnectError(`${this.label}: forwarding to ${hostPortKey(address, port)} timed out`)), timeoutMs);
      try {
        this.client.forwardOut("127.0.0.1", 0, address, port, (err, stream) => {
          clearTimeout(timer);
          if (err) reject(new SshConnectError(`bastion ${this.label} cannot reach ${hostPortKey(address, port)}: ${err.message}`));
          else resolve(stream);
        });
      } catch (err) {
        clearTimeout(timer);
        reject(new ChannelOpenError(`${this.label}: ${errorMessage(err)}`));
      }
    });
  }

  end(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.onClose(resolve);
      this.client.end();
    });
  }
}

/** Opens and authenticates one ssh2 client, verifying (or pinning) the host key. */
export async function openConnection(
  endpoint: SshEndpoint,
  opts: ConnectOptions & { sock?: Duplex; label: string },
): Promise<SshConnection> {
  const { label } = opts;
  const auth = await authConfig(endpoint, label);
  const hostKey = hostPortKey(endpoint.address, endpoint.port);
  const wanted = endpoint.hostKey !== undefined ? expectedFingerprint(endpoint.hostKey) : undefined;
  return new Promise<SshConnection>((resolve, reject) => {
    const client = new Client();
    let pin: PinOutcome | undefined;
    let specMismatch: { expected: string; actual: string } | undefined;
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(err);
    };
    client.once("ready", () => {
      if (settled) return;
      settled = true;
      // After the handshake, errors (keepalive timeout, reset) end in "close",
      // which the pool watches; they must not crash the process.
      client.on("error", (err) => opts.log("ssh", `${label}: ${err.message}`));
      resolve(new SshConnection(client, label, pin && pin.kind !== "mismatch" ? pin.fingerprint : ""));
    });
    client.on("error", (err) => {
      if (specMismatch) fail(new HostKeyMismatchError(hostKey, specMismatch.expected, specMismatch.actual, null));
      else if (pin?.kind === "mismatch") fail(new HostKeyMismatchError(hostKey, pin.expected, pin.actual, opts.knownHosts.path));
      else fail(new SshConnectError(`cannot connect to ${label} as ${endpoint.user}: ${err.message}`));
    });
    client.once("close", () => fail(new SshConnectError(`cannot connect to ${label}: connection closed during the handshake`)));
    client.connect({
      host: endpoint.address,
      port: endpoint.port,
      username: endpoint.user,
      ...auth,
      ...(opts.sock ? { sock: opts.sock } : {}),
      readyTimeout: opts.connectTimeoutMs,
      keepaliveInterval: opts.keepaliveMs,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
        // The spec's key is checked first, so a host that fails it is never pinned;
        // a pin that disagrees with a matching spec key still refuses (below).
        if (wanted !== undefined && fingerprint(key) !== wanted) {
          specMismatch = { expected: wanted, actual: fingerprint(key) };
          verify(false);
          return;
        }
        opts.knownHosts.verify(endpoint.address, endpoint.port, key).then(
          (outcome) => {
            pin = outcome;
            if (outcome.kind === "pinned") opts.log("ssh", `${hostKey}: pinned host key ${outcome.fingerprint}`);
            verify(outcome.kind !== "mismatch");
          },
          (err: unknown) => {
            opts.log("ssh", `${hostKey}: cannot record host key: ${errorMessage(err)}`);
            verify(false);
          },
        );
      },
    });
    // Without it every exec and every SFTP write ends in a ~40 ms delayed-ACK
    // stall (Nagle). Node applies it once the socket connects; a hop through a
    // bastion has no socket of its own and rides the bastion's, set here too.
    client.setNoDelay(true);
  });
}
