import { posix } from "node:path";

/**
 * Host paths where a written file gets executed, or decides what gets
 * executed, as root: cron, systemd and init, folders of programs and
 * libraries, the dynamic loader, shell start-up files, sudo, SSH, accounts
 * and PAM, and the hooks other system services run. Uploads there are how an
 * API that may not run shell (hooks off) would run it anyway, so the relay
 * refuses them unless its own config (policy.allowUploadsTo) opens a path.
 *
 * A list of known places, not a proof: policy.uploadDestinations (an
 * allowlist) is the strict setting. Paths k0s itself reads by design (the
 * manifests folder, /opt/cni/bin, containerd drop-ins in /etc/k0s) are not
 * here: a spec uses them, and what lands there is cluster-admin's anyway.
 */

const PROTECTED: readonly { what: string; paths: readonly string[] }[] = [
  {
    what: "cron and at",
    paths: ["/etc/crontab", "/etc/anacrontab", "/etc/cron.d", "/etc/cron.hourly", "/etc/cron.daily", "/etc/cron.weekly", "/etc/cron.monthly", "/etc/cron.allow", "/etc/cron.deny", "/var/spool/cron", "/var/spool/anacron", "/var/spool/at", "/etc/at.allow", "/etc/at.deny"],
  },
  { what: "systemd and init", paths: ["/etc/systemd", "/lib/systemd", "/usr/lib/systemd", "/usr/local/lib/systemd", "/run/systemd", "/etc/xdg/systemd", "/etc/init.d", "/etc/init", "/etc/rc.d", "/etc/rc.local"] },
  {
    what: "programs and libraries",
    paths: ["/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/usr/lib", "/usr/lib32", "/usr/lib64", "/usr/libexec", "/usr/local/lib", "/usr/local/libexec", "/var/lib/k0s/bin", "/boot"],
  },
  { what: "the dynamic loader", paths: ["/etc/ld.so.preload", "/etc/ld.so.conf", "/etc/ld.so.conf.d"] },
  {
    what: "shell start-up files",
    paths: ["/etc/profile", "/etc/profile.d", "/etc/bash.bashrc", "/etc/bashrc", "/etc/environment", "/etc/zsh", "/etc/zshenv", "/etc/zprofile", "/etc/zshrc", "/etc/zlogin", "/etc/csh.cshrc", "/etc/csh.login"],
  },
  { what: "sudo", paths: ["/etc/sudoers", "/etc/sudoers.d", "/etc/doas.conf"] },
  { what: "SSH", paths: ["/etc/ssh"] },
  { what: "accounts and PAM", paths: ["/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/pam.d", "/etc/security", "/etc/nsswitch.conf"] },
  {
    what: "hooks system services run as root",
    paths: [
      "/etc/udev",
      "/etc/modprobe.d",
      "/etc/modules-load.d",
      "/etc/sysctl.conf",
      "/etc/sysctl.d",
      "/etc/logrotate.conf",
      "/etc/logrotate.d",
      "/etc/update-motd.d",
      "/etc/apt/apt.conf.d",
      "/etc/NetworkManager/dispatcher.d",
      "/etc/network/if-up.d",
      "/etc/network/if-pre-up.d",
      "/etc/dhcp/dhclient-enter-hooks.d",
      "/etc/dhcp/dhclient-exit-hooks.d",
    ],
  },
];

// Anywhere (home folders): what a login shell or the SSH server reads.
const START_UP_NAMES = new Set([".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".profile", ".zshrc", ".zshenv", ".zprofile", ".zlogin", ".zlogout", ".cshrc", ".tcshrc", ".login", ".kshrc", ".pam_environment"]);

/** `path` normalized: ".." and "." resolved, no trailing "/". */
export function normalizeHostPath(path: string): string {
  const n = posix.normalize(path);
  return n.length > 1 ? n.replace(/\/+$/, "") : n;
}

/** `path` is `dir` or below it (both normalized). */
export function isAtOrBelow(dir: string, path: string): boolean {
  return path === dir || path.startsWith(dir === "/" ? "/" : `${dir}/`);
}

/** What kind of protected place `path` (normalized, absolute) is in, or undefined when it is in none. */
export function protectedPlace(path: string): string | undefined {
  for (const group of PROTECTED) {
    if (group.paths.some((p) => isAtOrBelow(p, path))) return group.what;
  }
  const segments = path.split("/");
  if (segments.includes(".ssh")) return "SSH";
  if (path.includes("/.config/systemd/")) return "systemd and init";
  if (START_UP_NAMES.has(segments[segments.length - 1] ?? "")) return "shell start-up files";
  return undefined;
}
