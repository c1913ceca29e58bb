// Ansible (Debian's ansible-playbook) running the commands keel's relay ran
// for one run (from its trace) against the same hosts: one task per command,
// each host its own list, hosts in parallel (forks = hosts, strategy free).
// Timed inside the play by a callback (first play start → stats), the
// analogue of keel's server clock; the process time is reported beside it.
import { spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import type { TraceEvent } from "./trace";

export type AnsibleMode = "shell" | "raw";

const CALLBACK = `
import json, os, time
from ansible.plugins.callback import CallbackBase

class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'keel_timer'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.start = None
        self.failed = 0

    def v2_playbook_on_play_start(self, play):
        if self.start is None:
            self.start = time.time()

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self.failed += 1

    def v2_runner_on_unreachable(self, result):
        self.failed += 1

    def v2_playbook_on_stats(self, stats):
        with open(os.environ['KEEL_ANSIBLE_TIMING'], 'w') as f:
            json.dump({'ms': (time.time() - self.start) * 1000, 'failed': self.failed}, f)
`;

export interface AnsibleSetup {
  dir: string;
  playbooks: Map<string, string>;
}

/** Writes the config (tuned: pipelining, ControlPersist, no interpreter discovery), inventory and one playbook per trace. */
export async function writeAnsible(dir: string, keyPath: string, traces: Record<string, readonly TraceEvent[]>): Promise<AnsibleSetup> {
  await mkdir(join(dir, "callback_plugins"), { recursive: true });
  await writeFile(join(dir, "callback_plugins", "keel_timer.py"), CALLBACK);
  const hosts = [...new Set(Object.values(traces).flatMap((t) => t.map((e) => e.host.split(":")[0] ?? "")))].sort();
  await writeFile(
    join(dir, "ansible.cfg"),
    [
      "[defaults]",
      "inventory = inventory.yml",
      `forks = ${Math.max(5, hosts.length)}`,
      "callback_plugins = ./callback_plugins",
      "callbacks_enabled = keel_timer",
      "retry_files_enabled = False",
      "interpreter_python = /usr/bin/python3",
      "host_key_checking = False",
      "stdout_callback = null",
      "",
      "[ssh_connection]",
      "pipelining = True",
      `ssh_args = -o ControlMaster=auto -o ControlPersist=600s -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no`,
      `control_path_dir = ${join(dir, "cp")}`,
      "",
    ].join("\n"),
  );
  const commandsOf = (trace: readonly TraceEvent[], h: string) =>
    trace.filter((e): e is Extract<TraceEvent, { kind: "exec" }> => e.kind === "exec" && e.host.startsWith(`${h}:`)).map((e) => e.command);
  const playbooks = new Map<string, string>();
  // Each host's commands are its own list, in keel's order (host vars, !unsafe:
  // Ansible must not template keel's command text); task i runs each host's i-th command.
  const inventory = [
    "all:",
    "  vars:",
    "    ansible_user: root",
    `    ansible_ssh_private_key_file: ${JSON.stringify(keyPath)}`,
    "  hosts:",
    ...hosts.flatMap((h) => [
      `    ${JSON.stringify(h)}:`,
      `      ansible_host: ${JSON.stringify(h)}`,
      ...Object.entries(traces).flatMap(([name, trace]) => [`      keel_${name}:`, ...commandsOf(trace, h).map((c) => `        - !unsafe ${JSON.stringify(c)}`), ...(commandsOf(trace, h).length === 0 ? ["        []"] : [])]),
    ]),
    "",
  ];
  await writeFile(join(dir, "inventory.yml"), inventory.join("\n").replace(/:\n {8}\[\]/g, ": []"));
  for (const [name, trace] of Object.entries(traces)) {
    const longest = Math.max(0, ...hosts.map((h) => commandsOf(trace, h).length));
    for (const mode of ["shell", "raw"] as const) {
      const tasks = Array.from({ length: longest }, (_, i) => ({
        name: `command ${i}`,
        [`ansible.builtin.${mode}`]: `{{ keel_${name}[${i}] }}`,
        when: `keel_${name} | length > ${i}`,
        ...(mode === "shell" ? { changed_when: false } : {}),
        // Some of keel's commands may exit non-zero on purpose (probes): carry on as keel does.
        ignore_errors: true,
      }));
      const file = `${name}-${mode}.yml`;
      await writeFile(join(dir, file), stringify([{ name, hosts: "all", gather_facts: false, strategy: "free", tasks }], { lineWidth: 0 }));
      playbooks.set(`${name}-${mode}`, file);
    }
  }
  return { dir, playbooks };
}

/** Runs one playbook; returns the in-play and process times. */
export async function runAnsible(setup: AnsibleSetup, playbook: string): Promise<{ playMs: number; processMs: number; failed: number }> {
  const file = setup.playbooks.get(playbook);
  if (!file) throw new Error(`no playbook ${playbook}`);
  const timing = join(setup.dir, "timing.json");
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn("ansible-playbook", [file], {
      cwd: setup.dir,
      env: { ...process.env, ANSIBLE_CONFIG: join(setup.dir, "ansible.cfg"), KEEL_ANSIBLE_TIMING: timing },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`ansible-playbook ${file} exited ${code}: ${err.slice(-2000)}`))));
  });
  const processMs = performance.now() - t0;
  const t = JSON.parse(await readFile(timing, "utf8")) as { ms: number; failed: number };
  return { playMs: t.ms, processMs, failed: t.failed };
}
