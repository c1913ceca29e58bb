// The floor: the SSH work keel's relay did for one run (recorded by
// bench/ssh-trace.mjs), done again by a minimal script over plain ssh2 with
// the same parallelism: hosts in parallel, each host's operations in the
// recorded order (an operation starts once every operation on its host that
// had ended before it started in keel's run has ended here), and keel's
// barriers kept (a group of operations starts once the previous group ended).
// No API, no journal, no planning: what is left is SSH and the hosts.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Client, type SFTPWrapper } from "ssh2";
import { barrierGroups, type TraceEvent } from "./trace";

export interface FloorOptions {
  keyPath: string;
  traceDir: string;
  /** TCP_NODELAY on the SSH sockets (keel's relay sets it). */
  noDelay: boolean;
}

export interface FloorResult {
  ms: number;
  execs: number;
  /** Commands whose exit code differs from keel's run: the replay did not redo the same work. */
  exitMismatches: number;
  /** The first few of them: "command: keel's exit → the floor's". */
  mismatched: string[];
}

function connect(hostPort: string, privateKey: Buffer, noDelay: boolean): Promise<Client> {
  const [host, port] = hostPort.split(":");
  return new Promise((resolve, reject) => {
    const c = new Client();
    c.once("ready", () => resolve(c)).once("error", reject);
    c.connect({ host, port: Number(port ?? 22), username: "root", privateKey });
    if (noDelay) c.setNoDelay(true);
  });
}

function exec(c: Client, command: string, stdin: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) =>
    c.exec(command, (err, ch) => {
      if (err) return reject(err);
      let stdout = "";
      let code: number | null = null;
      ch.on("data", (d: Buffer) => (stdout += d.toString()));
      ch.stderr.on("data", () => {});
      ch.on("exit", (x: number | null) => (code = x));
      ch.on("close", () => resolve({ code, stdout }));
      ch.end(stdin);
    }),
  );
}

const sftpOf = (c: Client) => new Promise<SFTPWrapper>((resolve, reject) => c.sftp((err, s) => (err ? reject(err) : resolve(s))));

/** Replays one run's trace; connections the run did not open itself (keel's pool) are opened before the clock starts. */
export async function replayFloor(trace: readonly TraceEvent[], opts: FloorOptions): Promise<FloorResult> {
  const key = await readFile(opts.keyPath);
  const conns = new Map<string, Promise<Client>>();
  const sessions = new Map<string, Promise<SFTPWrapper>>();
  const connectedInRun = new Set(trace.filter((e) => e.kind === "connect").map((e) => e.host));
  const hosts = [...new Set(trace.map((e) => e.host))];
  for (const h of hosts) if (!connectedInRun.has(h)) conns.set(h, connect(h, key, opts.noDelay));
  await Promise.all(conns.values());
  // Secrets the hosts made in keel's run (join tokens) differ here: what keel
  // sent on from a command's output is replaced by this run's output.
  const outputs = new Map<string, string>();
  const substitute = (text: string) => {
    for (const [was, now] of outputs) if (text.includes(was)) text = text.split(was).join(now);
    return text;
  };
  let exitMismatches = 0;
  const mismatched: string[] = [];
  const conn = (h: string) => conns.get(h) ?? Promise.reject(new Error(`${h}: not connected`));

  const perform = async (e: TraceEvent): Promise<void> => {
    switch (e.kind) {
      case "connect":
        conns.set(e.host, connect(e.host, key, opts.noDelay));
        await conns.get(e.host);
        return;
      case "end": {
        const c = await conn(e.host);
        await new Promise<void>((resolve) => {
          c.once("close", () => resolve());
          c.end();
        });
        conns.delete(e.host);
        return;
      }
      case "exec": {
        const got = await exec(await conn(e.host), substitute(e.command), substitute(e.stdin));
        if (got.code !== e.exitCode) {
          exitMismatches++;
          if (mismatched.length < 5) mismatched.push(`${e.host} ${e.command.slice(0, 120)}: ${e.exitCode} → ${got.code}`);
        }
        const was = e.stdout.trim();
        if (was.length >= 32 && got.stdout.trim() !== was) outputs.set(was, got.stdout.trim());
        return;
      }
      case "sftp":
        sessions.set(e.session, conn(e.host).then(sftpOf));
        await sessions.get(e.session);
        return;
      case "sftp-end":
        (await sessions.get(e.session))?.end();
        return;
      case "mkdir": {
        const s = await sessions.get(e.session);
        await new Promise<void>((resolve) => s?.mkdir(e.path, { mode: e.mode }, () => resolve()));
        return;
      }
      case "put": {
        const s = await sessions.get(e.session);
        if (!s) throw new Error(`${e.host}: no SFTP session for ${e.path}`);
        const local = join(opts.traceDir, "blobs", e.blob);
        const bytes = await readFile(local);
        const replaced = substitute(bytes.toString("latin1"));
        if (replaced !== bytes.toString("latin1")) {
          await new Promise<void>((resolve, reject) => s.writeFile(e.path, Buffer.from(replaced, "latin1"), { mode: e.mode }, (err) => (err ? reject(err) : resolve())));
        } else {
          // ssh2's own pipelined upload: 64 requests of 32 KiB in flight.
          await new Promise<void>((resolve, reject) => s.fastPut(local, e.path, { mode: e.mode }, (err) => (err ? reject(err) : resolve())));
        }
        return;
      }
    }
  };

  const t0 = performance.now();
  for (const group of barrierGroups(trace)) {
    const done = new Map<TraceEvent, Promise<void>>();
    for (const e of group) {
      const before = group.filter((d) => d !== e && d.host === e.host && d.t1 <= e.t0).map((d) => done.get(d));
      done.set(e, Promise.all(before).then(() => perform(e)));
    }
    await Promise.all(done.values());
  }
  const ms = performance.now() - t0;
  await Promise.all([...conns.values()].map(async (c) => (await c).end()));
  return { ms, execs: trace.filter((e) => e.kind === "exec").length, exitMismatches, mismatched };
}
