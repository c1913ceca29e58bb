import { constants } from "node:fs";
import { open } from "node:fs/promises";

/**
 * A kubeconfig holds a client key: the file is 0600 before the first byte
 * lands in it, also when it existed with a wider mode.
 */
export async function writePrivate(path: string, text: string): Promise<void> {
  const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}
