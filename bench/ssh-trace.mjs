// Preload for the relay process in benchmarks (NODE_OPTIONS=--import):
// records every SSH operation the relay performs (connect, exec with its
// stdin and stdout, SFTP session, mkdir, each written file's bytes) with
// wall-clock times, so bench/floor.ts can replay exactly the same work over
// plain ssh2 and bench/ansible.ts can turn it into a playbook. Active only in
// the relay process and only when KEEL_BENCH_TRACE names the output folder;
// it changes no behaviour.
import { Buffer } from "node:buffer";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import process from "node:process";
import { performance } from "node:perf_hooks";

const dir = process.env.KEEL_BENCH_TRACE;
if (dir && (process.argv[1] ?? "").endsWith("keel-relay.js")) {
  const require = createRequire(join(process.cwd(), "package.json"));
  const { Client } = require("ssh2");
  mkdirSync(join(dir, "blobs"), { recursive: true });
  const file = join(dir, "trace.jsonl");
  const now = () => performance.timeOrigin + performance.now();
  const log = (event) => appendFileSync(file, `${JSON.stringify(event)}\n`);
  let blobs = 0;

  const connect = Client.prototype.connect;
  Client.prototype.connect = function (config) {
    const host = `${config.host}:${config.port ?? 22}`;
    this.__benchHost = host;
    const t0 = now();
    this.once("ready", () => log({ kind: "connect", host, t0, t1: now() }));
    return connect.call(this, config);
  };

  const end = Client.prototype.end;
  Client.prototype.end = function () {
    if (this.__benchHost && !this.__benchEnded) {
      this.__benchEnded = true;
      log({ kind: "end", host: this.__benchHost, t0: now(), t1: now() });
    }
    return end.call(this);
  };

  const exec = Client.prototype.exec;
  Client.prototype.exec = function (command, ...rest) {
    const host = this.__benchHost;
    const cb = rest.pop();
    const t0 = now();
    return exec.call(this, command, ...rest, (err, channel) => {
      if (err) return cb(err, channel);
      let stdout = "";
      let stdin = "";
      let exitCode = null;
      channel.on("data", (d) => (stdout += d.toString()));
      channel.on("exit", (code) => (exitCode = code));
      const channelEnd = channel.end;
      channel.end = function (data, ...more) {
        if (typeof data === "string" || Buffer.isBuffer(data)) stdin += data.toString();
        return channelEnd.call(this, data, ...more);
      };
      channel.on("close", () => log({ kind: "exec", host, t0, t1: now(), command, stdin, stdout, exitCode }));
      cb(err, channel);
    });
  };

  const sftp = Client.prototype.sftp;
  Client.prototype.sftp = function (cb) {
    const host = this.__benchHost;
    const t0 = now();
    return sftp.call(this, (err, wrapper) => {
      if (!err) {
        const session = `${host}#${t0}`;
        log({ kind: "sftp", host, session, t0, t1: now() });
        traceSftp(wrapper, host, session);
      }
      cb(err, wrapper);
    });
  };

  function traceSftp(wrapper, host, session) {
    const files = new Map();
    const open = wrapper.open;
    wrapper.open = function (path, flags, attrs, cb) {
      const t0 = now();
      return open.call(this, path, flags, attrs, (err, handle) => {
        if (!err) files.set(handle.toString("hex"), { path, mode: attrs?.mode ?? 0o644, t0, chunks: [], size: 0 });
        cb(err, handle);
      });
    };
    const write = wrapper.write;
    wrapper.write = function (handle, buf, off, len, pos, cb) {
      const f = files.get(handle.toString("hex"));
      if (f) {
        f.chunks.push({ pos, data: Buffer.from(buf.subarray(off, off + len)) });
        f.size = Math.max(f.size, pos + len);
      }
      return write.call(this, handle, buf, off, len, pos, cb);
    };
    const close = wrapper.close;
    wrapper.close = function (handle, cb) {
      const key = handle.toString("hex");
      const f = files.get(key);
      return close.call(this, handle, (err) => {
        if (f) {
          files.delete(key);
          const all = Buffer.alloc(f.size);
          for (const c of f.chunks) c.data.copy(all, c.pos);
          const blob = `${blobs++}`;
          writeFileSync(join(dir, "blobs", blob), all);
          log({ kind: "put", host, session, t0: f.t0, t1: now(), path: f.path, mode: f.mode, size: f.size, blob });
        }
        cb?.(err);
      });
    };
    const mkdir = wrapper.mkdir;
    wrapper.mkdir = function (path, attrs, cb) {
      const t0 = now();
      return mkdir.call(this, path, attrs, (err) => {
        log({ kind: "mkdir", host, session, t0, t1: now(), path, mode: attrs?.mode ?? 0o755 });
        cb(err);
      });
    };
    wrapper.once("close", () => log({ kind: "sftp-end", host, session, t0: now(), t1: now() }));
  }
}
