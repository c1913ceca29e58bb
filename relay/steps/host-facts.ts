import type { HostFacts, HostFactsStep } from "../../schema/steps";
import type { z } from "zod";
import { sh } from "../quote";
import { commandFailed, isFailure, succeeded, type StepContext, type StepOutcome } from "./step-context";

/** The interface of the default route in `ip route` output. */
export function defaultRouteInterface(ipRoute: string): string | undefined {
  for (const line of ipRoute.split("\n")) {
    const words = line.trim().split(/\s+/);
    if (words[0] !== "default") continue;
    const dev = words.indexOf("dev");
    if (dev >= 0 && words[dev + 1]) return words[dev + 1];
  }
  return undefined;
}

/** The first non-loopback interface in `ip -o link` output (`2: eth0@if5: <…>`). */
export function firstNonLoopbackInterface(ipLink: string): string | undefined {
  for (const line of ipLink.split("\n")) {
    const m = /^\d+:\s+([^:@\s]+)(@[^:\s]*)?:/.exec(line.trim());
    if (m?.[1] && m[1] !== "lo") return m[1];
  }
  return undefined;
}

/** The first IPv4 address in `ip -o addr show dev IF scope global` output. */
export function firstIpv4(ipAddr: string): string | undefined {
  const m = /\sinet\s+(\d{1,3}(?:\.\d{1,3}){3})\//.exec(ipAddr);
  return m?.[1];
}

const IFNAME = /^[A-Za-z0-9._@-]{1,15}$/;

export async function hostFacts(step: z.infer<typeof HostFactsStep>, ctx: StepContext): Promise<StepOutcome> {
  const hostnameCmd = sh`hostname`;
  const hostnameRes = await ctx.run(hostnameCmd);
  if (isFailure(hostnameRes)) return commandFailed(hostnameCmd, hostnameRes);
  const facts: HostFacts = { hostname: hostnameRes.stdout.trim().toLowerCase().slice(0, 253) };

  let iface = step.privateInterface;
  if (!iface) {
    const routeCmd = sh`ip route`;
    const routeRes = await ctx.run(routeCmd);
    if (isFailure(routeRes)) return commandFailed(routeCmd, routeRes);
    iface = defaultRouteInterface(routeRes.stdout);
  }
  if (!iface) {
    const linkCmd = sh`ip -o link`;
    const linkRes = await ctx.run(linkCmd);
    if (isFailure(linkRes)) return commandFailed(linkCmd, linkRes);
    iface = firstNonLoopbackInterface(linkRes.stdout);
  }
  // Parsed from host output, so re-checked before it goes back into a command.
  if (!iface || !IFNAME.test(iface)) return succeeded(hostnameRes, facts);
  facts.privateInterface = iface;

  const addrCmd = sh`ip -o addr show dev ${iface} scope global`;
  const addrRes = await ctx.run(addrCmd);
  if (isFailure(addrRes)) return commandFailed(addrCmd, addrRes);
  const address = firstIpv4(addrRes.stdout);
  if (address) facts.privateAddress = address;
  return succeeded(addrRes, facts);
}
