import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from './api.ts';

/** Data from the hub (values, names): never translated, marked so for browsers and the language tests. */
export function Data({ children, className }: { children: ReactNode; className?: string }) {
  return (
    <span translate="no" className={className}>
      {children}
    </span>
  );
}

/** A TLP level as a coloured label (TLP 2.0 colours on black for contrast). */
export function TlpBadge({ tlp }: { tlp: string }) {
  return (
    <span className={`tlp tlp-${tlp.replace('+', '-')}`} translate="no">
      TLP:{tlp.toUpperCase()}
    </span>
  );
}

/** Shows an error from the API in the user's language, with the hub's message as detail. */
export function ErrorBox({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  const code = error instanceof ApiError ? error.code : 'network';
  const known = ['unauthorized', 'forbidden', 'not_found', 'validation_failed', 'rate_limited', 'conflict', 'unprocessable', 'network', 'bad_request', 'payload_too_large'];
  return (
    <div role="alert" className="error">
      <strong>{t(`errors.${known.includes(code) ? code : 'other'}`)}</strong>
      {error instanceof ApiError && error.message ? (
        <>
          {' '}
          <Data className="muted">{error.message}</Data>
        </>
      ) : null}
    </div>
  );
}

/** "Loading…", announced politely. */
export function Loading() {
  const { t } = useTranslation();
  return (
    <p role="status" className="muted">
      {t('common.loading')}
    </p>
  );
}

/** Loads data for a screen; reloads when a dependency changes. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): { data: T | undefined; error: unknown; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    load(ctl.signal).then(
      (data) => !ctl.signal.aborted && setState({ data, error: null, loading: false }),
      (error: unknown) => !ctl.signal.aborted && setState({ data: undefined, error, loading: false }),
    );
    return () => ctl.abort();
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((n) => n + 1) };
}

/** A titled panel. */
export function Card({ title, children, id }: { title: ReactNode; children: ReactNode; id?: string }) {
  return (
    <section className="card" id={id} aria-labelledby={id ? `${id}-title` : undefined}>
      <h2 id={id ? `${id}-title` : undefined}>{title}</h2>
      {children}
    </section>
  );
}
