import { useTranslation } from 'react-i18next';
import { formatNumber } from '../../app/format.ts';

/** One term or factor of a score, as the analysis API explains it. */
export interface ScoreTerm {
  readonly term: string;
  readonly value: number;
  readonly weight: number;
  readonly points: number;
  readonly note: string;
}

const KNOWN = new Set(['incidents', 'malware', 'reports', 'sightings', 'organisations', 'sectors', 'recency', 'kind', 'derived', 'damage_jpy', 'victims', 'records', 'confidence']);

/** A score explained term by term: what was counted, its weight, the points it gave; then the factors. */
export function Explanation({ explanation }: { explanation: { score: number; terms: readonly ScoreTerm[]; factors: readonly ScoreTerm[] } }) {
  const { t } = useTranslation();
  const name = (term: string) => (KNOWN.has(term) ? t(`terms.${term}.label`) : term);
  const note = (term: string) => (KNOWN.has(term) ? t(`terms.${term}.note`) : '');
  return (
    <table className="explain">
      <caption>{t('analysis.explanation', { score: formatNumber(explanation.score) })}</caption>
      <thead>
        <tr>
          <th scope="col">{t('analysis.term')}</th>
          <th scope="col">{t('analysis.value')}</th>
          <th scope="col">{t('analysis.weight')}</th>
          <th scope="col">{t('analysis.points')}</th>
          <th scope="col">{t('analysis.meaning')}</th>
        </tr>
      </thead>
      <tbody>
        {explanation.terms.map((x) => (
          <tr key={`t-${x.term}`}>
            <th scope="row">{name(x.term)}</th>
            <td>{formatNumber(x.value)}</td>
            <td>×{formatNumber(x.weight)}</td>
            <td>{formatNumber(x.points)}</td>
            <td className="muted">{note(x.term)}</td>
          </tr>
        ))}
        {explanation.factors.map((x) => (
          <tr key={`f-${x.term}`}>
            <th scope="row">{name(x.term)}</th>
            <td colSpan={3}>×{formatNumber(x.value)}</td>
            <td className="muted">{note(x.term)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
