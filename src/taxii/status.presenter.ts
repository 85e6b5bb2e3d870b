import type { StatusDetail, TaxiiStatusRow } from './taxii.tables.ts';

/** The status resource of TAXII 2.1 section 4.3.1. */
export interface StatusResource {
  readonly id: string;
  readonly status: 'pending' | 'complete';
  readonly request_timestamp: string;
  readonly total_count: number;
  readonly success_count: number;
  readonly successes?: readonly StatusDetail[];
  readonly failure_count: number;
  readonly failures?: readonly StatusDetail[];
  readonly pending_count: number;
  readonly pendings?: readonly StatusDetail[];
}

type StatusFields = Pick<TaxiiStatusRow, 'id' | 'status' | 'request_timestamp' | 'total_count' | 'success_count' | 'successes' | 'failure_count' | 'failures' | 'pending_count' | 'pendings'>;

/** A stored status as the TAXII resource; empty detail lists are left out (TAXII lists must not be empty). */
export function presentStatus(s: StatusFields): StatusResource {
  return {
    id: s.id,
    status: s.status,
    request_timestamp: s.request_timestamp.toISOString(),
    total_count: s.total_count,
    success_count: s.success_count,
    ...(s.successes.length ? { successes: s.successes } : {}),
    failure_count: s.failure_count,
    ...(s.failures.length ? { failures: s.failures } : {}),
    pending_count: s.pending_count,
    ...(s.pendings.length ? { pendings: s.pendings } : {}),
  };
}
