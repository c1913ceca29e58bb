import { hostKey, isController, type ClusterSpec } from "../../schema/cluster";
import type { BackupAddresses, BackupStatus } from "../../schema/backup-api";

/** What a restore run is given about its backup (loaded from D1 by the service, kept in the run's options). */
export interface RestoreSource {
  backup: {
    id: string;
    cluster: string;
    status: BackupStatus;
    error: string | null;
    sha256: string;
    /** The controllers and externalAddress of the spec the backup was taken under. */
    addresses: BackupAddresses;
  };
  /** The cluster's name when the caller confirmed that running hosts are stopped and reset first; null otherwise. */
  reset: string | null;
}

/** The addresses a restore depends on: workers reach the API through them, and k0s restore's etcd keeps its recorded peer address. */
export function backupAddresses(spec: ClusterSpec): BackupAddresses {
  return {
    controllers: spec.spec.hosts.filter((h) => isController(h) && !h.reset).map((h) => hostKey(h)).sort(),
    externalAddress: spec.spec.k0s.config?.spec?.api?.externalAddress ?? null,
  };
}
